"""Real TLS, with a private CA made at test time (tests/fakes/tls_ca.py): a
fake Stripe over HTTPS, an SMTP relay with STARTTLS or smtps that wants a
login, and a chat webhook over HTTPS, each with a certificate that only the
test CA vouches for.

With `[tls] ca_file` naming that CA, shopd delivers everything. Without it,
shopd refuses the certificates: no card data, mail or alert goes to a peer it
cannot verify, the attempt says why (a certificate problem), and the job
keeps retrying as unreachable until the owner fixes the trust. A ca_file that
is missing or holds no certificate stops startup with one line."""

import pytest

from fake_stripe import FakeStripe
from fixtures import STRIPE_KEY
from shop import KEY_LINE, order, serve_and_fail, wait_for
from side_effect_helpers import CUSTOMER, TEAM, charges_for, live, mails_to, text_of
from smtp_sink import SmtpSink
from webhook_receiver import WebhookReceiver
from worker_helpers import attempts, job

SMTP_LOGIN = {"SMTP_USERNAME": "shop", "SMTP_PASSWORD": "relay-password-1234"}


@pytest.fixture
def tls_stripe(test_ca):
    with FakeStripe(api_key=STRIPE_KEY, tls=test_ca.server_context()) as fake:
        yield fake


@pytest.fixture
def tls_hook(test_ca):
    with WebhookReceiver(tls=test_ca.server_context()) as receiver:
        yield receiver


def tls_sink(test_ca, smtp: str) -> SmtpSink:
    """A relay that wants the shop's login, over STARTTLS or smtps."""
    return SmtpSink(tls=test_ca.server_context(), implicit_tls=smtp == "smtps",
                    logins={SMTP_LOGIN["SMTP_USERNAME"]: SMTP_LOGIN["SMTP_PASSWORD"]})


@pytest.mark.parametrize("smtp", ["starttls", "smtps"])
def test_with_the_private_ca_in_ca_file_payments_mail_and_alerts_all_go_out_over_verified_tls(
        shop_factory, test_ca, tls_stripe, tls_hook, smtp):
    with tls_sink(test_ca, smtp) as relay:
        args = live(tls_stripe, relay, tls_hook, config={"tls": {"ca_file": str(test_ca.ca_file)}})
        args["env"].update(SMTP_LOGIN)
        shop = shop_factory(**args)
        paid = shop.post_order(order()).json()["id"]
        declined = shop.post_order(order(token="pm_card_chargeDeclined")).json()["id"]

        shop.wait_for_status(paid, "completed")
        shop.wait_for_status(declined, "payment_failed")
        assert len(charges_for(tls_stripe, paid)) == 1
        [alert] = tls_hook.wait_for(1)
        assert declined in alert["text"] and "card_declined" in alert["text"]
        wait_for(lambda: len(mails_to(relay, CUSTOMER)) == 2 and mails_to(relay, TEAM), message="every mail")
        assert all(m.tls and m.login == "shop" for m in relay.messages), [(m.tls, m.login) for m in relay.messages]
        assert tls_stripe.tls_failures == 0 and tls_hook.tls_failures == 0


def unverified_attempts_keep_retrying(shop, order_id, kind):
    """The job's attempts failed on the certificate, counted as unreachable; it is still retrying."""
    if not shop.query("SELECT 1 FROM outbox WHERE order_id = ? AND kind = ?", order_id, kind):
        return None  # not enqueued yet
    j = job(shop, order_id, kind)
    tried = attempts(shop, j["id"])
    done = [a for a in tried if a["outcome"] != "running"]
    return (j["state"] in ("retrying", "running") and j["attempts"] <= 1 and j["unreachable_attempts"] >= 2
            and len(done) >= 2 and all(a["outcome"] == "unreachable" for a in done) and done)


def assert_refused_for_its_certificate(done_attempts):
    for a in done_attempts:
        assert a["error_code"] == "tls", a
        assert "certificate" in a["error_message"].lower(), a["error_message"]


