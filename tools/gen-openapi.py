#!/usr/bin/env python3
"""gen-openapi.py: writes docs/openapi.json (OpenAPI 3.1) from the route
descriptions below and in tools/openapi/PART.json. Edit them, run this
script, commit both. The test suite compares docs/openapi.json with labpassd's
route table, and tests/run.sh checks every exchange of the integration tests
against it (tools/check-exchanges.py).

Routes are [method, path, roles, summary, request schema, success code,
response schema, options]; options (optional) may hold
  "errors":  {code: description} the handler's own refusals besides the ones
             every route gets (413 and 503; 401 and 403 unless public; 404
             with a path id; 400 with a body or query parameters),
  "query":   {name: [schema, description]},
  "also":    {code: [schema, description]} further success answers,
  "type":    the success media type when it is not application/json,
  "body_optional": true when the request body may be left out,
  "headers": {name: description} request headers the operation reads,
  "ok_description": what the success answer holds,
  "example": {"request": ..., "response": ...}.
Schemas are written in a short notation that expand() turns into JSON
Schema 2020-12:
  "int" "str" "bool" "num" "any" "obj"       the JSON types ("obj": any object)
  "time" "date" "email" "month" "hhmm"       strings with a format or pattern
  "str<=N" "int[A..B]"                       length and range bounds
  "enum:a|b|c"                               a string enum
  "#Name"                                    a component schema
  "[X]"                                      an array of X
  X + "?"                                    X or null
  {"key": X, "opt?": Y}                      an object with exactly these keys;
                                             keys without "?" are required
  {"$raw": {...}}                            JSON Schema as is
A request object refuses unknown keys (additionalProperties false), as the
server's strict validator (api/jsonv.c) does; response objects list every
key the handler writes, so a new key must be documented."""
import copy
import json
import os
import re

P = "urn:labpass:problem:"
ERR = {"400": "Malformed JSON (malformed-json), an unknown field, a wrong type or a bad value (validation; field names it)",
       "401": "Not signed in (unauthorized)", "403": "The caller's role, the tenant's rules or the CSRF check (csrf) forbid this",
       "404": "No such object, or not visible to the caller", "409": "Conflict with the current state (conflict, state)",
       "413": "Request body over 65536 bytes (too-large)", "422": "A rule refuses this (rule; field names the rule)",
       "429": "Too many attempts (throttled); Retry-After says when to try again",
       "503": "The database is busy or cannot be opened (busy); retry",
       "400-edge": "A malformed request-target (bad-target) or framing (bad-framing: two Content-Length headers, Content-Length with Transfer-Encoding)",
       "415": "A request body that is not JSON (unsupported-media-type): bodies must be sent as Content-Type: application/json"}

PROBLEM = {"type": "object", "additionalProperties": False,
           "description": "RFC 9457 problem details. type is a stable URN per error kind (" + P +
           "validation, malformed-json, not-found, conflict, state, rule, forbidden, csrf, unauthorized, bad-credentials, "
           "bad-token, too-large, throttled, busy, crypto, method-not-allowed, internal, ...); instance is the request path.",
           "required": ["type", "title", "status", "instance"],
           "properties": {"type": {"type": "string", "pattern": "^urn:labpass:problem:[a-z-]+$"}, "title": {"type": "string"},
                          "status": {"type": "integer", "minimum": 400, "maximum": 599}, "detail": {"type": "string"},
                          "field": {"type": "string", "description": "the offending field, query parameter, header or rule"},
                          "instance": {"type": "string"},
                          "missing": {"type": "array", "items": {"$ref": "#/components/schemas/MissingTraining"},
                                      "description": "a booking refused for training (403, field qualification): every training the person lacks, with how to get it"}}}

