"""An incoming-webhook endpoint (Slack / Mattermost style) for black-box tests.

    hook = WebhookReceiver()          # listens on 127.0.0.1, a free port
    ... point shopd's alerts.webhook_url at hook.url ...
    hook.fail_for(5)                  # answer 500 for the next 5 seconds
    hook.fail_next(2, status=503)     # answer 503 to the next 2 POSTs
    hook.wait_for(1)
    hook.bodies[0]["text"]
    hook.stop()

POSTs to any path are recorded in `.requests` (path, headers, body, json,
status answered); `.bodies` holds the parsed JSON of the ones answered 200,
i.e. the alerts actually delivered. Thread-safe. Standard library only.

WebhookReceiver(tls=ssl_context) serves HTTPS (see tls_ca.py); a client that
rejects its certificate is counted in `.tls_failures`.
"""

from __future__ import annotations

import json
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class WebhookReceiver:
    def __init__(self, path: str = "/hooks/test", tls: ssl.SSLContext | None = None):
        self.path = path
        self.tls = tls
        self.tls_failures = 0
        self.requests: list[dict] = []
        self.bodies: list = []
        self._lock = threading.Lock()
        self._fail_until = 0.0
        self._fail_next: list[tuple[int, int | None]] = []
        self._fail_status = 500
        self._retry_after: int | None = None

        receiver = self

        class Handler(_Handler):
            owner = receiver

        self._server = _Server(("127.0.0.1", 0), Handler, self)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="webhook-receiver",
                                        daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self._server.server_address[1]}{self.path}"

    def fail_for(self, seconds: float, status: int = 500, retry_after: int | None = None) -> None:
        """Answers `status` to every POST for the next `seconds`."""
        with self._lock:
            self._fail_until = time.monotonic() + seconds
            self._fail_status = status
            self._retry_after = retry_after

    def fail_next(self, n: int, status: int = 500, retry_after: int | None = None) -> None:
        """Answers `status` (with `Retry-After: retry_after` when given) to the next `n` POSTs."""
        with self._lock:
            self._fail_next = [(status, retry_after)] * n

    def recover(self) -> None:
        """Stops failing at once."""
        with self._lock:
            self._fail_until = 0.0
            self._fail_next = []

    def wait_for(self, n: int, timeout: float = 10.0) -> list:
        """Waits until at least `n` bodies were delivered; returns them (raises TimeoutError otherwise)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.bodies) >= n:
                    return list(self.bodies)
            time.sleep(0.02)
        raise TimeoutError(f"expected {n} webhook deliveries, got {len(self.bodies)}")

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "WebhookReceiver":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- called from handler threads --------------------------------------

    def _status_now(self) -> tuple[int, int | None]:
        with self._lock:
            if self._fail_next:
                return self._fail_next.pop(0)
            if time.monotonic() < self._fail_until:
                return self._fail_status, self._retry_after
            return 200, None

    def _record(self, record: dict) -> None:
        with self._lock:
            self.requests.append(record)
            if record["status"] == 200 and record["json"] is not None:
                self.bodies.append(record["json"])


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, handler, receiver: WebhookReceiver):
        self.receiver = receiver
        super().__init__(address, handler)

    def get_request(self):
        sock, address = super().get_request()
        if self.receiver.tls is not None:  # handshake in the connection's thread (_Handler.setup)
            sock = self.receiver.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def handle_error(self, request, client_address) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ssl.SSLError):
            with self.receiver._lock:
                self.receiver.tls_failures += 1
            return
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    owner: WebhookReceiver

    def setup(self) -> None:
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(10)
            self.request.do_handshake()
            self.request.settimeout(None)
        super().setup()

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        status, retry_after = self.owner._status_now()
        if status == 200 and parsed is None:
            status = 400  # like Slack: "invalid_payload"
        self.owner._record({"path": self.path, "headers": dict(self.headers.items()), "body": body,
                            "json": parsed, "status": status, "time": time.time()})
        answer = b"ok" if status == 200 else (b"invalid_payload" if status == 400 else b"fake outage")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(answer)))
        if retry_after is not None:
            self.send_header("Retry-After", str(retry_after))
        self.end_headers()
        self.wfile.write(answer)
