#!/usr/bin/python3
"""smtp_sink.py: a small SMTP receiver for the integration tests (aiosmtpd,
Debian's python3-aiosmtpd). Listens on 127.0.0.1 only, on --port or a free
port, and writes the port to DIR/port once it accepts connections.

Every message accepted is written as DIR/msg-N.eml, the raw bytes as the
client sent them (after SMTP's dot-unstuffing), and DIR/msg-N.json: the
EHLO name, the envelope, whether TLS was on, who authenticated, and what Python's email
parser reads from the message (the decoded subject, the text of each part).
N counts from 1 on after the files already there, so a restarted sink adds.

Refusals, read again for every recipient, from DIR/mode (absent or empty:
accept everything): lines "CODE [RECIPIENT]", where CODE is 451 or 550 (or
any 4xx/5xx): refuse RCPT TO with it (for RECIPIENT only, when given).

  --tls CERT KEY    offer STARTTLS (required before MAIL and AUTH)
  --smtps           TLS from the first byte instead (with --tls's files)
  --auth USER:PASS  require AUTH (PLAIN or LOGIN) with these credentials
Runs until SIGTERM or SIGINT."""
import argparse
import asyncio
import base64
import glob
import email
import email.policy
import json
import os
import signal
import ssl

from aiosmtpd.smtp import SMTP, AuthResult


def refusal(folder, rcpt):
    try:
        with open(os.path.join(folder, "mode"), encoding="utf-8") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return None
    for line in lines:
        parts = line.split()
        if parts and (len(parts) == 1 or parts[1].lower() == rcpt.lower()):
            return parts[0]
    return None


def parsed(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    parts, attachments = {}, []
    for part in msg.walk():
        if part.is_multipart():
            continue
        if part.get_content_disposition() == "attachment":   # its bytes, as the parser decoded them
            attachments.append({"filename": part.get_filename(), "content_type": part.get_content_type(),
                                "base64": base64.b64encode(part.get_payload(decode=True)).decode(),
                                "defects": [str(d) for d in part.defects]})
        else:
            parts[part.get_content_type()] = part.get_content()
    return {"subject": str(msg["subject"]), "date": str(msg["date"]), "message_id": str(msg["message-id"]),
            "content_type": msg.get_content_type(), "defects": [str(d) for d in msg.defects], "parts": parts,
            "attachments": attachments}


class Handler:
    def __init__(self, folder):
        self.folder = folder
        self.count = len(glob.glob(os.path.join(folder, "msg-*.eml")))   # a restart goes on numbering

    async def handle_RCPT(self, server, conn, envelope, address, rcpt_options):
        code = refusal(self.folder, address)
        if code:
            return f"{code} {code[0]}.1.1 refused by the test sink"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, conn, envelope):
        self.count += 1
        base = os.path.join(self.folder, f"msg-{self.count}")
        raw = envelope.original_content
        with open(base + ".eml.tmp", "wb") as f:
            f.write(raw)
        tls = conn.ssl is not None or server.transport.get_extra_info("ssl_object") is not None
        meta = {"helo": conn.host_name, "mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos, "tls": tls,
                "auth": conn.auth_data.login.decode() if conn.auth_data else None, "parsed": parsed(raw)}
        with open(base + ".json.tmp", "w", encoding="utf-8") as f:
            json.dump(meta, f, ensure_ascii=False)
        os.rename(base + ".json.tmp", base + ".json")
        os.rename(base + ".eml.tmp", base + ".eml")   # last: the test waits for the .eml
        return "250 Message accepted"


def authenticator(user, password):
    def check(server, conn, envelope, mechanism, auth_data):
        ok = auth_data.login == user.encode() and auth_data.password == password.encode()
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)
    return check


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--smtps", action="store_true")
    ap.add_argument("--auth")
    a = ap.parse_args()
    ctx = None
    if a.tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.tls[0], a.tls[1])
    kw = {"hostname": "sink.test", "decode_data": False}
    if ctx and not a.smtps:
        kw.update(tls_context=ctx, require_starttls=True)
    if a.auth:
        user, password = a.auth.split(":", 1)
        kw.update(auth_required=True, auth_require_tls=ctx is not None, authenticator=authenticator(user, password))
    handler = Handler(a.dir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, loop=loop, **kw), "127.0.0.1", a.port,
                                      ssl=ctx if a.smtps else None)
    port = server.sockets[0].getsockname()[1]
    with open(os.path.join(a.dir, "port.tmp"), "w") as f:
        f.write(f"{port}\n")
    os.rename(os.path.join(a.dir, "port.tmp"), os.path.join(a.dir, "port"))
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()
    await server.wait_closed()


if __name__ == "__main__":
    asyncio.run(main())
