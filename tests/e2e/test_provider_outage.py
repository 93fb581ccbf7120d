"""A provider outage: Stripe cannot be reached at all for a while. Attempts
that get no answer use up none of max_attempts, so orders wait the outage out
and complete once Stripe is back; nobody is told their card was declined.
Only an outage longer than [retry] unreachable_seconds gives up, and then
without telling the customer anything untrue or selling their stock."""

from shop import order, post_orders, wait_for
from side_effect_helpers import CUSTOMER, TEAM, charges_for, live, mails_to, text_of
from worker_helpers import attempts, job, stock

# Two answered attempts would be all a payment gets; the outage lasts far
# longer than two quick retries.
OUTAGE = {"retry": {"payment": {"max_attempts": 2, "base_seconds": 0.05, "max_seconds": 0.2,
                                "unreachable_seconds": 120}}}


def payments_unanswered_at_least(shop, order_ids, n):
    rows = shop.query("SELECT order_id, state, attempts, unreachable_attempts FROM outbox "
                      "WHERE kind = 'payment.charge'")
    return (len(rows) == len(order_ids) and all(r["unreachable_attempts"] >= n for r in rows)
            and all((r["state"], r["attempts"]) in (("retrying", 0), ("running", 1)) for r in rows))


def test_orders_placed_while_stripe_refuses_connections_complete_once_it_is_back_and_nobody_hears_declined(
        shop_factory, stripe, sink):
    shop = shop_factory(**live(stripe, sink, config=OUTAGE))
    stripe.stop_listening()
    order_ids = post_orders(shop, 5)

    # Each payment has tried twice as often as max_attempts allows, and not one attempt counted.
    wait_for(lambda: payments_unanswered_at_least(shop, order_ids, 4), message="payments to retry through the outage")
    for order_id in order_ids:
        o = shop.order_status(order_id)
        assert o["status"] == "received" and o["steps"]["payment"]["state"] in ("retrying", "running"), o
    assert sink.messages == []

    stripe.listen_again()
    for order_id in order_ids:
        shop.wait_for_status(order_id, "completed")
        assert len(charges_for(stripe, order_id)) == 1
        payment = job(shop, order_id, "payment.charge")
        tried = attempts(shop, payment["id"])
        assert [a["outcome"] for a in tried[:-1]] == ["unreachable"] * (len(tried) - 1) and tried[-1]["outcome"] == "ok"
        assert {a["error_code"] for a in tried[:-1]} == {"connect_failed"}

    shop.wait_until_idle()
    assert shop.query("SELECT kind FROM outbox WHERE kind IN ('inventory.release', 'email.payment_failed', "
                      "'alert.team')") == []
    mails = mails_to(sink, CUSTOMER)
    assert len(mails) == len(order_ids)
    for mail in mails:
        assert "payment failed" not in mail["Subject"].lower()
        assert "declined" not in text_of(mail).lower()


def test_a_payment_stripe_never_answered_within_unreachable_seconds_waits_for_the_owner_with_its_stock_held(
        shop_factory, stripe, sink, hook):
    shop = shop_factory(**live(stripe, sink, hook, config={
        "retry": {"payment": {"base_seconds": 0.05, "max_seconds": 0.2, "unreachable_seconds": 1}}}))
    stripe.stop_listening()
    order_id = shop.post_order(order(sku="TEE-01", qty=2)).json()["id"]

    o = shop.wait_for_status(order_id, "needs_attention")
    assert o["steps"]["payment"]["state"] == "dead"
    # It may have been charged for all shopd knows: the stock stays with the
    # order and the customer is told nothing untrue.
    assert stock(shop, "TEE-01") == 10 - 2
    [alert] = hook.wait_for(1)
    assert order_id in alert["text"] and "could not be reached" in alert["text"]
    assert "may or may not have happened" in alert["text"]
    wait_for(lambda: mails_to(sink, TEAM), message="the team's alert email")
    shop.wait_until_idle()
    assert mails_to(sink, CUSTOMER) == []
    assert shop.query("SELECT kind FROM outbox WHERE order_id = ? AND kind IN "
                      "('inventory.release', 'email.payment_failed')", order_id) == []

    # Stripe is back; the owner retries, as the alert says, and the order completes with one charge.
    stripe.listen_again()
    payment = job(shop, order_id, "payment.charge")
    retried = shop.cli("jobs", "retry", payment["id"])
    assert retried.returncode == 0, retried.stderr
    shop.wait_for_status(order_id, "completed")
    assert len(charges_for(stripe, order_id)) == 1
    assert stock(shop, "TEE-01") == 10 - 2
    [confirmation] = wait_for(lambda: mails_to(sink, CUSTOMER), message="the confirmation")
    assert "payment failed" not in confirmation["Subject"].lower()
