"""Resource ceilings: however much work piles up, shopd's threads and memory
stay what its configuration allows, and a flood it cannot queue is told to
come back later rather than slowing everyone down."""

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from fault_helpers import accepted_ids, buy, stored_names
from fixtures import STRIPE_KEY
from shop import wait_for

pytestmark = pytest.mark.timeout(300)

MB = 1 << 20


def threads_but_connections(shop) -> int:
    """shopd's threads, less the ones serving HTTP connections ("shopd-http": one per open
    connection, bounded by server.max_connections and by how many clients connect, not by the work)."""
    n = 0
    for task in Path(f"/proc/{shop.proc.pid}/task").iterdir():
        try:
            n += (task / "comm").read_text().strip() != "shopd-http"
        except OSError:
            pass  # a thread that ended meanwhile
    return n


class Sampler:
    """Samples shopd's threads and resident memory every 0.2 s, and its connections to
    `port` every second (/proc/net/tcp is long after thousands of requests), until stopped."""

    def __init__(self, shop, port: int):
        self.shop = shop
        self.port = port
        self.threads: list[int] = []
        self.rss: list[int] = []
        self.connections: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        tick = 0
        while not self._stop.is_set():
            self.threads.append(threads_but_connections(self.shop))
            self.rss.append(self.shop.rss_bytes())
            if tick % 5 == 0:
                self.connections.append(self.shop.connections_to(self.port))
            tick += 1
            self._stop.wait(0.2)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(10)


CLIENTS = 4  # the storefront's connections at once


def post_many(shop, prefix: str, n: int, clients: int = CLIENTS) -> list:
    with ThreadPoolExecutor(max_workers=clients) as pool:
        return list(pool.map(lambda i: buy(shop, f"{prefix} {i}"), range(n)))


def payments_waiting(shop) -> int:
    return shop.query("SELECT count(*) AS n FROM outbox WHERE kind = 'payment.charge' "
                      "AND state IN ('pending', 'retrying', 'running')")[0]["n"]


def test_ten_thousand_due_payments_and_a_hanging_provider_keep_threads_and_memory_within_the_configured_concurrency(
        shop_factory, stripe):
    concurrency = 8
    stripe.set_mode("hang", hang_seconds=600)  # answers nothing; shopd gives up after timeout_seconds
    shop = shop_factory(
        {"payment": {"provider": "stripe", "api_base": stripe.url, "timeout_seconds": 1},
         "worker": {"concurrency": concurrency},
         "retry": {"base_seconds": 0.5, "max_seconds": 5, "unreachable_seconds": 3600},
         "products": [{"sku": "MUG-01", "name": "Coffee mug", "price_cents": 1200, "stock": 20000}]},
        env={"STRIPE_SECRET_KEY": STRIPE_KEY})
    # Every executor busy with a hanging charge: what the configuration allows.
    warm_up = post_many(shop, "first", 100)
    wait_for(lambda: stripe.max_concurrent == concurrency, message="every executor to be waiting on the provider")
    threads_busy, rss_busy = threads_but_connections(shop), shop.rss_bytes()

    with Sampler(shop, stripe.port) as sample:
        flood = post_many(shop, "order", 9900)
        # A few more rounds of timeouts and retries with all of it due.
        calls = len(stripe.posts())
        wait_for(lambda: len(stripe.posts()) >= calls + 3 * concurrency, timeout=30,
                 message="more charges to time out with the backlog in place")

    answers = warm_up + flood
    assert all(a.status == 202 for a in answers), {a.status for a in answers}
    assert payments_waiting(shop) == 10000
    # Not one thread more for a hundred times the work (the storefront's connections have
    # their own, see test_front_door.py), and no memory that grows with the backlog.
    # A connection thread is named a moment after it starts, so a sample may count
    # one per client that is just connecting: CLIENTS at most, however long the backlog.
    assert max(sample.threads) <= threads_busy + CLIENTS, (threads_busy, max(sample.threads))
    assert max(sample.rss) - rss_busy < 16 * MB, (rss_busy / MB, max(sample.rss) / MB)
    # Never more calls to the provider at once than there are executors (fewer in a
    # sample taken while some of them were between a timeout and their next call).
    assert 0 < max(sample.connections) <= concurrency, sample.connections
    metrics = shop.get("/metrics").body.decode()
    in_flight = next(float(line.split()[1]) for line in metrics.splitlines()
                     if line.startswith("shopd_worker_jobs_in_flight "))
    assert in_flight <= concurrency


def test_a_flood_of_orders_past_max_queued_writes_gets_429_with_retry_after_and_every_accepted_order_completes(
        shop_factory):
    shop = shop_factory({"server": {"max_queued_writes": 1, "threads": 32}, "worker": {"concurrency": 4},
                         "products": [{"sku": "MUG-01", "name": "Coffee mug", "price_cents": 1200, "stock": 10000}]})
    clients = 48
    start = threading.Barrier(clients)

    def customer(i):
        start.wait(timeout=30)
        return [buy(shop, f"flood {i}.{k}") for k in range(3)]

    with ThreadPoolExecutor(max_workers=clients) as pool:
        answers = [a for batch in pool.map(customer, range(clients)) for a in batch]

    refused = [a for a in answers if a.status != 202]
    assert refused, "the flood never filled the write queue"
    for a in refused:
        assert a.status == 429, a.response
        assert a.response.json()["error"]["code"] == "rate_limited"
        assert int(a.response.headers["retry-after"]) >= 1
    accepted = [a for a in answers if a.status == 202]
    assert accepted
    names = stored_names(shop)
    assert {a.name for a in answers if a.name in names} == {a.name for a in accepted}
    for order_id in accepted_ids(accepted):
        shop.wait_for_status(order_id, "completed", timeout=60)
