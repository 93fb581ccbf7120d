"""Reading what the worker produced the way a shop owner would: .eml files with
Python's email package, the outbox and job_attempts tables with sqlite3."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path


def read_mail(path: Path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def text_of(msg: email.message.EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None, f"no text/plain part in {msg['Subject']!r}"
    return part.get_content()


def mails_to(shop, address: str) -> list[email.message.EmailMessage]:
    out = []
    for path in shop.mails():
        msg = read_mail(path)
        if any(a.addr_spec == address for a in msg["To"].addresses):
            out.append(msg)
    return out


def attachments(msg: email.message.EmailMessage) -> list[tuple[str, str, bytes]]:
    return [(p.get_filename(), p.get_content_type(), p.get_payload(decode=True)) for p in msg.iter_attachments()]


def job(shop, order_id: str, kind: str) -> dict:
    rows = shop.query("SELECT * FROM outbox WHERE order_id = ? AND kind = ?", order_id, kind)
    assert len(rows) == 1, f"expected one {kind} job for {order_id}, got {rows}"
    return rows[0]


def attempts(shop, job_id: str) -> list[dict]:
    return shop.query("SELECT * FROM job_attempts WHERE job_id = ? ORDER BY started_at, id", job_id)


def stock(shop, sku: str) -> int:
    for p in shop.get_json("/products")["data"]:
        if p["sku"] == sku:
            return p["stock"]
    raise AssertionError(f"no product {sku}")
