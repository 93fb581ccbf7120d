"""A fake of the slice of Stripe's API that shopd uses, for black-box tests.

    stripe = FakeStripe(api_key="sk_test_fake")   # listens on 127.0.0.1, a free port
    ... point shopd's payment.api_base at stripe.url ...
    stripe.set_mode("500")          # every create answers 500 from now on
    stripe.fail_next(2, "429")      # the next 2 creates answer 429, then the mode applies again
    stripe.next_answers("500", "500", "charge_then_hang")   # one mode per create, in order
    stripe.set_flaky(seed=7, rates={"500": 0.1, "drop_after_charge": 0.1})   # seeded random faults
    stripe.stop_listening(); stripe.listen_again()   # an outage: connections refused, same port after
    stripe.stop()

FakeStripe(tls=ssl_context) serves HTTPS instead (see tls_ca.py); its url
then starts with https://. A client that rejects the certificate is counted
in `.tls_failures`.

POST /v1/payment_intents behaves like Stripe's create-and-confirm:
- `Authorization: Bearer <api_key>` is required. Otherwise the answer is a
  401 that echoes what was presented, as Stripe's own 401 does ("Invalid API
  Key provided: sk_test_...") and with the whole Authorization header quoted,
  as Stripe's mock does: a client must not store or log either.
- The form body needs amount, a lower-case currency, payment_method and
  confirm=true; a confirm without a return_url needs
  automatic_payment_methods[allow_redirects]=never (400 otherwise, like Stripe).
- pm_card_visa (or any other pm_...) succeeds; pm_card_chargeDeclined is a
  402 card_declined; a token starting with pm_missing_, or not with pm_, is a
  400 resource_missing that quotes the token ("No such PaymentMethod: 'pm_...'").
- An Idempotency-Key seen before gets the first answer again (with
  `Idempotent-Replayed: true`) and creates nothing; the same key with other
  parameters is a 400 idempotency_error; the same key while the first request
  is still running is a 409 idempotency_key_in_use.
GET /v1/payment_intents/{id} returns a created PaymentIntent (404 otherwise).

POST /v1/refunds behaves like Stripe's Refunds API for a succeeded
PaymentIntent: `payment_intent` and `amount` are required; more than is left
of the PaymentIntent's amount is a 400 `charge_already_refunded` (nothing
left) or `amount_too_large`; an unknown or unpaid PaymentIntent is a 400
`resource_missing`. The refund succeeds at once and keeps its `metadata[...]`.
Idempotency-Key works as for PaymentIntents. GET /v1/refunds/{id} returns it.
`refunds_pending=True` makes new refunds answer status "pending" (the first
GET finds them "succeeded"). `.refunds` holds every refund made, in order.
The fault modes below apply to every POST, refunds included ("charge" there
means "the refund happens" for a refund).

Modes (set_mode) inject faults. "500", "429", "402" and "hang" act before the
request is processed, so nothing is created or remembered for the key, as
with an outage in front of Stripe:
  "ok"                  normal behaviour
  "slow"                processing takes `delay` seconds (the key is in flight
                        meanwhile: a retry with it gets 409), then normal
  "500"                 500 api_error
  "429"                 429 rate_limit with `Retry-After: <retry_after>`
  "402"                 402 card_declined for every token
  "hang"                no answer until stop() or `hang_seconds` pass, then the connection is
                        closed (or until the client closes it)
  "drop_after_charge"   processes the request (the charge happens and is
                        remembered for its key), then closes the connection
                        without answering: the client must retry with the same key
  "charge_then_hang"    processes the request (the charge happens and is
                        remembered for its key), then gives no answer until
                        stop() or `hang_seconds` pass: the client is cut off
                        (or crashes) while the answer is in flight
  "processing"          the created PaymentIntent answers status "processing"
                        (a replay of its key too); the first GET of it finds it
                        "succeeded", and only then is it counted in `.charges`
  "flaky"               each create behaves as one mode drawn at random (seeded,
                        see set_flaky), "ok" when none is drawn

Everything recorded is readable from the test thread: `.requests` (every
request, in order), `.charges` (distinct succeeded PaymentIntents), `.intents`
(all created PaymentIntents by id), `.max_concurrent` (the most requests it
was handling at once). Thread-safe. Standard library only.
"""

