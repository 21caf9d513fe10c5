#!/usr/bin/env python3
"""Reads the messages an SMTP test server kept (DIR/*.eml) with Python's own `email`
package, and prints them as JSON: what a mail reader would see of each, decoded.

    read_mail.py DIR
"""

import email
import email.policy
import json
import sys
from pathlib import Path


def read(path: Path):
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    parts = []
    for part in message.walk():
        if part.is_multipart():
            continue
        parts.append(
            {
                "type": part.get_content_type(),
                "charset": part.get_content_charset(),
                # Lines as a reader sees them: the wire's CRLF is SMTP's, not the text's.
                "text": part.get_content().replace("\r\n", "\n"),
            }
        )
    return {
        "file": path.name,
        "subject": str(message["subject"]),
        "from": str(message["from"]),
        "to": str(message["to"]),
        "date": str(message["date"]),
        "message_id": str(message["message-id"]),
        "in_reply_to": message["in-reply-to"] and str(message["in-reply-to"]),
        "references": message["references"] and str(message["references"]),
        "content_type": message.get_content_type(),
        "defects": [type(d).__name__ for d in message.defects],
        "parts": parts,
    }


def main():
    folder = Path(sys.argv[1])
    print(json.dumps([read(p) for p in sorted(folder.glob("*.eml"))], ensure_ascii=False))


if __name__ == "__main__":
    main()
