"""Crashes, shutdowns and vanished workers: whatever happens to the process,
every accepted order completes, and nothing that can be deduplicated happens
twice (one invoice number per order, gapless; one confirmation per order)."""

import collections
import re
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from shop import order, post_orders, wait_for
from worker_helpers import attempts, job, mails_to, stock, text_of

# A lease far longer than any test: only the restart itself can bring back a
# job the previous process held, so a test cannot pass by waiting the lease out.
SLOW_PAYMENTS = {"payment": {"test_latency_ms": 1000}, "worker": {"concurrency": 4, "lease_seconds": 600}}


def running_jobs(shop):
    return shop.query("SELECT id, order_id, kind FROM outbox WHERE state = 'running'")


def assert_every_order_completed_exactly_once(shop, order_ids):
    for order_id in order_ids:
        shop.wait_for_status(order_id, "completed", timeout=30)

    invoices = shop.query("SELECT order_id, seq, number, pdf FROM invoices ORDER BY seq")
    assert [i["seq"] for i in invoices] == list(range(1, len(order_ids) + 1))
    assert [i["number"] for i in invoices] == [f"INV-{n:06d}" for n in range(1, len(order_ids) + 1)]
    assert sorted(i["order_id"] for i in invoices) == sorted(order_ids)
    for i in invoices:  # the database holds every document (the export folder is a best-effort copy)
        assert bytes(i["pdf"]).startswith(b"%PDF-")

    confirmations = collections.Counter()
    for msg in mails_to(shop, "ann@example.com"):
        found = re.search(r"Order: (\S+)", text_of(msg))
        assert found, msg["Subject"]
        confirmations[found.group(1)] += 1
    assert confirmations == collections.Counter({order_id: 1 for order_id in order_ids})
    assert shop.query("SELECT count(*) AS n FROM outbox WHERE state <> 'done'")[0]["n"] == 0


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def test_orders_in_flight_at_a_crash_all_complete_after_restart_with_gapless_invoices_and_one_email_each(
        shop_factory):
    shop = shop_factory(config=SLOW_PAYMENTS)
    order_ids = post_orders(shop, 16)
    wait_for(lambda: shop.query("SELECT 1 FROM outbox WHERE kind = 'payment.charge' AND state = 'done'")
             and running_jobs(shop), message="some payments done and others in flight")

    shop.kill()
    in_flight = running_jobs(shop)  # what the database says was running when the process died
    assert in_flight, "nothing was in flight at the crash; the test proves nothing"

    shop.start()
    assert_every_order_completed_exactly_once(shop, order_ids)
    for j in in_flight:
        rows = attempts(shop, j["id"])
        assert rows[0]["outcome"] == "interrupted", rows
        assert rows[-1]["outcome"] == "ok", rows
    # Every unit sold once: the stock went down by exactly one per order.
    assert stock(shop, "MUG-01") == 50 - len(order_ids)


@pytest.mark.sanitize
def test_sigterm_past_the_shutdown_deadline_exits_0_and_every_order_completes_after_restart(shop_factory):
    shop = shop_factory(config={**SLOW_PAYMENTS, "worker": {**SLOW_PAYMENTS["worker"], "shutdown_grace_seconds": 0}})
    order_ids = post_orders(shop, 8)
    wait_for(lambda: len(running_jobs(shop)) >= 2, message="payments in flight")

    shop.stop()  # asserts exit code 0
    # Nothing is left running: the jobs cut short went back to the queue.
    assert running_jobs(shop) == []
    assert shop.query("SELECT count(*) AS n FROM job_attempts WHERE outcome = 'running'")[0]["n"] == 0
    released = shop.query("SELECT DISTINCT job_id FROM job_attempts WHERE outcome = 'interrupted'")
    assert released, "no job was running at SIGTERM; the test proves nothing"

    shop.start()
    assert_every_order_completed_exactly_once(shop, order_ids)
    # An attempt cut short by a shutdown is not held against the job.
    for order_id in order_ids:
        assert shop.order_status(order_id)["steps"]["payment"]["attempts"] == 1


def test_sigterm_lets_running_jobs_finish_before_exiting(shop_factory):
    shop = shop_factory(config=SLOW_PAYMENTS)
    order_ids = post_orders(shop, 4)
    wait_for(lambda: len(running_jobs(shop)) == 4, message="four payments in flight")
    in_flight = running_jobs(shop)

    shop.stop()  # default grace: 10 s, far more than a 1 s payment
    for j in in_flight:
        finished = job(shop, j["order_id"], "payment.charge")
        assert finished["state"] == "done" and finished["attempts"] == 1
        assert attempts(shop, j["id"]) == []  # a first attempt that succeeded needs no attempt row

    shop.start()
    assert_every_order_completed_exactly_once(shop, order_ids)


def test_a_job_whose_worker_vanished_runs_again_once_its_lease_expires(shop_factory):
    shop = shop_factory(config={"payment": {"test_latency_ms": 1500}, "worker": {"concurrency": 1}})
    first = shop.post_order(order(qty=1)).json()["id"]
    wait_for(lambda: job(shop, first, "payment.charge")["state"] == "running", message="the first payment to run")
    second = shop.post_order(order(qty=1)).json()["id"]  # waits: the only slot is busy
    payment = job(shop, second, "payment.charge")

    # Another worker claims the second payment and then vanishes without a trace.
    now = datetime.now(timezone.utc)
    lease_end = now + timedelta(seconds=2)
    with sqlite3.connect(shop.db_path, timeout=10) as db:
        claimed = db.execute(
            "UPDATE outbox SET state = 'running', attempts = attempts + 1, lease_owner = 'vanished-worker', "
            "lease_token = 'vanished-token', locked_until = ?, updated_at = ? WHERE id = ? AND state = 'pending'",
            (iso(lease_end), iso(now), payment["id"])).rowcount
        assert claimed == 1, "the shop took the job before the test could; the test proves nothing"
    db.close()

    shop.wait_for_status(second, "completed")
    rows = attempts(shop, payment["id"])
    assert [a["outcome"] for a in rows] == ["interrupted", "ok"]
    # Not taken away from its worker while the lease held.
    assert rows[0]["finished_at"] >= iso(lease_end)
    assert rows[1]["started_at"] >= iso(lease_end)
    shop.wait_for_status(first, "completed")