def test_without_ca_file_stripe_behind_a_private_ca_is_never_sent_the_card_and_the_payment_keeps_retrying(
        shop_factory, tls_stripe, sink):
    shop = shop_factory(**live(tls_stripe, sink))
    order_id = shop.post_order(order()).json()["id"]

    done = wait_for(lambda: unverified_attempts_keep_retrying(shop, order_id, "payment.charge"),
                    message="the payment to fail on the certificate and retry")
    assert_refused_for_its_certificate(done)
    assert tls_stripe.requests == [] and tls_stripe.tls_failures >= 2
    o = shop.order_status(order_id)
    assert o["status"] == "received" and o["steps"]["payment"]["state"] in ("retrying", "running")
    assert sink.messages == []


@pytest.mark.parametrize("smtp", ["starttls", "smtps"])
def test_without_ca_file_a_relay_behind_a_private_ca_is_never_given_the_login_and_the_email_keeps_retrying(
        shop_factory, test_ca, smtp):
    with tls_sink(test_ca, smtp) as relay:
        shop = shop_factory(config={"email": {"transport": "smtp", "smtp_url": relay.url, "timeout_seconds": 5}},
                            env=SMTP_LOGIN)
        order_id = shop.post_order(order()).json()["id"]

        done = wait_for(lambda: unverified_attempts_keep_retrying(shop, order_id, "email.confirmation"),
                        message="the confirmation to fail on the certificate and retry")
        assert_refused_for_its_certificate(done)
        assert relay.login_attempts == [] and relay.messages == []
        assert shop.order_status(order_id)["status"] == "paid"


def test_without_ca_file_a_chat_webhook_behind_a_private_ca_is_never_posted_to_and_the_alert_keeps_retrying(
        shop_factory, tls_hook):
    shop = shop_factory(config={"alerts": {"webhook_url": tls_hook.url, "email": ""}})
    order_id = shop.post_order(order(token="pm_card_chargeDeclined")).json()["id"]

    done = wait_for(lambda: unverified_attempts_keep_retrying(shop, order_id, "alert.team"),
                    message="the alert to fail on the certificate and retry")
    assert_refused_for_its_certificate(done)
    assert tls_hook.requests == [] and tls_hook.tls_failures >= 2


@pytest.mark.parametrize("contents", [
    None,                                                  # no such file
    b"this is not a certificate\n",                        # garbage
    b"-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMG\n-----END PRIVATE KEY-----\n",  # a key, not a certificate
])
def test_a_ca_file_that_is_missing_or_holds_no_certificate_stops_startup_with_one_line_naming_it(
        shop_factory, tmp_path, contents):
    ca_file = tmp_path / "company-ca.pem"
    if contents is not None:
        ca_file.write_bytes(contents)
    shop = shop_factory({"tls": {"ca_file": str(ca_file)}}, start=False)
    code, lines = serve_and_fail(shop)
    assert code != 0
    assert len(lines) == 1, lines
    assert KEY_LINE.match(lines[0]).group("key") == "tls.ca_file", lines[0]
    assert str(ca_file) in lines[0]
    assert not (shop.dir / "var").exists()


def test_a_ca_file_whose_certificate_is_corrupt_stops_startup_with_one_line_naming_it(shop_factory, tmp_path,
                                                                                      test_ca):
    pem = test_ca.ca_file.read_text().splitlines()
    pem[2] = "corrupt" + pem[2][7:]  # a line inside the base64 body
    ca_file = tmp_path / "corrupt-ca.pem"
    ca_file.write_text("\n".join(pem) + "\n")
    shop = shop_factory({"tls": {"ca_file": str(ca_file)}}, start=False)
    code, lines = serve_and_fail(shop)
    assert code != 0
    assert len(lines) == 1, lines
    assert KEY_LINE.match(lines[0]).group("key") == "tls.ca_file", lines[0]