from __future__ import annotations

import copy
import itertools
import json
import random
import select
import socket
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODES = ("ok", "slow", "500", "429", "402", "hang", "drop_after_charge", "charge_then_hang", "processing", "flaky")


class FakeStripe:
    def __init__(self, api_key: str = "sk_test_fake", *, delay: float = 2.0, retry_after: int = 1,
                 hang_seconds: float = 300.0, tls: ssl.SSLContext | None = None):
        self.api_key = api_key
        self.tls = tls
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._ids = itertools.count(1)
        self._mode = "ok"
        self._delay = delay
        self._retry_after = retry_after
        self._hang_seconds = hang_seconds
        self._fail_next: list[str] = []  # one entry per request still to fail
        self._flaky_rates: dict[str, float] = {}
        self._random = random.Random(0)
        self._by_key: dict[str, tuple[dict, int, dict]] = {}  # key -> (params, status, body)
        self._in_flight: set[str] = set()
        self.requests: list[dict] = []
        self.charges: list[dict] = []
        self.intents: dict[str, dict] = {}
        self.refunds: list[dict] = []
        self.refunds_pending = False
        self._concurrent = 0
        self.max_concurrent = 0
        self.tls_failures = 0  # connections whose TLS handshake failed (the client refused the certificate)
        self._server: _Server | None = None
        self._port = 0
        self._listen()

    def _listen(self) -> None:
        fake = self

        class Handler(_Handler):
            owner = fake

        # The port was free a moment ago, but a just-closed listener may still hold it.
        deadline = time.monotonic() + 5
        while True:
            try:
                self._server = _Server(("127.0.0.1", self._port), Handler, self)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self._port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fake-stripe",
                                        daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self._port}"

    @property
    def port(self) -> int:
        return self._port

    def set_mode(self, mode: str, *, delay: float | None = None, retry_after: int | None = None,
                 hang_seconds: float | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; one of {MODES}")
        with self._lock:
            self._mode = mode
            if delay is not None:
                self._delay = delay
            if retry_after is not None:
                self._retry_after = retry_after
            if hang_seconds is not None:
                self._hang_seconds = hang_seconds

    def fail_next(self, n: int, mode: str = "500") -> None:
        """The next `n` POSTs behave as `mode`; after them the current mode applies again."""
        self.next_answers(*[mode] * n)

    def next_answers(self, *modes: str) -> None:
        """The next POSTs behave as `modes`, one each, in order; after them the current mode applies again."""
        for mode in modes:
            if mode not in MODES or mode == "flaky":
                raise ValueError(f"unknown mode {mode!r}; one of {MODES[:-1]}")
        with self._lock:
            self._fail_next = list(modes)

    def set_flaky(self, seed: int, rates: dict[str, float]) -> None:
        """Mode "flaky": each POST behaves as mode m with probability rates[m] (drawn from a
        random.Random(seed)), otherwise "ok"."""
        for mode in rates:
            if mode not in MODES or mode == "flaky":
                raise ValueError(f"unknown mode {mode!r}; one of {MODES[:-1]}")
        if sum(rates.values()) > 1:
            raise ValueError("the rates add up to more than 1")
        with self._lock:
            self._random = random.Random(seed)
            self._flaky_rates = dict(rates)
            self._mode = "flaky"

    def stop_listening(self) -> None:
        """An outage in front of Stripe: the port refuses connections until listen_again().
        Everything recorded and remembered (keys, charges) stays."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def listen_again(self) -> None:
        """Back from the outage, on the same port. Does nothing while listening."""
        if self._server is None:
            self._listen()

    def posts(self) -> list[dict]:
        with self._lock:
            return [r for r in self.requests if r["method"] == "POST"]

    def in_flight(self, key: str) -> bool:
        """Whether a request with Idempotency-Key `key` is being processed right now."""
        with self._lock:
            return key in self._in_flight

    def charge_count(self) -> int:
        with self._lock:
            return len(self.charges)

    def refunds_for(self, payment_intent: str) -> list[dict]:
        """The refunds made of one PaymentIntent, in order."""
        with self._lock:
            return [copy.deepcopy(r) for r in self.refunds if r["payment_intent"] == payment_intent]

    def refund_count(self) -> int:
        with self._lock:
            return len(self.refunds)

    def wait_for_requests(self, n: int, timeout: float = 10.0) -> list[dict]:
        """Waits until at least `n` requests arrived; returns them (raises TimeoutError otherwise)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.requests) >= n:
                    return list(self.requests)
            time.sleep(0.02)
        raise TimeoutError(f"expected {n} requests to the fake Stripe, got {len(self.requests)}")

    def stop(self) -> None:
        self._stopping.set()
        self.stop_listening()

    def __enter__(self) -> "FakeStripe":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- called from handler threads --------------------------------------

    def _enter(self) -> None:
        with self._lock:
            self._concurrent += 1
            self.max_concurrent = max(self.max_concurrent, self._concurrent)

    def _leave(self) -> None:
        with self._lock:
            self._concurrent -= 1

    def _record(self, handler: "_Handler", params: dict) -> dict:
        record = {
            "method": handler.command,
            "path": handler.path,
            "headers": {k: v for k, v in handler.headers.items()},
            "params": params,
            "idempotency_key": handler.headers.get("Idempotency-Key"),
            "time": time.time(),
        }
        with self._lock:
            self.requests.append(record)
        return record

    def _next_fault(self) -> tuple[str, float, int, float]:
        with self._lock:
            mode = self._fail_next.pop(0) if self._fail_next else self._mode
            if mode == "flaky":
                mode = self._draw_flaky()
            return mode, self._delay, self._retry_after, self._hang_seconds

    def _draw_flaky(self) -> str:  # holds _lock
        r = self._random.random()
        for mode, rate in self._flaky_rates.items():
            if r < rate:
                return mode
            r -= rate
        return "ok"

    def _tls_failed(self) -> None:
        with self._lock:
            self.tls_failures += 1

    def _authorized(self, handler: "_Handler") -> bool:
        return handler.headers.get("Authorization", "") == f"Bearer {self.api_key}"

    def _create(self, params: dict, key: str | None, delay: float, settle_later: bool,
                process=None) -> tuple[int, dict, bool]:
        """Returns (status, body, replayed). `delay` is how long processing takes; `process`
        (params -> (status, body)) does the work, a PaymentIntent's create-and-confirm unless given."""
        with self._lock:
            if key is not None and key in self._by_key:
                first_params, status, body = self._by_key[key]
                if first_params != params:
                    return 400, _error("idempotency_error", None,
                                       "Keys for idempotent requests can only be used with the same parameters "
                                       "they were first used with."), False
                return status, copy.deepcopy(body), True
            if key is not None and key in self._in_flight:
                return 409, _error("idempotency_error", "idempotency_key_in_use",
                                   "There is currently another in-progress request using this Idempotent Key."), False
            if key is not None:
                self._in_flight.add(key)
        try:
            if delay:
                self._stopping.wait(delay)
            status, body = process(params) if process else self._process(params, settle_later)
        finally:
            with self._lock:
                self._in_flight.discard(key)
        with self._lock:
            # Like Stripe, only requests that got past validation are remembered for their key.
            if key is not None and status in (200, 402):
                self._by_key[key] = (params, status, copy.deepcopy(body))
        return status, copy.deepcopy(body), False

    def _process(self, params: dict, settle_later: bool = False) -> tuple[int, dict]:
        for name in ("amount", "currency", "payment_method"):
            if not params.get(name):
                return 400, _error("invalid_request_error", "parameter_missing", f"Missing required param: {name}.",
                                   param=name)
        if not params["amount"].isdigit() or int(params["amount"]) < 1:
            return 400, _error("invalid_request_error", "parameter_invalid_integer", "Invalid integer: amount",
                               param="amount")
        if params["currency"] != params["currency"].lower() or len(params["currency"]) != 3:
            return 400, _error("invalid_request_error", "parameter_invalid_string", "Invalid currency.",
                               param="currency")
        if params.get("confirm") != "true":
            return 400, _error("invalid_request_error", "parameter_invalid", "This fake only supports confirm=true.",
                               param="confirm")
        if params.get("automatic_payment_methods[allow_redirects]") != "never" and not params.get("return_url"):
            return 400, _error("invalid_request_error", None,
                               "A `return_url` must be specified because this Payment Intent is configured to "
                               "automatically accept the payment methods enabled in the Dashboard, some of which "
                               "may require a full page redirect to succeed. If you do not want to accept "
                               "redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` "
                               "and `automatic_payment_methods[allow_redirects]` to `never`.")
        token = params["payment_method"]
        if not token.startswith("pm_") or token.startswith("pm_missing_"):
            return 400, _error("invalid_request_error", "resource_missing", f"No such PaymentMethod: '{token}'",
                               param="payment_method")
        declined = token == "pm_card_chargeDeclined"
        intent = self._new_intent(params, "requires_payment_method" if declined
                                  else "processing" if settle_later else "succeeded")
        if declined:
            return 402, _decline(intent)
        return 200, intent

    def _new_intent(self, params: dict, status: str) -> dict:
        intent = {
            "id": f"pi_fake_{next(self._ids):06d}",
            "object": "payment_intent",
            "amount": int(params["amount"]),
            "currency": params["currency"],
            "payment_method": params["payment_method"],
            "status": status,
            "metadata": {k[len("metadata["):-1]: v for k, v in params.items() if k.startswith("metadata[")},
            "created": int(time.time()),
        }
        with self._lock:
            self.intents[intent["id"]] = intent
            if status == "succeeded":
                self.charges.append(intent)
        return intent

    def _refund(self, params: dict) -> tuple[int, dict]:
        for name in ("payment_intent", "amount"):
            if not params.get(name):
                return 400, _error("invalid_request_error", "parameter_missing", f"Missing required param: {name}.",
                                   param=name)
        if not params["amount"].isdigit() or int(params["amount"]) < 1:
            return 400, _error("invalid_request_error", "parameter_invalid_integer", "Invalid integer: amount",
                               param="amount")
        amount = int(params["amount"])
        with self._lock:
            intent = self.intents.get(params["payment_intent"])
            if intent is None or intent["status"] != "succeeded":
                return 400, _error("invalid_request_error", "resource_missing",
                                   f"No such payment_intent: '{params['payment_intent']}'", param="payment_intent")
            left = intent["amount"] - sum(r["amount"] for r in self.refunds if r["payment_intent"] == intent["id"])
            if left <= 0:
                return 400, _error("invalid_request_error", "charge_already_refunded",
                                   f"Charge for PaymentIntent {intent['id']} has already been refunded.")
            if amount > left:
                return 400, _error("invalid_request_error", "amount_too_large",
                                   f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})",
                                   param="amount")
            refund = {
                "id": f"re_fake_{next(self._ids):06d}",
                "object": "refund",
                "amount": amount,
                "currency": intent["currency"],
                "payment_intent": intent["id"],
                "status": "pending" if self.refunds_pending else "succeeded",
                "metadata": {k[len("metadata["):-1]: v for k, v in params.items() if k.startswith("metadata[")},
                "created": int(time.time()),
            }
            self.refunds.append(refund)
            return 200, copy.deepcopy(refund)

    def _forced_decline(self, params: dict) -> tuple[int, dict]:
        amount = params.get("amount", "")
        intent = self._new_intent({**params, "amount": amount if amount.isdigit() else "0",
                                   "currency": params.get("currency", ""),
                                   "payment_method": params.get("payment_method", "")},
                                  "requires_payment_method")
        return 402, _decline(intent)


