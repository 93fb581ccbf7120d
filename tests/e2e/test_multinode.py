"""Several shopd nodes on one PostgreSQL database (SPEC section 7): each takes
orders and runs jobs, a job runs on one node at a time, a node that dies has
its jobs rescued by the others once its lease expired, and what the single
SQLite writer guaranteed still holds across nodes: one charge per order,
gapless invoice numbers, stock never oversold, one order per Idempotency-Key."""

from __future__ import annotations

import collections
import re
import threading

import pytest

from shop import OrderStream, order, wait_for
from side_effect_helpers import CUSTOMER, charges_for, live, mails_to, text_of

pytestmark = pytest.mark.postgres_only

# A short lease: a killed node's jobs run again on the others after it.
NODE_CONFIG = {"worker": {"concurrency": 4, "lease_seconds": 3},
               "retry": {"payment": {"max_attempts": 30, "base_seconds": 0.1, "max_seconds": 0.5}}}


def start_nodes(shop_factory, n, config=None, env=None):
    """n shopd processes on one new database, each with its own folder and port."""
    first = shop_factory(config=config, env=env, subdir="node0")
    return [first] + [shop_factory(config=config, env=env, subdir=f"node{i}", database_url=first.database_url)
                      for i in range(1, n)]


def owner_of(node) -> str:
    """The node's worker id, as it appears in outbox.lease_owner."""
    return next(e["owner"] for e in node.log_entries() if e["msg"] == "worker started")


