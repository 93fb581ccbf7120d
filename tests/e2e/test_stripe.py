"""Real payments: shopd charges cards through Stripe's PaymentIntents API (a
fake Stripe on loopback) and mails the customer through an SMTP relay (a
sink). Whatever the network or the process does, an order is charged once."""

import email.utils

import pytest

from shop import order, wait_for
from side_effect_helpers import CUSTOMER, STRIPE_KEY, charge_posts, charges_for, html_of, live, text_of


@pytest.mark.sanitize
def test_paid_order_charges_stripe_once_and_mails_the_invoice_pdf_over_smtp(shop_factory, stripe, sink):
    shop = shop_factory(**live(stripe, sink))
    r = shop.post_order(order(sku="MUG-01", qty=3))
    assert r.status == 202, r
    order_id = r.json()["id"]

    done = shop.wait_for_status(order_id, "completed")
    number = done["steps"]["invoice"]["number"]

    # One PaymentIntent, created and confirmed, for the catalog total.
    [charge] = charges_for(stripe, order_id)
    assert (charge["amount"], charge["currency"], charge["payment_method"]) == (3600, "eur", "pm_card_visa")
    [post] = charge_posts(stripe, order_id)
    assert post["headers"]["Authorization"] == f"Bearer {STRIPE_KEY}"
    assert post["idempotency_key"] == f"shopd-order-{order_id}"
    assert post["params"]["confirm"] == "true"
    assert post["params"]["metadata[order_id]"] == order_id

    # One confirmation at the relay, a proper MIME message with the invoice attached.
    [mail] = sink.wait_for(1)
    assert mail.rcpt_tos == [CUSTOMER]
    assert mail.mail_from == "orders@shop.test"
    msg = mail.message
    assert [a.addr_spec for a in msg["To"].addresses] == [CUSTOMER]
    assert msg["Message-ID"].startswith("<") and msg["Message-ID"].endswith("@shop.test>")
    assert email.utils.parsedate_to_datetime(msg["Date"]).tzinfo is not None
    assert number in msg["Subject"]
    assert msg.get_content_type() == "multipart/mixed"
    [alternative, pdf] = list(msg.iter_parts())
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html"]
    status_link = f"{shop.config['shop']['public_url']}/orders/{order_id}"
    assert status_link in text_of(msg)
    assert f'href="{status_link}"' in html_of(msg)
    assert "36.00" in text_of(msg)
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_content_disposition() == "attachment"
    assert pdf.get_filename() == f"{number}.pdf"
    attached = pdf.get_payload(decode=True)
    assert attached.startswith(b"%PDF-")

    # The same document is what the customer downloads later.
    invoice = shop.get(f"/orders/{order_id}/invoice")
    assert invoice.status == 200, invoice
    assert invoice.headers["content-type"] == "application/pdf"
    assert invoice.body == attached
    # Nothing else went out: no second mail, no alert.
    assert len(sink.messages) == 1


def payment_job(shop, order_id):
    [job] = shop.query("SELECT id FROM outbox WHERE order_id = ? AND kind = 'payment.charge'", order_id)
    detail = shop.admin("GET", f"/admin/jobs/{job['id']}")
    assert detail.status == 200, detail
    return detail.json()


# A lease far longer than any test: after the crash only the restart can bring
# the charge back, so the test cannot pass by waiting a lease out.
# The retry of the crashed charge meets the first request still running at
# Stripe (409, transient): enough attempts to outlast it.
CRASH_CONFIG = {"worker": {"lease_seconds": 600},
                "retry": {"payment": {"max_attempts": 30, "base_seconds": 0.1, "max_seconds": 0.5}}}


