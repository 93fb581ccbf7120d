"""An SMTP relay for black-box tests that keeps every message it is given.

    sink = SmtpSink()                  # listens on 127.0.0.1, a free port
    ... point shopd's email.smtp_url at sink.url ...
    sink.wait_for(1)
    m = sink.messages[0]               # .mail_from, .rcpt_tos, .raw (bytes), .message (EmailMessage)
    sink.stop(); sink.start()          # the relay goes down and comes back on the same port
    sink.set_reply("451 4.3.0 Try again later")   # answer DATA with this reply instead of 250
    sink.stop()

Messages are parsed with the standard email package (policy.default), so
tests read headers decoded: m.message["Subject"], m.message.get_body(),
m.message.iter_attachments(). No TLS and no AUTH. Needs Debian's
python3-aiosmtpd (run the tests with /usr/bin/python3). Thread-safe.
"""

from __future__ import annotations

import email
import socket
import threading
import time
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Handler:
    def __init__(self, sink: "SmtpSink"):
        self._sink = sink

    async def handle_DATA(self, server, session, envelope) -> str:
        reply = self._sink._reply()
        if reply is not None:
            return reply
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode()
        parsed = email.message_from_bytes(raw, policy=policy.default)
        self._sink._add(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), raw, parsed))
        return "250 2.0.0 OK: queued"


class SmtpSink:
    def __init__(self, port: int | None = None):
        self.port = port or _free_port()
        self.messages: list[ReceivedMail] = []
        self._lock = threading.Lock()
        self._reply_text: str | None = None
        self._reply_count: int | None = None
        self._controller: Controller | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Listens (again) on the same port. Does nothing while running."""
        if self._controller is not None:
            return
        # The port was free a moment ago, but a just-closed listener may still hold it.
        deadline = time.monotonic() + 5
        while True:
            controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
            try:
                controller.start()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self._controller = controller

    def stop(self) -> None:
        """Stops listening: connections are refused until start()."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def set_reply(self, reply: str | None, count: int | None = None) -> None:
        """Answers DATA with `reply` (e.g. "451 4.3.0 Try later", "550 5.1.1 No such user") instead
        of accepting the message: for the next `count` messages, or until set_reply(None)."""
        with self._lock:
            self._reply_text = reply
            self._reply_count = count

    def wait_for(self, n: int, timeout: float = 10.0) -> list[ReceivedMail]:
        """Waits until at least `n` messages arrived; returns them (raises TimeoutError otherwise)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= n:
                    return list(self.messages)
            time.sleep(0.02)
        raise TimeoutError(f"expected {n} messages in the SMTP sink, got {len(self.messages)}")

    def __enter__(self) -> "SmtpSink":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- called from the server thread ------------------------------------

    def _add(self, mail: ReceivedMail) -> None:
        with self._lock:
            self.messages.append(mail)

    def _reply(self) -> str | None:
        with self._lock:
            if self._reply_text is None:
                return None
            reply = self._reply_text
            if self._reply_count is not None:
                self._reply_count -= 1
                if self._reply_count <= 0:
                    self._reply_text, self._reply_count = None, None
            return reply
