#!/usr/bin/python3
"""shopd throughput and memory figures. Run with `make bench` (or /usr/bin/python3 bench/run.py).

Every figure is reported next to a baseline measured in the same invocation,
on the same machine, so that the ratios mean something on any machine:

  light       one client posting one order at a time while the worker runs:
              server time per POST /orders (p50, p99) from shopd's access log.
  intake      POST /orders answered per second (202) under a saturating load
              of several clients, and the share answered within 1 ms from
              shopd's own histogram. Baseline: the same rows (order, item,
              ledger, job) inserted by a bare SQLite client with one
              transaction per order on the same disk.
  full        the same intake with synchronous = "full", against "normal".
  drain       a backlog of orders completed per second by the worker with
              zero-latency test providers; baseline: bare SQLite writing the
              rows the worker writes (bench/drain.py).
  flash       a flash sale: 5 s payments, worker.concurrency = 500, 10,000
              orders posted at once: completions per second against the ideal
              100/s, intake server time while it runs, peak RSS (bench/drain.py).
  postgres    the intake run (intake, then orders completed per second) on
              PostgreSQL 15 with 1 and with 3 shopd nodes sharing one
              database (a throwaway cluster with PostgreSQL's durable
              defaults, started by this script); the clients are spread over
              the nodes. Against SQLite's intake run of the same invocation.

  http        POST /orders per second under wrk at 64, 256 and 1,000
              keep-alive connections, shopd with the shipped shop.toml against
              (a) a bare cpp-httplib server answering 202, (b) nginx answering
              202, (c) a bare SQLite client writing the same rows 64 orders per
              transaction: see bench/http_intake.py.

Load comes from several client processes with keep-alive connections (wrk for http).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
sys.path.insert(0, str(REPO / "tests"))
from shop import BASE_CONFIG, merge, to_toml  # noqa: E402

SHOPD = Path(os.environ.get("SHOPD_BIN", REPO / "shopd")).resolve()

ORDER = {
    "customer": {"email": "bench@example.com", "name": "Bench Customer"},
    "items": [{"sku": "MUG-01", "qty": 1}],
    "payment": {"token": "pm_card_visa"},
    "shipping_address": {"line1": "Hauptstrasse 5", "city": "Berlin", "postal_code": "10115", "country": "DE"},
}


class Server:
    def __init__(self, workdir: Path, overrides: dict):
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        config = merge(BASE_CONFIG, {
            "retry": {"max_attempts": 8, "base_seconds": 1, "max_seconds": 60},
            "products": [{"sku": "MUG-01", "name": "Coffee mug", "price_cents": 1200, "stock": 10_000_000}],
        })
        config = merge(config, overrides)
        self.overrides = overrides
        (self.dir / "shop.toml").write_text(to_toml(config))
        self.log = open(self.dir / "shopd.log", "wb")
        self.proc = subprocess.Popen([str(SHOPD), "--config", str(self.dir / "shop.toml")], stdout=self.log,
                                     stderr=subprocess.STDOUT, cwd=self.dir)
        self.port = self._wait_port()
        self.db = self.dir / "var" / "shop.db"

    def _wait_port(self) -> int:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            for line in (self.dir / "shopd.log").read_text(errors="replace").splitlines():
                if '"shopd started"' in line:
                    return json.loads(line)["port"]
            if self.proc.poll() is not None:
                raise SystemExit(f"shopd exited: {(self.dir / 'shopd.log').read_text()}")
            time.sleep(0.05)
        raise SystemExit("shopd did not start")

    def completed(self) -> int:
        url = self.config_url()
        if url:
            import psycopg2
            conn = psycopg2.connect(url)
            try:
                with conn.cursor() as cur:
                    cur.execute("select count(*) from orders where status = 'completed'")
                    return cur.fetchone()[0]
            finally:
                conn.close()
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=30) as c:
            return c.execute("select count(*) from orders where status = 'completed'").fetchone()[0]

    def config_url(self) -> str | None:
        """The PostgreSQL database this shop runs on, or None (SQLite)."""
        return self.overrides.get("database", {}).get("url") or None

    def rss_kib(self, field="VmRSS") -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        return 0

    def metrics(self) -> str:
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        c.request("GET", "/metrics")
        return c.getresponse().read().decode()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(120)
        self.log.close()


def _client(port: int, count: int, out):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = json.dumps(ORDER)
    ok = 0
    for _ in range(count):
        conn.request("POST", "/orders", body=body, headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        if r.status == 202:
            ok += 1
        if r.getheader("Connection", "").lower() == "close":
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    out.put(ok)


def post_orders(port: int | list[int], total: int, clients: int) -> tuple[int, float]:
    """Posts `total` orders from `clients` processes (spread over the ports of
    several nodes, round robin); returns (accepted, seconds)."""
    ports = port if isinstance(port, list) else [port]
    q: mp.Queue = mp.Queue()
    per = total // clients
    procs = [mp.Process(target=_client, args=(ports[i % len(ports)], per, q)) for i in range(clients)]
    start = time.perf_counter()
    for p in procs:
        p.start()
    accepted = sum(q.get() for _ in procs)
    for p in procs:
        p.join()
    return accepted, time.perf_counter() - start


def wait_completed(server: Server, n: int, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.completed() >= n:
            return time.perf_counter()
        time.sleep(0.05)
    raise SystemExit(f"only {server.completed()} of {n} orders completed in {timeout} s")


def intake_histogram(metrics: str) -> tuple[int, float]:
    """(count, share answered within 1 ms) of POST /orders from shopd's own histogram."""
    count = under_1ms = 0
    for line in metrics.splitlines():
        m = re.match(r'shopd_http_request_duration_seconds_bucket\{route="/orders",le="([^"]+)"\} (\d+)', line)
        if m and m.group(1) == "0.001":
            under_1ms = int(m.group(2))
        m = re.match(r'shopd_http_request_duration_seconds_count\{route="/orders"\} (\d+)', line)
        if m:
            count = int(m.group(1))
    return count, (under_1ms / count if count else 0.0)


