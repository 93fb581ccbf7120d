"""Self-tests of the fakes: each is started and exercised with urllib/smtplib.

Run with Debian's python (it has aiosmtpd): /usr/bin/python3 -m pytest tests/fakes -q
"""

import json
import smtplib
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from email.message import EmailMessage

import pytest

from fake_stripe import FakeStripe
from fixtures import STRIPE_KEY
from smtp_sink import SmtpSink
from webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.timeout(60)

KEY = STRIPE_KEY


def eventually(predicate, timeout=5.0):
    """Polls `predicate` until it is true; fails the test at the deadline."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached before the deadline"
        time.sleep(0.01)


def charge_params(**overrides):
    params = {
        "amount": "2400",
        "currency": "eur",
        "payment_method": "pm_card_visa",
        "confirm": "true",
        "automatic_payment_methods[enabled]": "true",
        "automatic_payment_methods[allow_redirects]": "never",
        "metadata[order_id]": "order-1",
    }
    params.update(overrides)
    return params


def post(url, params, key=KEY, idempotency_key=None, timeout=5, context=None, path="/v1/payment_intents"):
    """Returns (status, headers, json body)."""
    data = urllib.parse.urlencode(params).encode()
    req = urllib.request.Request(url + path, data=data, method="POST")
    req.add_header("Authorization", f"Bearer {key}")
    req.add_header("Content-Type", "application/x-www-form-urlencoded")
    if idempotency_key:
        req.add_header("Idempotency-Key", idempotency_key)
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=context) as r:
            return r.status, dict(r.headers), json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), json.load(e)




# -- FakeStripe ---------------------------------------------------------------

def test_stripe_charges_a_visa_card_and_records_the_request(stripe):
    status, _, body = post(stripe.url, charge_params(), idempotency_key="k1")
    assert status == 200
    assert body["status"] == "succeeded" and body["id"].startswith("pi_")
    assert body["metadata"] == {"order_id": "order-1"}
    assert len(stripe.charges) == 1
    req = stripe.requests[0]
    assert req["idempotency_key"] == "k1"
    assert req["params"]["currency"] == "eur"
    assert req["headers"]["Authorization"] == f"Bearer {KEY}"


def test_stripe_rejects_a_wrong_key_with_a_401_that_echoes_the_key_and_the_authorization_header(stripe):
    status, _, body = post(stripe.url, charge_params(), key="sk_test_wrong")
    assert status == 401
    assert body["error"]["message"] == "Invalid API Key provided: sk_test_wrong"
    assert body["error"]["request_headers"] == {"Authorization": "Bearer sk_test_wrong"}
    assert stripe.charges == []


def test_stripe_quotes_an_unknown_payment_method_in_its_400(stripe):
    status, _, body = post(stripe.url, charge_params(payment_method="pm_missing_abc123"))
    assert status == 400
    assert body["error"]["code"] == "resource_missing"
    assert body["error"]["message"] == "No such PaymentMethod: 'pm_missing_abc123'"
    assert stripe.charges == []


def test_stripe_replays_the_first_answer_for_a_repeated_idempotency_key(stripe):
    s1, _, first = post(stripe.url, charge_params(), idempotency_key="order-1")
    s2, headers, again = post(stripe.url, charge_params(), idempotency_key="order-1")
    assert s1 == s2 == 200
    assert first["id"] == again["id"]
    assert headers.get("Idempotent-Replayed") == "true"
    assert len(stripe.charges) == 1
    assert len(stripe.requests) == 2


def test_stripe_refuses_a_reused_key_with_other_parameters(stripe):
    post(stripe.url, charge_params(), idempotency_key="order-1")
    status, _, body = post(stripe.url, charge_params(amount="999"), idempotency_key="order-1")
    assert status == 400
    assert body["error"]["type"] == "idempotency_error"


def test_stripe_demands_no_redirects_or_a_return_url(stripe):
    params = charge_params()
    del params["automatic_payment_methods[allow_redirects]"]
    status, _, body = post(stripe.url, params)
    assert status == 400
    assert "return_url" in body["error"]["message"]


def test_stripe_declines_pm_card_chargeDeclined_with_a_stripe_shaped_402(stripe):
    status, _, body = post(stripe.url, charge_params(payment_method="pm_card_chargeDeclined"), idempotency_key="d")
    assert status == 402
    assert body["error"]["type"] == "card_error"
    assert body["error"]["code"] == "card_declined"
    assert body["error"]["message"] == "Your card was declined."
    assert stripe.charges == []


def test_stripe_mode_500_and_429_fail_without_charging(stripe):
    stripe.set_mode("500")
    assert post(stripe.url, charge_params(), idempotency_key="k")[0] == 500
    stripe.set_mode("429", retry_after=3)
    status, headers, body = post(stripe.url, charge_params(), idempotency_key="k")
    assert status == 429
    assert headers["Retry-After"] == "3"
    assert body["error"]["code"] == "rate_limit"
    stripe.set_mode("ok")
    assert post(stripe.url, charge_params(), idempotency_key="k")[0] == 200
    assert len(stripe.charges) == 1


def test_stripe_mode_402_declines_every_card(stripe):
    stripe.set_mode("402")
    status, _, body = post(stripe.url, charge_params())
    assert status == 402 and body["error"]["code"] == "card_declined"


def test_stripe_fail_next_fails_n_requests_then_recovers(stripe):
    stripe.fail_next(2, "500")
    statuses = [post(stripe.url, charge_params(), idempotency_key="k")[0] for _ in range(3)]
    assert statuses == [500, 500, 200]
    assert len(stripe.charges) == 1


def test_stripe_slow_mode_answers_after_the_delay(stripe):
    stripe.set_mode("slow", delay=0.3)
    start = time.monotonic()
    assert post(stripe.url, charge_params())[0] == 200
    assert time.monotonic() - start >= 0.3


def test_stripe_hang_mode_does_not_answer(stripe):
    stripe.set_mode("hang")
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        post(stripe.url, charge_params(), timeout=0.5)


def test_stripe_counts_the_most_requests_it_handled_at_once(stripe):
    stripe.set_mode("hang", hang_seconds=1.0)

    def hang():
        with pytest.raises((urllib.error.URLError, ConnectionError, http_client_errors())):
            post(stripe.url, charge_params(), timeout=5)

    threads = [threading.Thread(target=hang) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert stripe.max_concurrent == 3


def test_stripe_drop_after_charge_charges_once_across_the_retry(stripe):
    stripe.set_mode("drop_after_charge")
    with pytest.raises((urllib.error.URLError, ConnectionError, http_client_errors())):
        post(stripe.url, charge_params(), idempotency_key="order-9")
    assert len(stripe.charges) == 1
    stripe.set_mode("ok")
    status, headers, body = post(stripe.url, charge_params(), idempotency_key="order-9")
    assert status == 200 and headers.get("Idempotent-Replayed") == "true"
    assert body["id"] == stripe.charges[0]["id"]
    assert len(stripe.charges) == 1


def test_stripe_answers_409_while_the_same_key_is_in_flight(stripe):
    stripe.set_mode("slow", delay=1.0)
    results = {}
    first = threading.Thread(target=lambda: results.setdefault("first", post(stripe.url, charge_params(),
                                                                              idempotency_key="same")))
    first.start()
    eventually(lambda: stripe.in_flight("same"))
    stripe.set_mode("ok")
    status, _, body = post(stripe.url, charge_params(), idempotency_key="same")
    first.join()
    assert status == 409
    assert body["error"]["code"] == "idempotency_key_in_use"
    assert results["first"][0] == 200
    assert len(stripe.charges) == 1


def test_stripe_gets_a_created_payment_intent(stripe):
    _, _, created = post(stripe.url, charge_params())
    req = urllib.request.Request(f"{stripe.url}/v1/payment_intents/{created['id']}")
    req.add_header("Authorization", f"Bearer {KEY}")
    with urllib.request.urlopen(req, timeout=5) as r:
        assert json.load(r)["id"] == created["id"]
    req = urllib.request.Request(f"{stripe.url}/v1/payment_intents/pi_missing")
    req.add_header("Authorization", f"Bearer {KEY}")
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=5)
    assert err.value.code == 404


def test_stripe_processing_mode_settles_on_the_first_get(stripe):
    stripe.set_mode("processing")
    status, _, created = post(stripe.url, charge_params(), idempotency_key="p")
    assert status == 200 and created["status"] == "processing"
    assert stripe.charges == []
    assert post(stripe.url, charge_params(), idempotency_key="p")[2]["status"] == "processing"
    req = urllib.request.Request(f"{stripe.url}/v1/payment_intents/{created['id']}")
    req.add_header("Authorization", f"Bearer {KEY}")
    with urllib.request.urlopen(req, timeout=5) as r:
        assert json.load(r)["status"] == "succeeded"
    assert [c["id"] for c in stripe.charges] == [created["id"]]


def test_stripe_next_answers_plays_one_mode_per_request_in_order(stripe):
    stripe.next_answers("500", "429", "402")
    statuses = [post(stripe.url, charge_params(), idempotency_key=f"k{i}")[0] for i in range(4)]
    assert statuses == [500, 429, 402, 200]


def test_stripe_charge_then_hang_charges_and_remembers_the_key_but_never_answers(stripe):
    stripe.set_mode("charge_then_hang")
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        post(stripe.url, charge_params(), idempotency_key="order-7", timeout=0.5)
    assert len(stripe.charges) == 1
    assert not stripe.in_flight("order-7")  # processed: a retry is answered, not 409
    stripe.set_mode("ok")
    status, headers, body = post(stripe.url, charge_params(), idempotency_key="order-7")
    assert status == 200 and headers.get("Idempotent-Replayed") == "true"
    assert body["id"] == stripe.charges[0]["id"]
    assert len(stripe.charges) == 1


def refund(url, payment_intent, amount, idempotency_key=None, **extra):
    params = {"payment_intent": payment_intent, "amount": str(amount), "metadata[order_id]": "order-1", **extra}
    return post(url, params, idempotency_key=idempotency_key, path="/v1/refunds")


def test_stripe_refunds_a_succeeded_payment_intent_up_to_its_amount(stripe):
    _, _, intent = post(stripe.url, charge_params(amount="2400"))
    status, _, first = refund(stripe.url, intent["id"], 1000, "r1", **{"metadata[refund_id]": "ref-1"})
    assert status == 200 and first["status"] == "succeeded" and first["id"].startswith("re_")
    assert first["amount"] == 1000 and first["payment_intent"] == intent["id"]
    assert first["metadata"] == {"order_id": "order-1", "refund_id": "ref-1"}
    status, _, body = refund(stripe.url, intent["id"], 1401, "r2")
    assert status == 400 and body["error"]["code"] == "amount_too_large"
    assert refund(stripe.url, intent["id"], 1400, "r3")[0] == 200
    status, _, body = refund(stripe.url, intent["id"], 1, "r4")
    assert status == 400 and body["error"]["code"] == "charge_already_refunded"
    assert [r["amount"] for r in stripe.refunds_for(intent["id"])] == [1000, 1400]
    assert refund(stripe.url, "pi_missing", 100)[2]["error"]["code"] == "resource_missing"


def test_stripe_replays_a_refund_for_its_idempotency_key_and_refunds_once(stripe):
    _, _, intent = post(stripe.url, charge_params())
    _, _, first = refund(stripe.url, intent["id"], 500, "refund-a")
    status, headers, again = refund(stripe.url, intent["id"], 500, "refund-a")
    assert status == 200 and headers.get("Idempotent-Replayed") == "true" and again["id"] == first["id"]
    assert stripe.refund_count() == 1


def test_stripe_charge_then_hang_makes_a_refund_and_remembers_its_key(stripe):
    _, _, intent = post(stripe.url, charge_params())
    stripe.next_answers("charge_then_hang")
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        post(stripe.url, {"payment_intent": intent["id"], "amount": "300"}, idempotency_key="refund-h", timeout=0.5,
             path="/v1/refunds")
    assert stripe.refund_count() == 1
    # The same key with other parameters (metadata added) is refused, as Stripe does.
    assert refund(stripe.url, intent["id"], 300, "refund-h")[0] == 400
    status, headers, body = post(stripe.url, {"payment_intent": intent["id"], "amount": "300"},
                                 idempotency_key="refund-h", path="/v1/refunds")
    assert status == 200 and headers.get("Idempotent-Replayed") == "true"
    assert stripe.refund_count() == 1


def test_stripe_pending_refunds_succeed_on_the_first_get(stripe):
    _, _, intent = post(stripe.url, charge_params())
    stripe.refunds_pending = True
    _, _, created = refund(stripe.url, intent["id"], 100)
    assert created["status"] == "pending"
    req = urllib.request.Request(f"{stripe.url}/v1/refunds/{created['id']}")
    req.add_header("Authorization", f"Bearer {KEY}")
    with urllib.request.urlopen(req, timeout=5) as r:
        assert json.load(r)["status"] == "succeeded"


def flaky_statuses(seed):
    fake = FakeStripe(api_key=KEY)
    try:
        fake.set_flaky(seed, {"500": 0.3, "429": 0.3})
        return [post(fake.url, charge_params(), idempotency_key=f"k{i}")[0] for i in range(30)]
    finally:
        fake.stop()


def test_stripe_flaky_mode_draws_the_same_faults_for_the_same_seed():
    first = flaky_statuses(11)
    assert first == flaky_statuses(11)
    assert {500, 429, 200} <= set(first)
    assert first != flaky_statuses(12)


def test_stripe_refuses_connections_while_not_listening_and_keeps_its_memory_on_the_same_port(stripe):
    url, port = stripe.url, stripe.port
    assert post(url, charge_params(), idempotency_key="outage")[0] == 200
    stripe.stop_listening()
    with pytest.raises(urllib.error.URLError) as err:
        post(url, charge_params(), idempotency_key="outage", timeout=2)
    assert isinstance(err.value.reason, ConnectionRefusedError)
    stripe.listen_again()
    assert stripe.port == port
    status, headers, _ = post(url, charge_params(), idempotency_key="outage")
    assert status == 200 and headers.get("Idempotent-Replayed") == "true"
    assert len(stripe.charges) == 1


def test_stripe_over_https_is_trusted_with_the_test_ca_only(test_ca):
    with FakeStripe(api_key=KEY, tls=test_ca.server_context()) as fake:
        assert fake.url.startswith("https://127.0.0.1:")
        assert post(fake.url, charge_params(), context=test_ca.client_context())[0] == 200
        with pytest.raises(urllib.error.URLError) as err:
            post(fake.url, charge_params(), context=ssl.create_default_context())
        assert "CERTIFICATE_VERIFY_FAILED" in str(err.value)
        eventually(lambda: fake.tls_failures == 1)
        assert len(fake.charges) == 1


def http_client_errors():
    import http.client
    return http.client.HTTPException


# -- SmtpSink -------------------------------------------------------------------

def make_message(subject="Hello Zoë"):
    m = EmailMessage()
    m["From"] = "Demo Shop <orders@shop.example>"
    m["To"] = "Zoë Ærøskøbing-Ñúñez <zoe@example.com>"
    m["Subject"] = subject
    m["Message-ID"] = "<t1@shop.example>"
    m.set_content("Hello Zoë")
    return m


def test_smtp_sink_collects_and_parses_messages(sink):
    with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as smtp:
        smtp.send_message(make_message())
    mails = sink.wait_for(1)
    assert mails[0].mail_from == "orders@shop.example"
    assert mails[0].rcpt_tos == ["zoe@example.com"]
    assert mails[0].message["Subject"] == "Hello Zoë"
    assert mails[0].message["To"].addresses[0].display_name == "Zoë Ærøskøbing-Ñúñez"
    assert mails[0].message.get_body(("plain",)).get_content().strip() == "Hello Zoë"
    assert b"Message-ID: <t1@shop.example>" in mails[0].raw


def test_smtp_sink_refuses_connections_while_stopped_and_resumes_on_the_same_port(sink):
    port = sink.port
    sink.stop()
    with pytest.raises(OSError):
        smtplib.SMTP("127.0.0.1", port, timeout=2)
    sink.start()
    assert sink.port == port
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
        smtp.send_message(make_message())
    assert len(sink.wait_for(1)) == 1


def test_smtp_sink_answers_a_configured_reply(sink):
    sink.set_reply("451 4.3.0 Try again later", count=1)
    with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as smtp:
        with pytest.raises(smtplib.SMTPDataError) as err:
            smtp.send_message(make_message())
        assert err.value.smtp_code == 451
        smtp.send_message(make_message())
    assert len(sink.wait_for(1)) == 1


def test_smtp_sink_offers_starttls_and_takes_only_its_login_over_tls(test_ca):
    with SmtpSink(tls=test_ca.server_context(), logins={"shop": "relay-pw"}) as tls_sink:
        assert tls_sink.url == f"smtp://127.0.0.1:{tls_sink.port}"
        with smtplib.SMTP("127.0.0.1", tls_sink.port, timeout=5) as smtp:
            smtp.ehlo()
            assert not smtp.has_extn("auth")  # no AUTH in the clear
            smtp.starttls(context=test_ca.client_context())
            smtp.ehlo()
            with pytest.raises(smtplib.SMTPAuthenticationError) as err:
                smtp.login("shop", "wrong")
            assert err.value.smtp_code == 535
            smtp.login("shop", "relay-pw")
            smtp.send_message(make_message())
        [mail] = tls_sink.wait_for(1)
        assert mail.tls and mail.login == "shop"
        # smtplib tries each mechanism the relay offers before it gives up on a login.
        assert tls_sink.login_attempts[-1] == ("shop", True)
        assert {a for a in tls_sink.login_attempts[:-1]} == {("shop", False)}


def test_smtp_sink_without_a_login_refuses_the_message(test_ca):
    with SmtpSink(tls=test_ca.server_context(), logins={}) as tls_sink:
        with smtplib.SMTP("127.0.0.1", tls_sink.port, timeout=5) as smtp:
            smtp.starttls(context=test_ca.client_context())
            with pytest.raises(smtplib.SMTPSenderRefused) as err:
                smtp.send_message(make_message())
            assert err.value.smtp_code == 530
        assert tls_sink.messages == []


def test_smtp_sink_speaks_smtps_from_the_first_byte(test_ca):
    with SmtpSink(tls=test_ca.server_context(), implicit_tls=True, logins={"shop": "pw"}) as tls_sink:
        assert tls_sink.url == f"smtps://127.0.0.1:{tls_sink.port}"
        with smtplib.SMTP_SSL("127.0.0.1", tls_sink.port, timeout=5, context=test_ca.client_context()) as smtp:
            smtp.login("shop", "pw")
            smtp.send_message(make_message())
        [mail] = tls_sink.wait_for(1)
        assert mail.tls and mail.login == "shop"


# -- WebhookReceiver --------------------------------------------------------------

def post_json(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_webhook_receiver_records_json_bodies(hook):
    assert post_json(hook.url, {"text": "payment.charge dead for order 1"}) == 200
    assert hook.wait_for(1) == [{"text": "payment.charge dead for order 1"}]
    assert hook.requests[0]["path"] == "/hooks/test"


def test_webhook_receiver_fails_for_a_while_then_recovers(hook):
    hook.fail_for(0.3, retry_after=2)
    assert post_json(hook.url, {"text": "a"}) == 500
    assert hook.requests[0]["status"] == 500
    eventually(lambda: post_json(hook.url, {"text": "b"}) == 200)
    assert hook.bodies == [{"text": "b"}]
    assert hook.requests[-1]["status"] == 200


def test_webhook_receiver_fails_the_next_n(hook):
    hook.fail_next(2, status=503)
    assert [post_json(hook.url, {"text": str(i)}) for i in range(3)] == [503, 503, 200]


def test_webhook_receiver_over_https_counts_clients_that_refuse_its_certificate(test_ca):
    with WebhookReceiver(tls=test_ca.server_context()) as tls_hook:
        assert tls_hook.url.startswith("https://127.0.0.1:")
        req = urllib.request.Request(tls_hook.url, data=b'{"text": "hi"}', method="POST")
        with urllib.request.urlopen(req, timeout=5, context=test_ca.client_context()) as r:
            assert r.status == 200
        with pytest.raises(urllib.error.URLError):
            urllib.request.urlopen(req, timeout=5, context=ssl.create_default_context())
        eventually(lambda: tls_hook.tls_failures == 1)
        assert tls_hook.bodies == [{"text": "hi"}]
