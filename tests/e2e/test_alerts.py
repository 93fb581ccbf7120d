"""When something dies, people hear of it: the customer by email, the team in
its chat (an incoming webhook on loopback) and by email (an SMTP sink), with
the provider's own words, so the owner can act without opening a shell."""

import re


from shop import order, wait_for
from side_effect_helpers import CUSTOMER, TEAM, charge_posts, live, mails_to, text_of
from worker_helpers import stock

# Quick alert retries, enough of them to outlast a webhook outage.
PATIENT_ALERTS = {"retry": {"alert": {"max_attempts": 20, "base_seconds": 0.05, "max_seconds": 0.2}}}


def job_detail(shop, order_id, kind):
    [row] = shop.query("SELECT id FROM outbox WHERE order_id = ? AND kind = ?", order_id, kind)
    detail = shop.admin("GET", f"/admin/jobs/{row['id']}")
    assert detail.status == 200, detail
    return detail.json()


def test_a_declined_card_fails_the_order_releases_stock_and_tells_customer_and_team_with_stripes_words(
        shop_factory, stripe, sink, hook):
    shop = shop_factory(**live(stripe, sink, hook))
    before = stock(shop, "TEE-01")
    r = shop.post_order(order(sku="TEE-01", qty=2, token="pm_card_chargeDeclined"))
    assert r.status == 202, r
    order_id = r.json()["id"]

    shop.wait_for_status(order_id, "payment_failed")
    wait_for(lambda: stock(shop, "TEE-01") == before, message="the reserved stock to be released")
    assert len(charge_posts(stripe, order_id)) == 1  # a decline is final: no retry
    assert stripe.charges == []

    # The customer learns what happened, in Stripe's words, and what to do.
    wait_for(lambda: mails_to(sink, CUSTOMER), message="the payment-failed email")
    [failed] = mails_to(sink, CUSTOMER)
    assert "payment failed" in failed["Subject"].lower()
    body = text_of(failed)
    assert "Your card was declined." in body
    assert order_id in body
    assert not list(failed.iter_attachments())

    # The team's chat gets one Slack-style message with the failure record.
    [alert] = hook.wait_for(1)
    assert isinstance(alert["text"], str)
    text = alert["text"]
    for expected in (order_id, "payment.charge", "Your card was declined.", "card_declined"):
        assert expected in text, f"{expected!r} missing from the alert:\n{text}"
    assert re.search(r"status\W+402\b", text), f"Stripe's HTTP status missing from the alert:\n{text}"
    payment = job_detail(shop, order_id, "payment.charge")
    assert payment["state"] == "dead"
    assert payment["id"] in text  # the job to retry

    # And the same record by email to alerts.email.
    wait_for(lambda: mails_to(sink, TEAM), message="the team's alert email")
    [team_mail] = mails_to(sink, TEAM)
    assert order_id in team_mail["Subject"] and "payment.charge" in team_mail["Subject"]
    team_text = text_of(team_mail)
    for expected in (order_id, "Your card was declined.", payment["id"]):
        assert expected in team_text, f"{expected!r} missing from the alert email:\n{team_text}"
    assert re.search(r"status\W+402\b", team_text), team_text

    final = wait_for(lambda: (lambda o: o if o["steps"]["email"]["state"] == "done" else None)(
        shop.order_status(order_id)), message="the payment-failed email step to be done")
    assert final["status"] == "payment_failed"
    assert len(hook.bodies) == 1 and len(sink.messages) == 2