def race(calls):
    """Runs the calls at the same instant, one thread each; returns their results in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_three_nodes_under_load_lose_nothing_when_one_is_killed_mid_flight(shop_factory, stripe, sink):
    stock = 100000
    config = {**NODE_CONFIG, "products": [{"sku": "MUG-01", "name": "Coffee mug", "price_cents": 1200,
                                           "stock": stock}]}
    stripe.set_mode("slow", delay=0.3)  # charges are in flight most of the time
    nodes = start_nodes(shop_factory, 3, **live(stripe, sink, config=config))
    victim = nodes[2]
    victim_owner = owner_of(victim)

    streams = [OrderStream(node).__enter__() for node in nodes]
    try:
        wait_for(lambda: all(len(s.accepted) >= 5 for s in streams), timeout=30, message="every node taking orders")
        held = wait_for(lambda: victim.query("SELECT id FROM outbox WHERE state = 'running' AND lease_owner = ?",
                                             victim_owner), timeout=30, message="jobs running on the victim")
        victim.kill()
        before = len(streams[0].accepted) + len(streams[1].accepted)
        wait_for(lambda: len(streams[0].accepted) + len(streams[1].accepted) >= before + 10, timeout=30,
                 message="the other nodes to keep taking orders")
    finally:
        for s in streams:
            s.__exit__(None, None, None)
    stripe.set_mode("ok")
    for s in streams:
        assert not s.failures, s.failures[:3]
    survivor = nodes[0]
    survivor.wait_until_idle(timeout=60, message="every job, the victim's included, to finish")

    # Every 202 is stored and completed, and so is any order whose answer the kill cut off.
    accepted = [i for s in streams for i in s.accepted]
    orders = {r["id"]: r["status"] for r in survivor.query("SELECT id, status FROM orders")}
    assert set(accepted) <= set(orders)
    assert set(orders.values()) == {"completed"}, collections.Counter(orders.values())
    # The victim's jobs were taken over after their lease, with the cut-off attempt on record.
    for j in held:
        outcomes = [a["outcome"] for a in survivor.query(
            "SELECT outcome FROM job_attempts WHERE job_id = ? ORDER BY started_at", j["id"])]
        assert outcomes[0] == "interrupted" and outcomes[-1] == "ok", (j, outcomes)
    # One charge per order, whichever node (or nodes) ran its payment.
    for order_id in orders:
        assert len(charges_for(stripe, order_id)) == 1, order_id
    assert len(stripe.charges) == len(orders)
    # Invoice numbers 1..N across the nodes, one per order.
    invoices = survivor.query("SELECT order_id, seq, number FROM invoices ORDER BY seq")
    assert [i["seq"] for i in invoices] == list(range(1, len(orders) + 1))
    assert sorted(i["order_id"] for i in invoices) == sorted(orders)
    # Stock is conserved: what is on sale plus what was sold is what the shop started with.
    [mug] = survivor.query("SELECT on_sale, reserved, sold FROM stock_overview WHERE sku = 'MUG-01'")
    assert mug == {"on_sale": stock - len(orders), "reserved": 0, "sold": len(orders)}
    # Every order's confirmation went out (a resent one carries the same Message-ID).
    ids = collections.defaultdict(set)
    for msg in mails_to(sink, CUSTOMER):
        ids[re.search(r"Order: (\S+)", text_of(msg)).group(1)].add(msg["Message-ID"])
    assert {k: len(v) for k, v in ids.items()} == {order_id: 1 for order_id in orders}
    # The work was shared: each surviving node ran jobs.
    for node in nodes[:2]:
        assert any(e["msg"] == "job done" for e in node.log_entries()), node.dir


def test_two_nodes_racing_for_the_last_unit_sell_it_once(shop_factory):
    skus = [f"LAST-{i:02d}" for i in range(15)]
    config = {"products": [{"sku": s, "name": "Last one", "price_cents": 500, "stock": 1} for s in skus]}
    a, b = start_nodes(shop_factory, 2, config=config)
    for sku in skus:
        first, second = race([lambda n=n, s=sku: n.post_order(order(sku=s, qty=1)) for n in (a, b)])
        assert sorted([first.status, second.status]) == [202, 409], (sku, first, second)
        loser = first if first.status == 409 else second
        assert loser.json()["error"]["code"] == "out_of_stock"
    assert a.query("SELECT count(*) AS n FROM orders")[0]["n"] == len(skus)
    assert {p["sku"]: p["stock"] for p in b.get_json("/products")["data"]} == {s: 0 for s in skus}


def test_one_idempotency_key_sent_to_two_nodes_at_once_creates_one_order(shop_factory):
    a, b = start_nodes(shop_factory, 2)
    keys = [f"race-key-{i}" for i in range(15)]
    for key in keys:
        answers = race([lambda n=n: n.post_order(order(qty=1), headers={"Idempotency-Key": key}) for n in (a, b)])
        created = {r.json()["id"] for r in answers if r.status == 202}
        assert len(created) == 1, answers
        # The other node replayed the first answer, or said the key was still in use.
        for r in answers:
            assert r.status == 202 or (r.status == 409 and r.json()["error"]["code"] == "idempotency_key_in_use"), r
        # Asked again, either node replays the one order.
        again = b.post_order(order(qty=1), headers={"Idempotency-Key": key})
        assert again.status == 202 and again.headers.get("idempotent-replayed") == "true", again
        assert again.json()["id"] in created
    assert a.query("SELECT count(*) AS n FROM orders")[0]["n"] == len(keys)


def test_a_node_starting_next_to_a_busy_one_leaves_its_running_jobs_alone(shop_factory):
    config = {"payment": {"test_latency_ms": 3000}, "worker": {"lease_seconds": 30}}
    [busy] = start_nodes(shop_factory, 1, config=config)
    order_id = busy.post_order(order(qty=1)).json()["id"]
    wait_for(lambda: busy.query("SELECT 1 FROM outbox WHERE order_id = ? AND kind = 'payment.charge' "
                                "AND state = 'running'", order_id), message="the payment to run")
    late = shop_factory(config=config, subdir="late", database_url=busy.database_url)

    busy.wait_for_status(order_id, "completed")
    [payment] = busy.query("SELECT id, attempts FROM outbox WHERE order_id = ? AND kind = 'payment.charge'", order_id)
    assert payment["attempts"] == 1
    assert busy.query("SELECT outcome FROM job_attempts WHERE job_id = ?", payment["id"]) == []
    assert not any(e["msg"] == "job rescued" for e in late.log_entries())


def test_a_node_that_takes_an_order_wakes_the_other_nodes(shop_factory):
    import select

    import psycopg2

    [node] = start_nodes(shop_factory, 1, config={"payment": {"test_latency_ms": 600_000},
                                                  "worker": {"shutdown_grace_seconds": 0}})
    # What another node's listener sees: a NOTIFY on shopd_jobs carrying the sender's id.
    other = psycopg2.connect(node.database_url)
    try:
        other.autocommit = True
        with other.cursor() as cur:
            cur.execute("LISTEN shopd_jobs")
        order_id = node.post_order(order(qty=1)).json()["id"]

        def notified():
            if select.select([other], [], [], 0.05)[0]:
                other.poll()
            return other.notifies
        note = wait_for(notified, message="a NOTIFY on shopd_jobs")[0]
        assert note.payload
        # Whoever wakes on it finds the order's job.
        with other.cursor() as cur:
            cur.execute("SELECT count(*) FROM outbox WHERE order_id = %s", (order_id,))
            assert cur.fetchone()[0] == 1
    finally:
        other.close()
