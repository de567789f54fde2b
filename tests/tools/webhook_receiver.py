#!/usr/bin/env python3
"""webhook_receiver.py DIR: a webhook receiver for the integration tests,
serving HTTPS on 127.0.0.1 (a free port) with a self-signed certificate for
127.0.0.1 that it makes with the openssl command (DIR/cert.pem, DIR/key.pem).

It verifies each request's Standard Webhooks signature (webhook-id,
webhook-timestamp, webhook-signature: "v1,<base64 HMAC-SHA-256 of
id.timestamp.body>", space-separated when several) with the secrets listed in
DIR/secrets (one whsec_... per line, read at every request), and also checks
that the same signature does NOT verify a tampered body. It answers the
status of the first line "PATH STATUS" of DIR/codes for its path (and
removes that line), else 200, and appends one JSON line per request to
DIR/log.jsonl: path, id, timestamp, signature, body, verified,
tampered_verified, status. When listening it writes its port to DIR/port.
Runs until it is sent SIGTERM."""
import base64
import hashlib
import hmac
import http.server
import json
import os
import ssl
import subprocess
import sys
import threading

DIR = sys.argv[1]
LOCK = threading.Lock()


def path_in(name):
    return os.path.join(DIR, name)


def make_cert():
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", path_in("key.pem"), "-out", path_in("cert.pem"), "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-addext", "basicConstraints=critical,CA:TRUE"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def secrets():
    try:
        with open(path_in("secrets")) as f:
            lines = [l.strip() for l in f if l.strip().startswith("whsec_")]
    except FileNotFoundError:
        return []
    return [base64.b64decode(l[len("whsec_"):]) for l in lines]


def verifies(keys, msg_id, ts, body, header):
    signed = msg_id.encode() + b"." + ts.encode() + b"." + body
    given = [s.split(",", 1)[1] for s in header.split(" ") if s.startswith("v1,")]
    for key in keys:
        want = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        if any(hmac.compare_digest(want, g) for g in given):
            return True
    return False


def next_code(path):
    """The status to answer for path: the first matching line of DIR/codes."""
    try:
        with open(path_in("codes")) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return 200
    for i, line in enumerate(lines):
        parts = line.split()
        if len(parts) == 2 and parts[0] == path:
            del lines[i]
            with open(path_in("codes.tmp"), "w") as f:
                f.write("\n".join(lines) + ("\n" if lines else ""))
            os.replace(path_in("codes.tmp"), path_in("codes"))
            return int(parts[1])
    return 200


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n) if 0 < n <= 1 << 20 else b""
        msg_id = self.headers.get("webhook-id", "")
        ts = self.headers.get("webhook-timestamp", "")
        sig = self.headers.get("webhook-signature", "")
        with LOCK:
            keys = secrets()
            status = next_code(self.path)
            entry = {"path": self.path, "id": msg_id, "timestamp": ts, "signature": sig,
                     "body": body.decode("utf-8", "replace"),
                     "verified": verifies(keys, msg_id, ts, body, sig),
                     "tampered_verified": verifies(keys, msg_id, ts, body + b" ", sig),
                     "content_type": self.headers.get("Content-Type", ""), "status": status}
            with open(path_in("log.jsonl"), "a") as f:
                f.write(json.dumps(entry) + "\n")
        answer = b'{"received": true}' if status < 300 else b"receiver says no " * 40
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def main():
    make_cert()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(path_in("cert.pem"), path_in("key.pem"))
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(path_in("port.tmp"), "w") as f:
        f.write(str(srv.server_address[1]))
    os.replace(path_in("port.tmp"), path_in("port"))
    srv.serve_forever()


if __name__ == "__main__":
    main()
