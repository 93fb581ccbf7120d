"""The outbox worker as a storefront and a shop owner see it: orders move through
payment -> stock + invoice -> confirmation email in the background, failures
retry, and a job that dies tells the customer and the team."""

from datetime import datetime, timedelta

import pytest

from shop import order, wait_for
from webhook_receiver import WebhookReceiver
from worker_helpers import attachments, attempts, job, mails_to, read_mail, stock, text_of


@pytest.mark.sanitize
def test_demo_order_completes_with_one_confirmation_email_carrying_its_invoice(shop):
    before = stock(shop, "MUG-01")
    r = shop.post_order(order(qty=2))
    assert r.status == 202, r
    order_id = r.json()["id"]

    done = shop.wait_for_status(order_id, "completed")
    assert {name: (s["state"], s["attempts"]) for name, s in done["steps"].items()} == {
        "payment": ("done", 1), "inventory": ("done", 1), "invoice": ("done", 1), "email": ("done", 1)}
    number = done["steps"]["invoice"]["number"]
    assert number == "INV-000001"

    mails = shop.mails()
    assert len(mails) == 1
    msg = read_mail(mails[0])
    assert [a.addr_spec for a in msg["To"].addresses] == ["ann@example.com"]
    assert number in msg["Subject"]
    assert order_id in text_of(msg)
    [(filename, content_type, data)] = attachments(msg)
    assert (filename, content_type) == (f"{number}.pdf", "application/pdf")
    assert data.startswith(b"%PDF-")

    invoice = shop.get(f"/orders/{order_id}/invoice")
    assert invoice.status == 200 and invoice.headers["content-type"] == "application/pdf"
    assert invoice.body == data
    # The export folder gets the same bytes, written right after the invoice's commit.
    exported = shop.invoice_dir() / f"{number}.pdf"
    wait_for(lambda: exported.exists() and exported.read_bytes() == data, message="the exported copy")
    # The reservation became a sale: the stock stays down by what was bought.
    assert stock(shop, "MUG-01") == before - 2


def test_transient_payment_failures_retry_until_the_order_completes(shop):
    order_id = shop.post_order(order(token="pm_card_transient")).json()["id"]

    done = shop.wait_for_status(order_id, "completed")
    assert (done["steps"]["payment"]["state"], done["steps"]["payment"]["attempts"]) == ("done", 3)
    payment = job(shop, order_id, "payment.charge")
    rows = attempts(shop, payment["id"])
    assert [(a["attempt"], a["outcome"]) for a in rows] == [(1, "transient"), (2, "transient"), (3, "ok")]
    for a in rows[:2]:
        assert a["error_code"] == "test_transient"
        assert a["provider_status"] == 503
        assert a["finished_at"] >= a["started_at"]
    # Each retry waited for its backoff: it started after the previous attempt ended.
    assert rows[1]["started_at"] >= rows[0]["finished_at"]
    assert rows[2]["started_at"] >= rows[1]["finished_at"]

    detail = shop.admin("GET", f"/admin/jobs/{payment['id']}")
    assert detail.status == 200, detail
    assert [a["error"]["code"] if a["error"] else None for a in detail.json()["job_attempts"]] == [
        "test_transient", "test_transient", None]
    assert len(mails_to(shop, "ann@example.com")) == 1


@pytest.mark.sanitize
def test_declined_card_marks_order_payment_failed_releases_stock_and_tells_customer_and_team(shop):
    before = stock(shop, "TEE-01")
    r = shop.post_order(order(sku="TEE-01", qty=3, token="pm_card_chargeDeclined"))
    assert r.status == 202, r
    order_id = r.json()["id"]
    # Reserved at intake, in the order's own transaction (the decline may already have given it back).
    [reserve] = shop.query("SELECT sku, qty_delta FROM stock_ledger WHERE order_id = ? AND reason = 'reserve'", order_id)
    assert (reserve["sku"], reserve["qty_delta"]) == ("TEE-01", -3)

    shop.wait_for_status(order_id, "payment_failed")
    wait_for(lambda: stock(shop, "TEE-01") == before, message="stock to be released")
    wait_for(lambda: mails_to(shop, "ann@example.com") and mails_to(shop, "team@shop.test"),
             message="the customer's and the team's emails")
    final = wait_for(lambda: (lambda o: o if o["steps"]["email"]["state"] == "done" else None)(
        shop.order_status(order_id)), message="the failure email step to be done")
    assert final["status"] == "payment_failed"
    assert final["steps"]["payment"]["state"] == "dead"
    assert final["steps"]["payment"]["attempts"] == 1  # a decline is never retried
    assert final["steps"]["invoice"]["state"] == "skipped"  # it will never run
    assert shop.get(f"/orders/{order_id}/invoice").status == 404

    [customer] = mails_to(shop, "ann@example.com")
    assert "payment failed" in customer["Subject"].lower()
    body = text_of(customer)
    assert "Your card was declined." in body
    assert order_id in body

    [alert] = wait_for(lambda: mails_to(shop, "team@shop.test"), message="the team alert")
    assert order_id in alert["Subject"] and "payment.charge" in alert["Subject"]
    record = text_of(alert)
    assert order_id in record
    assert "payment.charge" in record
    assert "#1" in record and "card_declined" in record and "Your card was declined." in record
    assert "402" in record  # the provider's status
    assert "src/providers/" in record  # where the error was raised
    # Nothing was invoiced and nothing else died.
    assert shop.query("SELECT count(*) AS n FROM invoices")[0]["n"] == 0
    assert [r["kind"] for r in shop.query("SELECT kind FROM dead_jobs")] == ["payment.charge"]