def test_an_alert_the_webhook_refuses_for_a_while_is_retried_until_the_team_gets_it(shop_factory, stripe, sink, hook):
    shop = shop_factory(**live(stripe, sink, hook, config=PATIENT_ALERTS))
    hook.fail_next(3, status=500)
    order_id = shop.post_order(order(token="pm_card_chargeDeclined")).json()["id"]

    [alert] = hook.wait_for(1)
    assert order_id in alert["text"] and "payment.charge" in alert["text"]
    assert [r["status"] for r in hook.requests] == [500, 500, 500, 200]
    wait_for(lambda: job_detail(shop, order_id, "alert.team")["state"] == "done", message="the alert job to be done")
    attempts = job_detail(shop, order_id, "alert.team")["job_attempts"]
    assert [a["outcome"] for a in attempts] == ["transient"] * 3 + ["ok"]
    assert [a["error"]["provider_status"] for a in attempts[:3]] == [500] * 3
    # The email copy goes out once, after the webhook took the alert.
    assert len(mails_to(sink, TEAM)) == 1


def test_a_relay_that_rejects_the_confirmation_marks_the_order_for_attention_and_alerts_the_team(
        shop_factory, stripe, sink, hook):
    shop = shop_factory(**live(stripe, sink, hook))
    sink.set_reply("550 5.1.1 Mailbox unavailable", count=1)  # only the customer's confirmation
    order_id = shop.post_order(order()).json()["id"]

    o = shop.wait_for_status(order_id, "needs_attention")
    assert o["steps"]["payment"]["state"] == "done" and o["steps"]["email"]["state"] == "dead"
    confirmation = job_detail(shop, order_id, "email.confirmation")
    assert [a["error"]["provider_status"] for a in confirmation["job_attempts"]] == [550]  # permanent: not retried

    [alert] = hook.wait_for(1)
    for expected in (order_id, "email.confirmation", confirmation["id"]):
        assert expected in alert["text"], f"{expected!r} missing from the alert:\n{alert['text']}"
    assert re.search(r"status\W+550\b", alert["text"]), alert["text"]
    wait_for(lambda: mails_to(sink, TEAM), message="the team's alert email")
    assert mails_to(sink, CUSTOMER) == []


def test_a_wrong_stripe_key_alerts_the_team_but_never_shows_the_customer_stripes_internal_error(
        shop_factory, stripe, sink, hook):
    args = live(stripe, sink, hook)
    args["env"]["STRIPE_SECRET_KEY"] = "sk_test_not_the_shops_key"
    shop = shop_factory(**args)
    order_id = shop.post_order(order()).json()["id"]

    shop.wait_for_status(order_id, "payment_failed")
    assert stripe.charges == []
    [alert] = hook.wait_for(1)
    assert "Invalid API Key provided" in alert["text"]
    assert "not_the_shops_key" not in alert["text"]  # Stripe echoes the key; the team never sees it
    assert re.search(r"status\W+401\b", alert["text"]), alert["text"]

    # The customer hears that the payment did not go through, not what is wrong inside the shop.
    wait_for(lambda: mails_to(sink, CUSTOMER), message="the payment-failed email")
    [failed] = mails_to(sink, CUSTOMER)
    body = text_of(failed)
    assert order_id in body
    assert "API Key" not in body and "401" not in body, body
    assert "API Key" not in failed.get_body(preferencelist=("html",)).get_content()


def test_an_alert_whose_email_copy_keeps_failing_reaches_the_chat_only_once(shop_factory, stripe, sink, hook):
    shop = shop_factory(**live(stripe, sink, hook, config={"retry": {"alert": {"max_attempts": 4}}}))
    sink.set_reply("451 4.3.0 Try again later")  # the relay defers every message, the team's copy too
    order_id = shop.post_order(order(token="pm_card_chargeDeclined")).json()["id"]

    wait_for(lambda: shop.query("SELECT 1 FROM outbox WHERE order_id = ? AND kind = 'alert.team' AND state = 'dead'",
                                order_id), message="the alert job to give up")
    # The customer's "payment failed" email dies too (the relay defers it) and
    # has an alert of its own: count the alerts about the payment.
    about_payment = [b for b in hook.bodies if "job payment.charge is dead" in b["text"]]
    assert len(about_payment) == 1, f"the team's chat got the same alert {len(about_payment)} times"