SCHEMAS = {
  "Time": {"$raw": {"type": "string", "format": "date-time", "description": "RFC 3339 with offset; output in the site time zone"}},
  "Next": {"$raw": {"type": ["string", "null"], "pattern": "^/api/v1/[^ ]*[?&]cursor=[A-Za-z0-9_-]+$",
                    "description": "the next page: the same request with its cursor (also in the Link header), null on the last page"}},
  "Tenant": {"id": "int", "name": "str", "kvk_number": "str", "vat_number": "str", "billing_email": "str", "street": "str",
             "postal_code": "str", "city": "str", "country": "str", "buyer_reference": "str",
             "rate_tier": "enum:startup|academic|corporate", "status": "enum:active|suspended|offboarded",
             "language": "str", "created_at": "time", "updated_at": "time"},
  "TenantEffects": {"bookings": "int", "people": "int", "waiting": "int", "passes": "int", "cancelled_bookings": "int",
                    "cancelled_waiting": "int", "notified_people": "int"},
  "TenantHoldings": {"tenant_id": "int", "status": "enum:active|suspended|offboarded", "effects": "#TenantEffects"},
  "TenantClose": {"bookings?": "str<=8", "notify?": "bool"},
  "TenantChanged": None,   # the Tenant and effects: filled in below
  "TenantInput": {"name?": "str<=200", "kvk_number?": "str<=8", "vat_number?": "str<=15", "billing_email?": "str<=254",
                  "street?": "str<=200", "postal_code?": "str<=16", "city?": "str<=100", "country?": "str<=2",
                  "buyer_reference?": "str<=100", "rate_tier?": "str<=15",
                  "language?": "str<=2"},
  "TenantCreate": {"name": "str<=200", "kvk_number?": "str<=8", "vat_number?": "str<=15", "billing_email?": "str<=254",
                   "street?": "str<=200", "postal_code?": "str<=16", "city?": "str<=100", "country?": "str<=2",
                   "buyer_reference?": "str<=100", "rate_tier?": "str<=15",
                  "language?": "str<=2"},
  "Person": {"id": "int", "email": "str", "name": "str", "status": "enum:active|disabled", "is_staff": "bool",
             "has_password": "bool", "tenant_id": "int?", "role": "enum:tenant_admin|member?", "language": "enum:en|nl",
             "created_at": "time"},
  "Me": {"$raw": {"oneOf": [
      {"type": "object", "additionalProperties": False, "required": ["id", "email", "name", "status", "is_staff", "has_password", "tenant_id", "role", "language", "created_at"],
       "description": "a person: as Person, but role is the caller's role (staff, tenant_admin, member) and status is always active",
       "properties": {"id": {"type": "integer"}, "email": {"type": "string"}, "name": {"type": "string"}, "status": {"const": "active"},
                      "is_staff": {"type": "boolean"}, "has_password": {"type": "boolean"}, "tenant_id": {"type": ["integer", "null"]},
                      "role": {"enum": ["staff", "tenant_admin", "member"]}, "language": {"enum": ["en", "nl"]}, "created_at": {"$ref": "#/components/schemas/Time"},
                      "passkey_step": {"type": "boolean", "description": "true while a staff member's session owes the passkey step (POST /api/v1/auth/passkey-step): until then it has no staff rights"}}},
      {"type": "object", "additionalProperties": False, "required": ["role", "door_id"], "description": "a door (its API key)",
       "properties": {"role": {"const": "door"}, "door_id": {"type": "integer"}}}]}},
  "Login": {"email": "str<=254", "password": "str<=256", "device_token?": "str<=100"},
  "LoginResult": {"token": "str", "expires_at": "time", "person": "#Person", "passkey_step?": "bool"},
  "Setup": {"token": "str<=100", "password": "str<=256"},
  "PasswordChange": {"current_password": "str<=256", "new_password": "str<=256", "revoke_api_keys?": "bool",
                     "revoke_feeds?": "bool"},
  "Health": {"status": "enum:ok", "schema_version": "int"},
  "Site": {"name": "str", "timezone": "str", "currency": "str", "language": "str", "legal_name": "str", "kvk_number": "str",
           "vat_number": "str", "iban": "str", "bic": "str", "street": "str", "postal_code": "str", "city": "str",
           "country": "str", "email": "str", "payment_terms_days": "int"},
  "SiteInput": {"name?": "str<=200", "language?": "str<=2", "legal_name?": "str<=200", "kvk_number?": "str<=8",
                "vat_number?": "str<=15", "iban?": "str<=34", "bic?": "str<=11", "street?": "str<=200",
                "postal_code?": "str<=16", "city?": "str<=100", "country?": "str<=2", "email?": "str<=254",
                "payment_terms_days?": "int[0..120]"},
  "Sessions": {"sessions": ["{Session}"], "next": "#Next"},
  "Session": {"id": "int", "person_id": "int", "created_at": "time", "expires_at": "time", "client_ip": "str"},
  "ApiKeys": {"api_keys": ["{ApiKey}"]},
  "ApiKey": {"id": "int", "name": "str", "role": "enum:staff|door", "person_id": "int?", "door_id": "int?",
             "created_at": "time", "revoked_at": "time?"},
  "ApiKeyInput": {"name": "str<=100"},
  "ApiKeyCreated": {"id": "int", "role": "enum:staff", "key": "str"},
  "Tenants": {"tenants": "[#Tenant]"},
  "Members": {"members": "[#Person]"},
  "MemberInput": {"person_id?": "int[1..2147483647]", "email?": "str<=254", "name?": "str<=200", "role": "str<=16"},
  "MemberRole": {"role": "str<=16"},
  "People": {"people": "[#Person]"},
  "PersonInput": {"email": "str<=254", "name": "str<=200", "password?": "str<=256", "is_staff?": "bool", "language?": "str<=2"},
  "PersonUpdate": {"email?": "str<=254", "name?": "str<=200", "status?": "str<=16", "is_staff?": "bool", "language?": "str<=2"},
  "Audit": {"entries": ["{AuditEntry}"], "next": "#Next"},
  "AuditEntry": {"id": "int", "at": "time", "actor": "str", "action": "str", "object_type": "str", "object_id": "int",
                 "before": {"$raw": {"description": "the object before the change (SQLite json_object), or null"}},
                 "after": {"$raw": {"description": "the object after the change, or null"}}},
}
SCHEMAS["TenantChanged"] = dict(SCHEMAS["Tenant"], effects="#TenantEffects")