def test_email_that_keeps_failing_ends_in_needs_attention_with_every_attempt_in_the_alert(shop_factory):
    hook = WebhookReceiver()
    try:
        shop = shop_factory(config={"retry": {"email": {"max_attempts": 2}},
                                    "alerts": {"webhook_url": hook.url, "email": ""}})
        # The mail folder becomes unusable (a regular file in its place): every send fails.
        mail_dir = shop.mail_dir()
        mail_dir.rmdir()
        mail_dir.write_text("not a folder\n")

        order_id = shop.post_order(order()).json()["id"]
        failed = shop.wait_for_status(order_id, "needs_attention")
        assert failed["steps"]["payment"]["state"] == "done"
        assert failed["steps"]["invoice"]["state"] == "done"
        assert failed["steps"]["email"]["state"] == "dead"
        assert failed["steps"]["email"]["attempts"] == 2

        [alert] = hook.wait_for(1)
        text = alert["text"]
        assert order_id in text
        assert "email.confirmation" in text
        assert "2 of 2 attempts" in text
        assert "#1" in text and "#2" in text
        assert text.count("mail_write_failed") == 2
        dead = job(shop, order_id, "email.confirmation")
        assert [a["outcome"] for a in attempts(shop, dead["id"])] == ["transient", "transient"]
        assert dead["id"] in text  # how to retry it

        # The owner fixes the folder and retries the job: the order completes.
        mail_dir.unlink()
        mail_dir.mkdir()
        r = shop.admin("POST", f"/admin/jobs/{dead['id']}/retry")
        assert r.status == 200, r
        shop.wait_for_status(order_id, "completed")
        assert len(mails_to(shop, "ann@example.com")) == 1
    finally:
        hook.stop()


def test_an_alert_that_cannot_be_delivered_is_logged_critical_and_raises_no_further_alert(shop_factory):
    hook = WebhookReceiver()
    try:
        hook.fail_for(120, status=404)  # a deleted webhook: permanent
        shop = shop_factory(config={"alerts": {"webhook_url": hook.url, "email": ""}})
        order_id = shop.post_order(order(token="pm_card_chargeDeclined")).json()["id"]

        def alert_dead():
            rows = shop.query("SELECT state FROM outbox WHERE order_id = ? AND kind = 'alert.team'", order_id)
            return rows if rows and rows[0]["state"] == "dead" else None

        wait_for(alert_dead, message="the alert to die")
        wait_for(lambda: any(e.get("level") == "critical" and e.get("order_id") == order_id
                             for e in shop.log_entries()), message="a critical log line")
        wait_for(lambda: shop.order_status(order_id)["steps"]["email"]["state"] == "done",
                 message="the customer email")
        assert shop.order_status(order_id)["status"] == "payment_failed"
        assert len(shop.query("SELECT id FROM outbox WHERE kind = 'alert.team'")) == 1
        assert len(hook.requests) >= 1 and not hook.bodies
    finally:
        hook.stop()


def test_an_idle_worker_picks_up_each_new_order(shop):
    # Each order arrives while the worker has nothing to do. The writer's
    # signal after the intake commit wakes it; a test cannot tell that signal
    # from the worker's fallback look every tick without timing it, so this
    # only checks that idle never means stuck.
    first = shop.post_order(order(qty=1)).json()["id"]
    shop.wait_for_status(first, "completed")
    second = shop.post_order(order(qty=1)).json()["id"]
    done = shop.wait_for_status(second, "completed")
    assert done["steps"]["invoice"]["number"] == "INV-000002"


def test_a_providers_retry_after_is_honoured_before_the_next_attempt(shop_factory):
    hook = WebhookReceiver()
    try:
        # Rate limited once, asking for 2 s; our own backoff alone would retry within 0.05 s.
        hook.fail_next(1, status=429, retry_after=2)
        shop = shop_factory(config={"retry": {"alert": {"base_seconds": 0.05, "max_seconds": 10}},
                                    "alerts": {"webhook_url": hook.url, "email": ""}})
        order_id = shop.post_order(order(token="pm_card_chargeDeclined")).json()["id"]
        hook.wait_for(1, timeout=15)

        alert = job(shop, order_id, "alert.team")
        wait_for(lambda: job(shop, order_id, "alert.team")["state"] == "done", message="the alert to be done")
        rows = attempts(shop, alert["id"])
        assert [(a["outcome"], a["provider_status"]) for a in rows] == [("transient", 429), ("ok", None)]
        waited = iso_time(rows[1]["started_at"]) - iso_time(rows[0]["finished_at"])
        assert waited >= timedelta(seconds=2), waited
    finally:
        hook.stop()


def iso_time(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
