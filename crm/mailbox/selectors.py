"""The email Django's file-based backend captured (EMAIL_FILE_PATH), read back for the mailbox page.

The backend appends each message to a `.log` file, followed by a line of 79 dashes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

SEPARATOR = b"\n" + b"-" * 79 + b"\n"
# Enough to find a recent message by eye; older ones stay in the files.
MAILBOX_LIMIT = 100


@dataclass(frozen=True)
class CapturedEmail:
    sent_at: datetime | None
    sender: str
    to: str
    subject: str
    body: str
    message_id: str
    file_name: str


def captured_emails(directory: Path, *, limit: int = MAILBOX_LIMIT) -> list[CapturedEmail]:
    """The newest `limit` captured messages, newest first; none when the directory does not exist."""
    if not directory.is_dir():
        return []
    files = sorted(directory.glob("*.log"), key=lambda path: (path.stat().st_mtime, path.name), reverse=True)
    emails: list[CapturedEmail] = []
    for path in files:
        chunks = [chunk for chunk in path.read_bytes().split(SEPARATOR) if chunk.strip()]
        emails.extend(_parse(chunk, path.name) for chunk in reversed(chunks))
        if len(emails) >= limit:
            break
    emails.sort(key=lambda email: email.sent_at or datetime.min.replace(tzinfo=UTC), reverse=True)
    return emails[:limit]


def _parse(raw: bytes, file_name: str) -> CapturedEmail:
    # policy.default makes the parser build EmailMessage objects, with get_body() and get_content().
    message = BytesParser(policy=policy.default).parsebytes(raw)
    return CapturedEmail(
        sent_at=_date(message.get("Date")),
        sender=str(message.get("From", "")),
        to=str(message.get("To", "")),
        subject=str(message.get("Subject", "")),
        body=_body(message),
        message_id=str(message.get("Message-ID", "")),
        file_name=file_name,
    )


def _date(value: object) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        return str(part.get_content())
    except (LookupError, UnicodeDecodeError, KeyError):
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""
