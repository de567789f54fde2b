#!/usr/bin/python3
"""check-exchanges.py: checks logged HTTP exchanges against docs/openapi.json.

Usage: check-exchanges.py OPENAPI.json LOG.jsonl [LOG.jsonl ...] [--coverage]

Each log line is one exchange written by tests/lib/harness.c (hx_req):
{"method", "path" (with query), "req_type", "req_body", "status",
 "resp_type", "resp_body"}. Rules:
- the route (method + templated path) must be an operation of the document;
  a request to a path the document does not describe may only get the
  router's own refusals (404 no such route, 405, 413) as problem+json, and a
  GET outside /api/ is the web app's static files (not part of the contract);
- the response status must be documented for the operation;
- the response content type must be one documented for that status, and a
  JSON or problem+json body must match its schema (JSON Schema 2020-12);
  a documented response without content must have an empty body;
- a request whose body (or query parameter) violates the documented schema,
  or whose body is missing or not JSON where one is required, must not have
  been answered 2xx (a 4xx for a bad request is correct behaviour); an
  operation that documents no request body ignores whatever is sent.
Prints the first mismatches as "contract: ..." lines and a summary; exits 1
when there is any mismatch. Runs with Debian's python3-jsonschema."""
import json
import re
import sys
from urllib.parse import parse_qsl, urlsplit

import jsonschema
from jsonschema import Draft202012Validator, FormatChecker

SHOW = 25
RFC3339 = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)"
                     r"(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$")
DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")

FORMATS = FormatChecker(formats=())


@FORMATS.checks("date-time")
def _is_datetime(v):
    return not isinstance(v, str) or bool(RFC3339.match(v))


@FORMATS.checks("date")
def _is_date(v):
    return not isinstance(v, str) or bool(DATE.match(v))


@FORMATS.checks("email")
def _is_email(v):
    return not isinstance(v, str) or bool(EMAIL.match(v))


def media(t):
    return (t or "").split(";")[0].strip().lower()


def is_json_media(t):
    return t == "application/json" or t.endswith("+json")


class Contract:
    def __init__(self, doc):
        self.doc = doc
        self.resolver = jsonschema.RefResolver.from_schema(doc)
        self.validators = {}
        self.ops = []   # (method, regex, template, op, path-level params)
        for template, item in doc.get("paths", {}).items():
            shared = item.get("parameters", [])
            for method, op in item.items():
                if method not in ("get", "put", "post", "delete", "patch", "head", "options"):
                    continue
                params = {p["name"]: p for p in shared + op.get("parameters", []) if "$ref" not in p}
                self.ops.append((method.upper(), self.template_re(template, params), template, op, params))
        # literal paths first, so /api/v1/charges.csv never falls to a template
        self.ops.sort(key=lambda o: o[2].count("{"))

    @staticmethod
    def template_re(template, params):
        out, pos = "^", 0
        for m in re.finditer(r"\{([^}]+)\}", template):
            out += re.escape(template[pos:m.start()])
            p = params.get(m.group(1), {})
            if p.get("schema", {}).get("type") == "integer":
                out += r"(?P<%s>[1-9][0-9]{0,14})" % m.group(1)
            else:
                out += r"(?P<%s>[A-Za-z0-9._-]{1,128}?)" % m.group(1)
            pos = m.end()
        return re.compile(out + re.escape(template[pos:]) + "$")

    def find(self, method, path):
        path_seen = None
        for m, rx, template, op, params in self.ops:
            if rx.match(path):
                path_seen = template
                if m == method:
                    return template, op, params
        return path_seen, None, None

    def errors(self, schema, value):
        key = json.dumps(schema, sort_keys=True)
        v = self.validators.get(key)
        if v is None:
            v = Draft202012Validator(schema, resolver=self.resolver, format_checker=FORMATS)
            self.validators[key] = v
        errs = sorted(v.iter_errors(value), key=lambda e: len(list(e.absolute_path)))
        return ["%s: %s" % ("/" + "/".join(str(x) for x in e.absolute_path), e.message[:300]) for e in errs[:3]]


def parse_body(x):
    """(text, error) of a logged body: the text, or why it cannot be read."""
    body = x
    if isinstance(body, dict):
        return None, "binary body of %d bytes" % body.get("binary_bytes", 0)
    return body, None