def intake_latencies_ms(server: Server) -> list[float]:
    """Server time of every POST /orders, from shopd's access log."""
    out = []
    for line in (server.dir / "shopd.log").read_text(errors="replace").splitlines():
        if '"route":"/orders"' in line and '"msg":"request"' in line:
            out.append(json.loads(line)["duration_ms"])
    return sorted(out)


def percentile(sorted_values: list[float], p: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(p / 100 * len(sorted_values)))]


def bench_light(root: Path, orders: int) -> dict:
    """One client, one order at a time: the intake latency with the worker busy, and with it idle
    (payments that take longer than the run, so no job finishes and the worker writes nothing)."""
    server = Server(root / "light", {"worker": {"concurrency": 16}})
    try:
        accepted, seconds = post_orders(server.port, orders, 1)
        wait_completed(server, accepted, timeout=600)
        ms = intake_latencies_ms(server)
    finally:
        server.stop()
    idle = Server(root / "light-idle", {"worker": {"concurrency": 16, "shutdown_grace_seconds": 0},
                                        "payment": {"test_latency_ms": 600_000}})
    try:
        post_orders(idle.port, orders, 1)
        idle_ms = intake_latencies_ms(idle)
    finally:
        idle.stop()
    return {"accepted": accepted, "p50_ms": percentile(ms, 50), "p99_ms": percentile(ms, 99),
            "round_trip_ms": seconds / accepted * 1000, "idle_p50_ms": percentile(idle_ms, 50),
            "idle_p99_ms": percentile(idle_ms, 99)}


