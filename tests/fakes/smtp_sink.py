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
m.message.iter_attachments(). Needs Debian's python3-aiosmtpd (run the
tests with /usr/bin/python3). Thread-safe.

By default: plain SMTP, no STARTTLS, no AUTH. With a TLS context (tls_ca.py):

    SmtpSink(tls=ctx)                      # offers STARTTLS (smtp://)
    SmtpSink(tls=ctx, implicit_tls=True)   # TLS from the first byte (smtps://)
    SmtpSink(tls=ctx, logins={"shop": "pw"})   # AUTH required, over TLS only;
                                               # any other login gets 535
    SmtpSink(tls=ctx, logins={})           # rejects every login

Each message records whether it came over TLS (.tls) and who logged in
(.login); `.login_attempts` lists (username, accepted) for every AUTH.
"""

from __future__ import annotations

import email
import socket
import ssl
import threading
import time
import warnings
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage
    tls: bool = False
    login: str | None = None


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
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        tls = self._sink.implicit_tls or session.ssl is not None
        self._sink._add(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), raw, parsed, tls, login))
        return "250 2.0.0 OK: queued"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user, password = auth_data.login.decode(), auth_data.password.decode()
        accepted = self._sink.logins.get(user) == password
        with self._sink._lock:
            self._sink.login_attempts.append((user, accepted))
        return AuthResult(success=accepted, handled=False, auth_data=auth_data)


class _Controller(Controller):
    def factory(self):
        with warnings.catch_warnings():
            # smtps: the connection is TLS, which aiosmtpd cannot tell at this point.
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
            return super().factory()


class SmtpSink:
    def __init__(self, port: int | None = None, *, tls: ssl.SSLContext | None = None, implicit_tls: bool = False,
                 logins: dict[str, str] | None = None):
        if implicit_tls and tls is None:
            raise ValueError("implicit_tls needs a tls context")
        self.port = port or _free_port()
        self.tls = tls
        self.implicit_tls = implicit_tls
        self.logins = logins
        self.login_attempts: list[tuple[str, bool]] = []
        self.messages: list[ReceivedMail] = []
        self._lock = threading.Lock()
        self._reply_text: str | None = None
        self._reply_count: int | None = None
        self._controller: Controller | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"{'smtps' if self.implicit_tls else 'smtp'}://127.0.0.1:{self.port}"

    def _new_controller(self) -> Controller:
        handler = _Handler(self)
        options: dict = {}
        if self.tls is not None:
            options["ssl_context" if self.implicit_tls else "tls_context"] = self.tls
        if self.logins is not None:
            # Over smtps the connection is TLS from the start; aiosmtpd only
            # counts STARTTLS as TLS, so it must not demand that again.
            options.update(authenticator=handler.authenticate, auth_required=True,
                           auth_require_tls=not self.implicit_tls)
        return _Controller(handler, hostname="127.0.0.1", port=self.port, **options)

    def start(self) -> None:
        """Listens (again) on the same port. Does nothing while running."""
        if self._controller is not None:
            return
        # The port was free a moment ago, but a just-closed listener may still hold it.
        deadline = time.monotonic() + 5
        while True:
            controller = self._new_controller()
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