@pytest.mark.sanitize
def test_sigkill_during_charges_then_restart_charges_each_order_exactly_once(shop_factory, stripe, sink):
    shop = shop_factory(**live(stripe, sink, config=CRASH_CONFIG))
    stripe.set_mode("slow", delay=2.0)
    order_ids = []
    for _ in range(3):
        r = shop.post_order(order(qty=1))
        assert r.status == 202, r
        order_ids.append(r.json()["id"])
    keys = {order_id: f"shopd-order-{order_id}" for order_id in order_ids}

    # Every charge has reached Stripe and none has been answered: crash now.
    wait_for(lambda: all(charge_posts(stripe, i) for i in order_ids) and stripe.charge_count() == 0,
             message="all charges in flight at Stripe")
    shop.kill()
    stripe.set_mode("ok")
    shop.start()

    for order_id in order_ids:
        shop.wait_for_status(order_id, "completed")
    # Count only once Stripe has finished every request it was sent, the ones cut off by the crash included.
    wait_for(lambda: not any(stripe.in_flight(p["idempotency_key"]) for p in stripe.posts()),
             message="Stripe to finish every request")
    for order_id, key in keys.items():
        assert len(charges_for(stripe, order_id)) == 1, order_id
        posts = charge_posts(stripe, order_id)
        assert len(posts) >= 2, "the charge was sent again after the restart"
        assert {p["idempotency_key"] for p in posts} == {key}
    assert len(stripe.charges) == 3
    confirmations = sink.wait_for(3)
    assert sorted(m.rcpt_tos[0] for m in confirmations) == [CUSTOMER] * 3


def test_a_charge_whose_answer_is_lost_is_retried_with_the_same_key_and_charged_once(shop_factory, stripe, sink):
    shop = shop_factory(**live(stripe, sink))
    stripe.fail_next(1, "drop_after_charge")  # Stripe charges, then the connection drops before the answer
    order_id = shop.post_order(order()).json()["id"]

    shop.wait_for_status(order_id, "completed")
    assert len(charges_for(stripe, order_id)) == 1
    posts = charge_posts(stripe, order_id)
    assert len(posts) == 2
    assert {p["idempotency_key"] for p in posts} == {f"shopd-order-{order_id}"}
    attempts = payment_job(shop, order_id)["job_attempts"]
    assert [a["outcome"] for a in attempts] == ["unreachable", "ok"]  # no answer: it used up no attempt
    assert attempts[0]["error"]["code"] == "connection_lost"


def test_a_hanging_stripe_times_out_and_the_retry_charges_the_order(shop_factory, stripe, sink):
    shop = shop_factory(**live(stripe, sink, config={"payment": {"timeout_seconds": 1}}))
    stripe.fail_next(1, "hang")
    order_id = shop.post_order(order()).json()["id"]

    done = shop.wait_for_status(order_id, "completed")
    assert done["steps"]["payment"]["attempts"] == 1  # the unanswered attempt does not count
    assert len(charges_for(stripe, order_id)) == 1
    job = payment_job(shop, order_id)
    assert [a["outcome"] for a in job["job_attempts"]] == ["unreachable", "ok"]
    assert job["job_attempts"][0]["error"]["code"] == "timeout"
    assert job["unreachable_attempts"] == 1
    assert len(sink.wait_for(1)) == 1


def test_rate_limits_and_server_errors_are_retried_and_each_attempt_shows_stripes_status(shop_factory, stripe,
                                                                                          sink):
    # max_seconds above Retry-After so the shop can honour Stripe's 2 seconds; the
    # backoff alone (base 0.05 s) and the worker's 1 s poll would retry sooner.
    shop = shop_factory(**live(stripe, sink, config={"retry": {"payment": {"max_seconds": 3}}}))
    stripe.set_mode("429", retry_after=2)
    stripe.fail_next(1, "500")
    order_id = shop.post_order(order()).json()["id"]

    wait_for(lambda: len(charge_posts(stripe, order_id)) >= 2, message="the 500 and the first 429")
    stripe.set_mode("ok")
    done = shop.wait_for_status(order_id, "completed")
    assert len(charges_for(stripe, order_id)) == 1

    attempts = payment_job(shop, order_id)["job_attempts"]
    assert done["steps"]["payment"]["attempts"] == len(attempts) >= 3
    assert [a["outcome"] for a in attempts] == ["transient"] * (len(attempts) - 1) + ["ok"]
    assert [a["error"]["provider_status"] for a in attempts[:2]] == [500, 429]
    assert all(a["error"]["provider_status"] == 429 for a in attempts[1:-1])
    assert attempts[1]["error"]["code"] == "rate_limit"
    assert "Too many requests" in attempts[1]["error"]["message"]
    # Stripe asked for two seconds after each 429; the shop waited at least that long.
    posts = charge_posts(stripe, order_id)
    for answered_429, retry in zip(posts[1:], posts[2:]):
        assert retry["time"] - answered_429["time"] >= 1.9