def sqlite_baseline(workdir: Path, n: int) -> float:
    """Transactions per second for the intake's rows, written by a bare SQLite client."""
    schema = (REPO / "schema.sql").read_text()
    db = workdir / "baseline.db"
    c = sqlite3.connect(db, isolation_level=None)
    c.execute("PRAGMA journal_mode=WAL")
    c.execute("PRAGMA synchronous=NORMAL")
    c.executescript(schema.split("-- migration: 1", 1)[1])
    now = "2026-11-28T00:00:00.000Z"
    c.execute("INSERT INTO products VALUES ('MUG-01','Mug',1200,100000000,?,?)", (now, now))
    start = time.perf_counter()
    for _ in range(n):
        oid = str(uuid.uuid4())
        c.execute("BEGIN IMMEDIATE")
        c.execute("INSERT INTO orders (id,total_cents,currency,customer_email,customer_name,ship_line1,ship_city,"
                  "ship_country,payment_method,created_at,updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                  (oid, 1200, "EUR", "b@example.com", "B", "l1", "c", "DE", "pm_card_visa", now, now))
        c.execute("INSERT INTO order_items VALUES (?,0,'MUG-01','Mug',1,1200)", (oid,))
        c.execute("UPDATE products SET stock = stock - 1 WHERE sku = 'MUG-01' AND stock >= 1")
        c.execute("INSERT INTO stock_ledger VALUES (?, 'MUG-01', ?, 'reserve', -1, ?)", (str(uuid.uuid4()), oid, now))
        c.execute("INSERT INTO outbox (id,order_id,kind,max_attempts,run_at,created_at,updated_at) "
                  "VALUES (?,?,'payment.charge',8,?,?,?)", (str(uuid.uuid4()), oid, now, now, now))
        c.execute("COMMIT")
    elapsed = time.perf_counter() - start
    c.close()
    return n / elapsed


def bench_pipeline(root: Path, orders: int, clients: int) -> dict:
    server = Server(root / "pipeline", {"worker": {"concurrency": 16}})
    try:
        start = time.perf_counter()
        accepted, intake_seconds = post_orders(server.port, orders, clients)
        done_at = wait_completed(server, accepted, timeout=600)
        count, share_fast = intake_histogram(server.metrics())
        return {"accepted": accepted, "intake_per_s": accepted / intake_seconds,
                "completed_per_s": accepted / (done_at - start), "intake_requests": count,
                "intake_share_under_1ms": share_fast}
    finally:
        server.stop()


def bench_intake_full(root: Path, orders: int, clients: int) -> float:
    """Intake rate with synchronous = "full": every commit is fsynced; group commit shares one fsync."""
    server = Server(root / "full", {"database": {"synchronous": "full"}, "worker": {"concurrency": 16}})
    try:
        accepted, seconds = post_orders(server.port, orders, clients)
        return accepted / seconds
    finally:
        server.stop()


def bench_postgres(root: Path, orders: int, clients: int, nodes: int, cluster) -> dict:
    """The intake run on PostgreSQL: `nodes` shopd processes on one new database."""
    url = cluster.create_database()
    servers = []
    try:
        # One node at a time: the first creates the schema, the others find it migrated.
        for i in range(nodes):
            servers.append(Server(root / f"pg{nodes}-node{i}", {"database": {"url": url},
                                                                "worker": {"concurrency": 16}}))
        start = time.perf_counter()
        accepted, intake_seconds = post_orders([s.port for s in servers], orders, clients)
        done_at = wait_completed(servers[0], accepted, timeout=900)
        return {"accepted": accepted, "intake_per_s": accepted / intake_seconds,
                "completed_per_s": accepted / (done_at - start)}
    finally:
        for s in servers:
            s.stop()


def bench_postgres_nodes(root: Path, orders: int, clients: int) -> dict:
    """{nodes: figures} for 1 and 3 nodes, on a cluster this run starts and stops."""
    from pg_cluster import PgCluster
    cluster = PgCluster.start(durable=True)
    try:
        return {nodes: bench_postgres(root, orders, clients, nodes, cluster) for nodes in (1, 3)}
    finally:
        cluster.stop()


SECTIONS = ["http", "light", "intake", "full", "postgres", "drain", "flash"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sections", default=",".join(SECTIONS),
                    help=f"comma-separated, from {','.join(SECTIONS)} (default: all)")
    ap.add_argument("--orders", type=int, default=4000, help="orders for the intake runs")
    ap.add_argument("--drain-orders", type=int, default=10_000, help="backlog drained in the drain run")
    ap.add_argument("--flash-orders", type=int, default=10_000, help="orders posted in the flash sale")
    ap.add_argument("--clients", type=int, default=8, help="client processes posting orders")
    ap.add_argument("--light-orders", type=int, default=1000, help="orders posted one at a time")
    ap.add_argument("--http-connections", default="64,256,1000", help="wrk connection counts for the http section")
    ap.add_argument("--http-seconds", type=int, default=10, help="measured seconds per wrk run")
    ap.add_argument("--http-warmup", type=int, default=2, help="warm-up seconds before each measured wrk run")
    ap.add_argument("--sqlite-orders", type=int, default=200_000, help="orders the bare SQLite baseline writes")
    args = ap.parse_args()
    sections = set(args.sections.split(","))
    unknown = sections - set(SECTIONS)
    if unknown:
        ap.error(f"unknown sections: {', '.join(sorted(unknown))}")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start; shopd {SHOPD}")
    if "http" in sections:
        from http_intake import bench_http, report
        connections = [int(c) for c in args.http_connections.split(",")]
        print(report(bench_http(SHOPD, connections, args.http_seconds, args.http_warmup, args.sqlite_orders),
                     args.http_seconds, args.http_warmup))
    if sections & {"light", "intake", "full", "postgres"}:
        bench_intake_sections(sections, args)
    if sections & {"drain", "flash"}:
        import drain
        drain.run(sections, args.drain_orders, args.flash_orders, args.clients)


def bench_intake_sections(sections: set, args) -> None:
    root = Path(tempfile.mkdtemp(prefix="shopd-bench-"))
    try:
        baseline = sqlite_baseline(root, args.orders)
        light = bench_light(root, args.light_orders) if "light" in sections else None
        pipe = bench_pipeline(root, args.orders, args.clients) if sections & {"intake", "full", "postgres"} else None
        full = bench_intake_full(root, args.orders, args.clients) if "full" in sections else None
        pg = bench_postgres_nodes(root, args.orders, args.clients) if "postgres" in sections else {}
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"baseline: bare SQLite, one transaction per order's intake rows: {baseline:,.0f} orders/s")
    if light:
        print(f"light:    one client, one order at a time, server time per POST /orders: worker busy "
              f"p50 {light['p50_ms']:.3f} ms, p99 {light['p99_ms']:.3f} ms; worker idle p50 {light['idle_p50_ms']:.3f} ms, "
              f"p99 {light['idle_p99_ms']:.3f} ms (round trip seen by the client {light['round_trip_ms']:.2f} ms; "
              f"the baseline's whole transaction {1000 / baseline:.3f} ms)")
    if pipe and sections & {"intake", "postgres"}:
        print(f"intake:   {pipe['intake_per_s']:,.0f} orders/s accepted (202) over HTTP "
              f"= {pipe['intake_per_s'] / baseline:.2f} x baseline; "
              f"{pipe['intake_share_under_1ms'] * 100:.1f} % of {pipe['intake_requests']} answered in < 1 ms server time; "
              f"{pipe['completed_per_s']:,.0f} orders/s fully completed from the first POST to the last completion")
    if full:
        print(f"full:     {full:,.0f} orders/s accepted with synchronous = \"full\" (an fsync per commit) "
              f"= {full / pipe['intake_per_s']:.2f} x the \"normal\" intake")
    for nodes, r in pg.items():
        print(f"postgres: {nodes} node{'s' if nodes > 1 else ''}: intake {r['intake_per_s']:,.0f} orders/s accepted "
              f"= {r['intake_per_s'] / pipe['intake_per_s']:.2f} x SQLite's; "
              f"{r['completed_per_s']:,.0f} orders/s fully completed "
              f"= {r['completed_per_s'] / pipe['completed_per_s']:.2f} x SQLite's")


if __name__ == "__main__":
    main()