def _error(type_: str, code: str | None, message: str, **extra) -> dict:
    error = {"type": type_, "message": message, **extra}
    if code is not None:
        error["code"] = code
    return {"error": error}


def _unauthorized(handler: "_Handler") -> dict:
    presented = handler.headers.get("Authorization", "")
    key = presented.split(" ", 1)[1] if presented.lower().startswith("bearer ") else presented
    return _error("invalid_request_error", None, f"Invalid API Key provided: {key}",
                  request_headers={"Authorization": presented})


def _decline(intent: dict) -> dict:
    return _error("card_error", "card_declined", "Your card was declined.", decline_code="generic_decline",
                  payment_intent=intent)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, handler, fake: FakeStripe):
        self.fake = fake
        super().__init__(address, handler)

    def get_request(self):
        sock, address = super().get_request()
        if self.fake.tls is not None:
            # The handshake happens in the connection's own thread (_Handler.setup),
            # so a client that stalls it cannot block the accept loop.
            sock = self.fake.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], (ssl.SSLError, ConnectionError, TimeoutError)):
            if isinstance(sys.exc_info()[1], ssl.SSLError):
                self.fake._tls_failed()
            return  # a client that hung up or refused our certificate: expected in these tests
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    owner: FakeStripe
    server_version = "FakeStripe/1"

    def setup(self) -> None:
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(10)
            self.request.do_handshake()
            self.request.settimeout(None)
        super().setup()

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def _send_json(self, status: int, body: dict, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", f"req_fake_{id(body):x}")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _read_params(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        return {k: v[-1] for k, v in urllib.parse.parse_qs(raw, keep_blank_values=True).items()}

    def _hang(self, seconds: float) -> None:
        """Answers nothing for `seconds`, or until the client gives up and closes the connection
        (so `max_concurrent` counts the calls a client really has open)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self.owner._stopping.is_set():
            readable, _, _ = select.select([self.connection], [], [], 0.05)
            if readable and self._client_closed():
                return

    def _client_closed(self) -> bool:
        if isinstance(self.connection, ssl.SSLSocket):  # no MSG_PEEK on TLS: a read of 0 bytes is EOF
            try:
                return self.connection.recv(1) == b""
            except (ssl.SSLError, OSError):
                return True
        return not self.connection.recv(1, socket.MSG_PEEK)

    def do_POST(self) -> None:
        self.owner._enter()
        try:
            self._post()
        finally:
            self.owner._leave()

    def _post(self) -> None:
        fake = self.owner
        params = self._read_params()
        fake._record(self, params)
        path = self.path.split("?")[0]
        if path not in ("/v1/payment_intents", "/v1/refunds"):
            return self._send_json(404, _error("invalid_request_error", None, f"Unrecognized request URL (POST: {self.path})."))
        if not fake._authorized(self):
            return self._send_json(401, _unauthorized(self))

        mode, delay, retry_after, hang_seconds = fake._next_fault()
        if mode == "500":
            return self._send_json(500, _error("api_error", None, "An unknown error occurred (fake)."))
        if mode == "429":
            return self._send_json(429, _error("invalid_request_error", "rate_limit", "Too many requests (fake)."),
                                   {"Retry-After": str(retry_after)})
        if mode == "hang":
            self._hang(hang_seconds)
            self.close_connection = True
            return None
        if mode == "402":
            return self._send_json(*fake._forced_decline(params))

        key = self.headers.get("Idempotency-Key")
        status, body, replayed = fake._create(params, key, delay if mode == "slow" else 0.0, mode == "processing",
                                              fake._refund if path == "/v1/refunds" else None)
        if mode == "drop_after_charge":
            self.close_connection = True
            return None
        if mode == "charge_then_hang":
            fake._stopping.wait(hang_seconds)
            self.close_connection = True
            return None
        self._send_json(status, body, {"Idempotent-Replayed": "true"} if replayed else None)

    def do_GET(self) -> None:
        fake = self.owner
        fake._record(self, {})
        if not fake._authorized(self):
            return self._send_json(401, _unauthorized(self))
        prefix = "/v1/payment_intents/"
        path = self.path.split("?")[0]
        if path.startswith(prefix):
            with fake._lock:
                intent = fake.intents.get(path[len(prefix):])
                if intent is not None and intent["status"] == "processing":
                    intent["status"] = "succeeded"
                    fake.charges.append(intent)
                intent = copy.deepcopy(intent)
            if intent is not None:
                return self._send_json(200, intent)
            return self._send_json(404, _error("invalid_request_error", "resource_missing",
                                               "No such payment_intent.", param="intent"))
        refund_prefix = "/v1/refunds/"
        if path.startswith(refund_prefix):
            with fake._lock:
                refund = next((r for r in fake.refunds if r["id"] == path[len(refund_prefix):]), None)
                if refund is not None and refund["status"] == "pending":
                    refund["status"] = "succeeded"
                refund = copy.deepcopy(refund)
            if refund is not None:
                return self._send_json(200, refund)
            return self._send_json(404, _error("invalid_request_error", "resource_missing", "No such refund.",
                                               param="id"))
        return self._send_json(404, _error("invalid_request_error", None, f"Unrecognized request URL (GET: {self.path})."))