# method, path, roles, summary, request schema, success code, response schema, options
ROUTES = [
  ("GET", "/healthz", "public", "Liveness and database check", None, "200", "Health",
   {"errors": {"503": "The database does not answer (unhealthy)"}}),
  ("GET", "/metrics", "staff", "Prometheus metrics: requests by route and status, latency histogram, database size", None, "200", None,
   {"type": "text/plain"}),
  ("GET", "/api/v1/openapi.json", "public", "This document", None, "200", {"$raw": {"type": "object", "required": ["openapi", "paths"]}}),
  ("POST", "/api/v1/auth/login", "public", "Sign in with email and password; returns a session token and sets the lp_session (HttpOnly) and lp_csrf cookies. Throttled per account and address (429 with Retry-After).", "Login", "200", "LoginResult",
   {"errors": {"401": "Unknown e-mail address or wrong password (bad-credentials)", "429": ERR["429"]},
    "example": {"request": {"email": "lab@novacell.example", "password": "labpass-member-demo"},
                "response": {"token": "lps_3kq9...", "expires_at": "2027-04-09T16:30:00+02:00",
                             "person": {"id": 4, "email": "lab@novacell.example", "name": "Bram Visser", "status": "active", "is_staff": False,
                                        "has_password": True, "tenant_id": 1, "role": "member", "language": "en", "created_at": "2026-12-01T07:00:00+01:00"}}}}),
  ("POST", "/api/v1/auth/logout", "person", "Ends the current session and clears the cookies", None, "204", None),
  ("POST", "/api/v1/auth/setup", "public", "Sets a first password with the one-time setup token of an invitation", "Setup", "204", None,
   {"errors": {"401": "The setup token is unknown, used or expired (bad-token)"}}),
  ("GET", "/api/v1/me", "person, door", "The caller: the person with role and tenant, or the door", None, "200", "Me"),
  ("POST", "/api/v1/me/password", "person", "Changes the caller's password (all sessions end)", "PasswordChange", "204", None,
   {"errors": {"403": "current_password is wrong (bad-credentials), or the role or CSRF check forbids this"}}),
  ("GET", "/api/v1/site", "person", "The site: name, time zone, currency and invoice details", None, "200", "Site"),
  ("PATCH", "/api/v1/site", "staff", "Updates the site's details", "SiteInput", "200", "Site"),
  ("GET", "/api/v1/sessions", "staff", "Active sessions", None, "200", "Sessions",
   {"query": {"person_id": ["int[0..4611686018427387903]", "only this person's sessions"]}, "paged": [500, 1000]}),
  ("POST", "/api/v1/sessions/{id}/revoke", "staff", "Revokes a session", None, "204", None),
  ("GET", "/api/v1/api-keys", "staff", "API keys (never their secrets)", None, "200", "ApiKeys"),
  ("POST", "/api/v1/api-keys", "staff", "Creates a staff API key; the key is in the response once", "ApiKeyInput", "201", "ApiKeyCreated"),
  ("POST", "/api/v1/api-keys/{id}/revoke", "staff", "Revokes an API key", None, "204", None, {"errors": {"409": ERR["409"]}}),
  ("GET", "/api/v1/tenants", "person", "Tenants; non-staff see only their own", None, "200", "Tenants",
   {"query": {"status": ["enum:active|suspended|offboarded", "only tenants in this state"]}}),
  ("POST", "/api/v1/tenants", "staff", "Creates a tenant (name required; country defaults to NL, rate_tier to startup)", "TenantCreate", "201", "Tenant",
   {"errors": {"409": "A tenant with this KvK number exists", "422": ERR["422"]}}),
  ("GET", "/api/v1/tenants/{id}", "person", "One tenant (404 for another tenant's caller)", None, "200", "Tenant"),
  ("PATCH", "/api/v1/tenants/{id}", "staff", "Updates a tenant", "TenantInput", "200", "Tenant",
   {"errors": {"409": ERR["409"], "422": ERR["422"]}}),
  ("GET", "/api/v1/tenants/{id}/holdings", "staff", "What suspending or offboarding the tenant would touch: its bookings still ahead (requested or confirmed), the people who made them, its waitlist entries and its people's live passes", None, "200", "TenantHoldings"),
  ("POST", "/api/v1/tenants/{id}/suspend", "staff", "Suspends a tenant: no new bookings, passes revoked; its bookings ahead are kept on hold (bookings keep, the default) or cancelled by the facility without a fee, their slots offered to the waitlist (bookings cancel); the people with bookings ahead are told unless notify is false. The answer says what was done (effects)", "TenantClose", "200", "TenantChanged", {"body_optional": True, "errors": {"409": ERR["409"]}}),
  ("POST", "/api/v1/tenants/{id}/offboard", "staff", "Offboards a tenant (final): as suspension, and its bookings ahead are always cancelled (bookings keep is refused, 422)", "TenantClose", "200", "TenantChanged", {"body_optional": True, "errors": {"409": ERR["409"], "422": "bookings keep: an offboarded tenant keeps no bookings (rule)"}}),
  ("POST", "/api/v1/tenants/{id}/activate", "staff", "Reactivates a suspended tenant", None, "200", "Tenant", {"errors": {"409": ERR["409"]}}),
  ("GET", "/api/v1/tenants/{id}/members", "staff, tenant_admin", "The tenant's people", None, "200", "Members",
   {"errors": {"403": "A member of the tenant who is not its admin"}}),
  ("POST", "/api/v1/tenants/{id}/members", "staff, tenant_admin", "Adds a person by email (a new address invites a new person: 201 with a one-time setup_token) or by person_id (staff); an existing person answers 200", "MemberInput", "201", "PersonInvited",
   {"also": {"200": ["PersonInvited", "An existing person joined (staff; no setup_token)"],
             "202": ["Accepted", "Invited (tenant admins; the same answer for any address; the link goes to the person by e-mail)"]},
    "errors": {"403": "A member of the tenant who is not its admin", "409": "The person belongs to another tenant or is staff"}}),
  ("PATCH", "/api/v1/tenants/{id}/members/{pid}", "staff, tenant_admin", "Changes a member's role (tenant_admin or member)", "MemberRole", "200", "Person",
   {"errors": {"403": "A member of the tenant who is not its admin", "409": ERR["409"]}}),
  ("DELETE", "/api/v1/tenants/{id}/members/{pid}", "staff, tenant_admin", "Removes a person from the tenant; their door passes are revoked", None, "204", None,
   {"errors": {"403": "A member of the tenant who is not its admin", "409": ERR["409"]}}),
  ("GET", "/api/v1/people", "person", "People: staff all, tenant admins their tenant's, members themselves", None, "200", "People"),
  ("POST", "/api/v1/people", "staff", "Creates a person (optionally staff, optionally with a password)", "PersonInput", "201", "Person",
   {"errors": {"409": "The e-mail address is taken"}}),
  ("GET", "/api/v1/people/{id}", "person", "One person", None, "200", "Person"),
  ("PATCH", "/api/v1/people/{id}", "person", "Updates a person (non-staff: name and language only; status active|disabled; language en|nl, the language of the person's e-mails and of the web app once signed in)", "PersonUpdate", "200", "Person",
   {"errors": {"403": "Only staff change e-mail, status or the staff role", "409": "Staff cannot demote or disable themselves; a tenant member cannot be staff; the e-mail address is taken"}}),
  ("GET", "/api/v1/audit", "staff", "The append-only audit log, newest first", None, "200", "Audit",
   {"query": {"object_type": ["str<=40", "only this kind of object"], "object_id": ["int[0..4611686018427387903]", "only this object"],
              "before_id": ["int[0..4611686018427387903]", "entries older than this id (the cursor takes precedence)"]}, "paged": [100, 1000]}),
]