def check(c, x):
    """The list of mismatches of one exchange (empty when it conforms)."""
    method, full, status = x.get("method", ""), x.get("path", ""), x.get("status", 0)
    if not status:
        return []   # no answer at all (the test itself reports that)
    u = urlsplit(full)
    path = u.path
    template, op, params = c.find(method, path)
    resp_type = media(x.get("resp_type"))
    resp_text, binerr = parse_body(x.get("resp_body"))
    ok2xx = 200 <= status < 300
    if op is None:
        if template is None and method in ("GET", "HEAD") and not path.startswith("/api/"):
            return []   # the web app's static files: outside the API contract
        if status in (404, 405, 413) and resp_type == "application/problem+json":
            probs = c.errors({"$ref": "#/components/schemas/Problem"}, json.loads(resp_text or "null"))
            return ["router refusal does not match Problem: " + p for p in probs]
        return ["route %s %s is not in the document (answered %d)" % (method, template or path, status)]
    where = "%s %s" % (method, template)
    bad = []
    # the request: a body or query that breaks the schema must not succeed
    req_problems = []
    rb = op.get("requestBody")
    req_text, req_bin = parse_body(x.get("req_body"))
    has_body = req_bin is not None or (req_text is not None and req_text != "")
    if rb:
        content = rb.get("content", {})
        rtype = media(x.get("req_type"))
        if not has_body:
            if rb.get("required"):
                req_problems.append("request body missing")
        elif rtype not in content:
            req_problems.append("request content type %r not accepted" % (x.get("req_type"),))
        elif req_bin:
            req_problems.append(req_bin)
        else:
            try:
                val = json.loads(req_text)
            except (ValueError, RecursionError) as e:
                req_problems.append("request body is not JSON (%s)" % e)
            else:
                req_problems += ["request " + e for e in c.errors(content[rtype].get("schema", {}), val)]
    for name, value in parse_qsl(u.query, keep_blank_values=True):
        p = params.get(name)
        if p is None or p.get("in") != "query":
            req_problems.append("query parameter %r is not documented" % name)
            continue
        sch = p.get("schema", {})
        v = value
        if sch.get("type") == "integer" or (isinstance(sch.get("type"), list) and "integer" in sch["type"]):
            try:
                v = int(value, 10)
            except ValueError:
                pass
        elif sch.get("type") == "boolean":
            v = {"true": True, "false": False}.get(value, value)
        req_problems += ["query %s=%r: %s" % (name, value, e.split(": ", 1)[1]) for e in c.errors(sch, v)]
    if req_problems and ok2xx:
        bad += ["%s answered %d to a request that breaks the contract: %s" % (where, status, p) for p in req_problems]
    # the response
    resp = op.get("responses", {}).get(str(status))
    if resp is None:
        return bad + ["%s: status %d is not documented (documented: %s)" %
                      (where, status, ", ".join(op.get("responses", {})))]
    content = resp.get("content")
    if not content:
        if resp_text:
            bad.append("%s %d: documented without a body, got %s" % (where, status, resp_type or "an untyped body"))
        return bad
    if resp_type not in content:
        return bad + ["%s %d: content type %r, documented %s" % (where, status, x.get("resp_type"), ", ".join(content))]
    if is_json_media(resp_type):
        if binerr:
            return bad + ["%s %d: %s" % (where, status, binerr)]
        try:
            val = json.loads(resp_text)
        except (ValueError, RecursionError) as e:
            return bad + ["%s %d: response is not JSON (%s)" % (where, status, e)]
        bad += ["%s %d response %s" % (where, status, e) for e in c.errors(content[resp_type].get("schema", {}), val)]
    return bad


def main(argv):
    cov = "--coverage" in argv
    args = [a for a in argv[1:] if a != "--coverage"]
    if len(args) < 2:
        sys.stderr.write(__doc__)
        return 2
    with open(args[0]) as f:
        c = Contract(json.load(f))
    n, mismatches, seen, groups = 0, [], {}, {}
    for log in args[1:]:
        with open(log) as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    x = json.loads(line)
                except ValueError:
                    mismatches.append("%s:%d: unreadable log line" % (log, lineno))
                    continue
                n += 1
                template, op, _ = c.find(x.get("method", ""), urlsplit(x.get("path", "")).path)
                if op is not None:
                    seen.setdefault("%s %s" % (x["method"], template), set()).add(x.get("status"))
                for m in check(c, x):
                    mismatches.append(m)
                    if m not in groups:
                        groups[m] = [0, "%s %s" % (x.get("method"), x.get("path", "")[:160])]
                    groups[m][0] += 1
    # the same mismatch from many exchanges is shown once, with a count and an example
    for m, (count, example) in list(groups.items())[:SHOW]:
        print("contract: %s%s (e.g. %s)" % (m, " [x%d]" % count if count > 1 else "", example))
    if len(groups) > SHOW:
        print("contract: ... and %d more kinds of mismatch" % (len(groups) - SHOW))
    print("contract: %d exchanges, %d operations exercised, %d mismatches" % (n, len(seen), len(mismatches)))
    if cov:
        for k in sorted(seen):
            print("coverage: %-60s %s" % (k, " ".join(str(s) for s in sorted(seen[k]))))
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
