#!/usr/bin/env python3
"""gen-openapi.py: writes docs/openapi.json (OpenAPI 3.1) from the route
descriptions below. Edit ROUTES and SCHEMAS here, run this script, commit both.
The test suite compares docs/openapi.json with labpassd's route table."""
import json, os, sys

P = "urn:labpass:problem:"
ERR = {"400": "Malformed JSON, unknown field or wrong type (problem+json names the field)",
       "401": "Not signed in", "403": "Role or rule forbids this", "404": "No such object (or not visible to you)",
       "405": "Method not allowed", "409": "Conflict", "413": "Body over 64 KiB", "422": "A business rule refuses this",
       "429": "Too many attempts"}

def s(t, **kw):
    d = {"type": t}; d.update(kw); return d

SCHEMAS = {
  "Problem": {"type": "object", "description": "RFC 9457 problem details. type is a stable URN per error kind (" + P + "validation, not-found, conflict, rule, forbidden, unauthorized, too-large, throttled, malformed-json, ...).",
              "properties": {"type": s("string"), "title": s("string"), "status": s("integer"), "detail": s("string"),
                             "field": s("string", description="the offending field or rule"), "instance": s("string")},
              "required": ["type", "title", "status"]},
  "Time": s("string", format="date-time", description="RFC 3339 with offset; output in the site time zone"),
  "Tenant": {"type": "object", "properties": {k: s("string") for k in ["name", "kvk_number", "vat_number", "billing_email", "street", "postal_code", "city", "country", "buyer_reference"]} | {
      "id": s("integer"), "rate_tier": s("string", enum=["startup", "academic", "corporate"]),
      "status": s("string", enum=["active", "suspended", "offboarded"]), "created_at": {"$ref": "#/components/schemas/Time"}, "updated_at": {"$ref": "#/components/schemas/Time"}}},
  "TenantInput": {"type": "object", "additionalProperties": False, "properties": {k: s("string") for k in ["name", "kvk_number", "vat_number", "billing_email", "street", "postal_code", "city", "country", "buyer_reference", "rate_tier"]}},
  "Person": {"type": "object", "properties": {"id": s("integer"), "email": s("string"), "name": s("string"), "status": s("string", enum=["active", "disabled"]),
      "is_staff": s("boolean"), "has_password": s("boolean"), "tenant_id": s(["integer", "null"]), "role": s(["string", "null"], enum=["tenant_admin", "member", None]), "created_at": {"$ref": "#/components/schemas/Time"}}},
  "Object": {"type": "object", "description": "see the route's description"},
}

# method, path, roles, summary, request schema name (or None), success code, response schema
ROUTES = [
  ("GET", "/healthz", "public", "Liveness and database check", None, "200", "Object"),
  ("GET", "/metrics", "staff", "Prometheus metrics: requests by route and status, latency histogram, database size (text/plain)", None, "200", None),
  ("GET", "/api/v1/openapi.json", "public", "This document", None, "200", "Object"),
  ("POST", "/api/v1/auth/login", "public", "Sign in with email and password; returns a session token and sets the lp_session (HttpOnly) and lp_csrf cookies. Throttled per account and address (429 with Retry-After).", "Login", "200", "Object"),
  ("POST", "/api/v1/auth/logout", "person", "Ends the current session and clears the cookies", None, "204", None),
  ("POST", "/api/v1/auth/setup", "public", "Sets a first password with the one-time setup token of an invitation", "Setup", "204", None),
  ("GET", "/api/v1/me", "person, door", "The caller: person with role and tenant (or the door)", None, "200", "Person"),
  ("POST", "/api/v1/me/password", "person", "Changes the caller's password (all sessions end)", "PasswordChange", "204", None),
  ("GET", "/api/v1/site", "person", "The site: name, time zone, currency and invoice details", None, "200", "Object"),
  ("PATCH", "/api/v1/site", "staff", "Updates the site's details", "Object", "200", "Object"),
  ("GET", "/api/v1/sessions", "staff", "Active sessions (?person_id=)", None, "200", "Object"),
  ("POST", "/api/v1/sessions/{id}/revoke", "staff", "Revokes a session", None, "204", None),
  ("GET", "/api/v1/api-keys", "staff", "API keys (never their secrets)", None, "200", "Object"),
  ("POST", "/api/v1/api-keys", "staff", "Creates a staff API key; the key is in the response once", "Object", "201", "Object"),
  ("POST", "/api/v1/api-keys/{id}/revoke", "staff", "Revokes an API key", None, "204", None),
  ("GET", "/api/v1/tenants", "person", "Tenants (?status=); non-staff see only their own", None, "200", "Object"),
  ("POST", "/api/v1/tenants", "staff", "Creates a tenant", "TenantInput", "201", "Tenant"),
  ("GET", "/api/v1/tenants/{id}", "person", "One tenant (404 for another tenant's caller)", None, "200", "Tenant"),
  ("PATCH", "/api/v1/tenants/{id}", "staff", "Updates a tenant", "TenantInput", "200", "Tenant"),
  ("POST", "/api/v1/tenants/{id}/suspend", "staff", "Suspends a tenant (no new bookings; passes revoked)", None, "200", "Tenant"),
  ("POST", "/api/v1/tenants/{id}/offboard", "staff", "Offboards a tenant (final)", None, "200", "Tenant"),
  ("POST", "/api/v1/tenants/{id}/activate", "staff", "Reactivates a suspended tenant", None, "200", "Tenant"),
  ("GET", "/api/v1/tenants/{id}/members", "staff, tenant_admin", "The tenant's people", None, "200", "Object"),
  ("POST", "/api/v1/tenants/{id}/members", "staff, tenant_admin", "Adds a person by email (invites a new one: the response carries a one-time setup_token) or by person_id (staff)", "Object", "201", "Person"),
  ("PATCH", "/api/v1/tenants/{id}/members/{pid}", "staff, tenant_admin", "Changes a member's role", "Object", "200", "Person"),
  ("DELETE", "/api/v1/tenants/{id}/members/{pid}", "staff, tenant_admin", "Removes a person from the tenant", None, "204", None),
  ("GET", "/api/v1/people", "person", "People: staff all, tenant admins their tenant's, members themselves", None, "200", "Object"),
  ("POST", "/api/v1/people", "staff", "Creates a person (optionally staff, optionally with a password)", "Object", "201", "Person"),
  ("GET", "/api/v1/people/{id}", "person", "One person", None, "200", "Person"),
  ("PATCH", "/api/v1/people/{id}", "person", "Updates a person (non-staff: names only)", "Object", "200", "Person"),
  ("GET", "/api/v1/audit", "staff", "The append-only audit log (?object_type=&object_id=&before_id=&limit=)", None, "200", "Object"),
]