EXTRA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "openapi")
REF = "#/components/schemas/"


def expand(x, request=False):
    """JSON Schema for the short notation x (see the module comment)."""
    if isinstance(x, dict):
        if "$raw" in x:
            return copy.deepcopy(x["$raw"])
        props, req = {}, []
        for k, v in x.items():
            name = k[:-1] if k.endswith("?") else k
            props[name] = expand(v, request)
            if not k.endswith("?"):
                req.append(name)
        d = {"type": "object", "additionalProperties": False, "properties": props}
        if req:
            d["required"] = req
        return d
    if isinstance(x, list):   # ["{Name}"] shorthand: an array of the component Name
        return {"type": "array", "items": expand(x[0], request)}
    assert isinstance(x, str), x
    if x.endswith("?"):
        inner = expand(x[:-1], request)
        if "$ref" in inner:
            return {"oneOf": [inner, {"type": "null"}]}
        if "enum" in inner:
            inner["enum"] = inner["enum"] + [None]
        inner["type"] = [inner["type"], "null"] if isinstance(inner.get("type"), str) else inner.get("type")
        return inner
    if x.startswith("[") and x.endswith("]"):
        return {"type": "array", "items": expand(x[1:-1], request)}
    if x.startswith("{") and x.endswith("}"):
        return {"$ref": REF + x[1:-1]}
    if x.startswith("#"):
        return {"$ref": REF + x[1:]}
    if x.startswith("enum:"):
        return {"type": "string", "enum": x[5:].split("|")}
    m = re.fullmatch(r"str<=(\d+)", x)
    if m:
        return {"type": "string", "maxLength": int(m.group(1))}
    m = re.fullmatch(r"int\[(-?\d+)\.\.(-?\d+)\]", x)
    if m:
        return {"type": "integer", "minimum": int(m.group(1)), "maximum": int(m.group(2))}
    simple = {"int": {"type": "integer"}, "str": {"type": "string"}, "bool": {"type": "boolean"}, "num": {"type": "number"},
              "obj": {"type": "object"}, "any": {},
              "time": {"$ref": REF + "Time"}, "date": {"type": "string", "format": "date"},
              "email": {"type": "string", "format": "email"},
              "month": {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$", "description": "YYYY-MM"},
              "hhmm": {"type": "string", "pattern": "^([01][0-9]|2[0-4]):[0-5][0-9]$"},
              "hex": {"type": "string", "pattern": "^[0-9a-f]+$"},
              "b64u": {"type": "string", "pattern": "^[A-Za-z0-9_-]*$", "description": "base64url without padding"}}
    if x in simple:
        return copy.deepcopy(simple[x])
    raise SystemExit("gen-openapi: unknown schema notation %r" % x)


def schema_ref(x):
    if x is None:
        return None
    if isinstance(x, str) and re.fullmatch(r"[A-Z][A-Za-z0-9]*", x):
        return {"$ref": REF + x}
    return expand(x)


def operation(route, request_names):
    method, path, roles, summary, req, code, resp = route[:7]
    opts = route[7] if len(route) > 7 else {}
    op = {"summary": summary, "description": "Roles: " + roles + ".",
          "operationId": (method.lower() + path.replace("/api/v1", "").replace("/", "_").replace("{", "").replace("}", "")
                          .replace(".", "_").replace("-", "_")),
          "responses": {}}
    if roles == "public":
        op["security"] = []
    names = [seg[1:seg.index("}")] for seg in path.split("/") if seg.startswith("{")]
    params = [{"name": p, "in": "path", "required": True,
               "schema": {"type": "integer", "minimum": 1} if p in ("id", "pid", "did", "cid") else {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,128}$"}}
              for p in names]
    for q, (sch, desc) in opts.get("query", {}).items():
        params.append({"name": q, "in": "query", "required": False, "description": desc, "schema": expand(sch)})
    if "paged" in opts:   # [default, maximum]: cursor pagination (api/page.h)
        dflt, most = opts["paged"]
        params.append({"name": "limit", "in": "query", "required": False,
                       "description": "at most this many rows in the page (default %d)" % dflt,
                       "schema": {"type": "integer", "minimum": 1, "maximum": most}})
        params.append({"name": "cursor", "in": "query", "required": False,
                       "description": "where the page starts: copied from a previous answer's next link, never made by hand",
                       "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,100}$"}})
    for h, desc in opts.get("headers", {}).items():
        params.append({"name": h, "in": "header", "required": False, "description": desc, "schema": {"type": "string", "minLength": 1, "maxLength": 100}})
    if params:
        op["parameters"] = params
    ex = opts.get("example", {})
    if req:
        request_names.add(req)
        media = {"schema": schema_ref(req)}
        if "request" in ex:
            media["example"] = ex["request"]
        op["requestBody"] = {"required": not opts.get("body_optional"), "content": {"application/json": media}}
    ok = {"description": opts.get("ok_description", "Success")}
    if opts.get("type"):
        ok["content"] = {opts["type"]: {"schema": {"type": "string"}}}
    elif resp:
        ok["content"] = {"application/json": {"schema": schema_ref(resp)}}
        if "response" in ex:
            ok["content"]["application/json"]["example"] = ex["response"]
    if "paged" in opts:
        ok["headers"] = {"Link": {"description": "RFC 8288 <next URL>; rel=\"next\" while there is a next page",
                                  "schema": {"type": "string"}}}
    op["responses"][code] = ok
    for c, (sch, desc) in opts.get("also", {}).items():
        op["responses"][c] = {"description": desc, "content": {"application/json": {"schema": schema_ref(sch)}}}
    # the refusals every route can give, then the handler's own
    errs = {}
    errs["400"] = ERR["400"] + "; " + ERR["400-edge"] if req or opts.get("query") or opts.get("headers") else ERR["400-edge"]
    if method in ("POST", "PUT", "PATCH", "DELETE"):
        errs["415"] = ERR["415"]
    if roles != "public":
        errs["401"] = ERR["401"]
        errs["403"] = ERR["403"]
    if names:
        errs["404"] = ERR["404"]
    errs["413"] = ERR["413"]
    errs["503"] = ERR["503"]
    errs.update(opts.get("errors", {}))
    for c in sorted(errs):
        op["responses"][c] = {"description": errs[c], "content": {"application/problem+json": {"schema": {"$ref": REF + "Problem"}}}}
    return op


def main():
    routes = list(ROUTES)
    schemas = dict(SCHEMAS)
    # Each part describes its routes in tools/openapi/PART.json: a list of
    # routes as above, and {"schemas": {...}} objects with its component schemas.
    for name in sorted(os.listdir(EXTRA_DIR)) if os.path.isdir(EXTRA_DIR) else []:
        if not name.endswith(".json"):
            continue
        with open(os.path.join(EXTRA_DIR, name)) as f:
            for r in json.load(f):
                if isinstance(r, dict):
                    schemas.update(r.get("schemas", {}))
                else:
                    routes.append(tuple(r))
    paths, request_names = {}, set()
    for r in routes:
        paths.setdefault(r[1], {})[r[0].lower()] = operation(r, request_names)
    comps = {"Problem": PROBLEM}
    for k, v in schemas.items():
        comps[k] = expand(v)
    # a member added by e-mail: the person, and the setup token when it was created
    comps["PersonInvited"] = copy.deepcopy(comps["Person"])
    comps["PersonInvited"]["properties"]["setup_token"] = {"type": "string", "description": "one-time password setup token (POST /api/v1/auth/setup), only when the person was created"}
    doc = {"openapi": "3.1.0",
           "info": {"title": "labpass API", "version": "1.0.0",
                    "description": "Booking, billing and lab access for shared research facilities. JSON in and out; errors are application/problem+json (RFC 9457); times are RFC 3339 with offset. Authenticate with Authorization: Bearer <session token or API key>, or the lp_session cookie plus the X-CSRF-Token header (the lp_csrf cookie's value) on state-changing requests. Request bodies are checked strictly: unknown fields, wrong types, over-long strings and out-of-range numbers are refused with 400 naming the field."},
           "servers": [{"url": "/"}],
           "components": {"schemas": comps, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}, "cookie": {"type": "apiKey", "in": "cookie", "name": "lp_session"}}},
           "security": [{"bearer": []}, {"cookie": []}],
           "paths": paths}
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "openapi.json")
    with open(out, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=False)
        f.write("\n")


main()
