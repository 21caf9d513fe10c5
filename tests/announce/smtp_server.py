#!/usr/bin/env python3
"""A real SMTP server on 127.0.0.1 for the email channel's tests: aiosmtpd, keeping every
message it takes in as DIR/NNN.eml and a line per event in DIR/log.jsonl.

    smtp_server.py DIR [PORT]

It writes its port to DIR/port once it listens, and reads DIR/mode.json (when present) before
every command, so a test can make it misbehave and heal without restarting it:
    {"refuse": ["addr@example.org"]}  answers RCPT TO for these with 550
    {"drop_data": true}               closes the connection when a message's data has come,
                                      before answering it
"""

import asyncio
import json
import socket
import sys
import time
from pathlib import Path

from aiosmtpd.controller import Controller


class Keeper:
    def __init__(self, folder: Path):
        self.folder = folder
        self.taken = 0
        self.sessions = {}

    def mode(self):
        path = self.folder / "mode.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def log(self, **entry):
        with open(self.folder / "log.jsonl", "a") as log:
            log.write(json.dumps(entry) + "\n")

    def session_number(self, session):
        return self.sessions.setdefault(id(session), len(self.sessions) + 1)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        self.log(event="ehlo", session=self.session_number(session))
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.mode().get("refuse", []):
            self.log(event="refused", session=self.session_number(session), rcpt=address)
            return "550 5.1.1 No such list here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        number = self.session_number(session)
        if self.mode().get("drop_data"):
            self.log(event="dropped", session=number)
            server.transport.close()
            return "421 4.3.0 gone"
        self.taken += 1
        name = f"{self.taken:03}.eml"
        (self.folder / name).write_bytes(envelope.original_content)
        self.log(
            event="taken",
            session=number,
            file=name,
            mail_from=envelope.mail_from,
            rcpt=envelope.rcpt_tos,
        )
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    folder = Path(sys.argv[1])
    folder.mkdir(parents=True, exist_ok=True)
    port = int(sys.argv[2]) if len(sys.argv) > 2 else free_port()
    controller = Controller(Keeper(folder), hostname="127.0.0.1", port=port)
    controller.start()
    (folder / "port").write_text(str(port))
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