EXTRA_DIR = os.path.join(os.path.dirname(__file__), "openapi")

def main():
    routes = list(ROUTES)
    # Each part describes its routes in tools/openapi/PART.json: a list of
    # [method, path, roles, summary, request schema, code, response schema]
    # and optionally {"schemas": {...}} objects with extra component schemas.
    for name in sorted(os.listdir(EXTRA_DIR)) if os.path.isdir(EXTRA_DIR) else []:
        if not name.endswith(".json"):
            continue
        for r in json.load(open(os.path.join(EXTRA_DIR, name))):
            if isinstance(r, dict):
                SCHEMAS.update(r.get("schemas", {}))
            else:
                routes.append(tuple(r))
    SCHEMAS["Login"] = {"type": "object", "additionalProperties": False, "required": ["email", "password"], "properties": {"email": s("string"), "password": s("string")}}
    SCHEMAS["Setup"] = {"type": "object", "additionalProperties": False, "required": ["token", "password"], "properties": {"token": s("string"), "password": s("string")}}
    SCHEMAS["PasswordChange"] = {"type": "object", "additionalProperties": False, "required": ["current_password", "new_password"], "properties": {"current_password": s("string"), "new_password": s("string")}}
    paths = {}
    for method, path, roles, summary, req, code, resp in routes:
        op = {"summary": summary, "description": "Roles: " + roles + ".", "operationId": (method.lower() + path.replace("/api/v1", "").replace("/", "_").replace("{", "").replace("}", "").replace(".", "_").replace("-", "_")),
              "responses": {}}
        if roles == "public":
            op["security"] = []
        params = [{"name": p, "in": "path", "required": True, "schema": s("string" if p in ("token", "name") else "integer")}
                  for p in [seg[1:-1] for seg in path.split("/") if seg.startswith("{")]]
        if params:
            op["parameters"] = params
        if req:
            op["requestBody"] = {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/" + req}}}}
        ok = {"description": "Success"}
        if resp:
            ok["content"] = {"application/json": {"schema": {"$ref": "#/components/schemas/" + resp}}}
        op["responses"][code] = ok
        for c, d in ERR.items():
            op["responses"][c] = {"description": d, "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        paths.setdefault(path, {})[method.lower()] = op
    doc = {"openapi": "3.1.0",
           "info": {"title": "labpass API", "version": "1.0.0",
                    "description": "Booking, billing and lab access for shared research facilities. JSON in and out; errors are application/problem+json (RFC 9457); times are RFC 3339 with offset. Authenticate with Authorization: Bearer <session token or API key>, or the lp_session cookie plus the X-CSRF-Token header (the lp_csrf cookie's value) on state-changing requests."},
           "servers": [{"url": "/"}],
           "components": {"schemas": SCHEMAS, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}, "cookie": {"type": "apiKey", "in": "cookie", "name": "lp_session"}}},
           "security": [{"bearer": []}, {"cookie": []}],
           "paths": paths}
    out = os.path.join(os.path.dirname(__file__), "..", "docs", "openapi.json")
    with open(out, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=False)
        f.write("\n")

main()
