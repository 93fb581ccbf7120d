#!/usr/bin/python3
"""How fast the worker finishes orders. Run with `make bench` (or /usr/bin/python3 bench/drain.py).

Every figure comes with a baseline measured in the same invocation:

  drain   a backlog of N received orders is completed (charge, stock, a
          gapless invoice number with its PDF in the database, the
          confirmation email as an .eml file) by a shop that starts with zero-
          latency test providers: orders completed per second, from the
          restart to the last completion. Baseline: bare SQLite (Python's
          sqlite3, the same WAL file settings) writing the rows the worker
          writes for an order, 64 orders per transaction, with a PDF-sized blob.
  flash   a flash sale: payments take 5 s, worker.concurrency = 500, and
          10,000 orders are posted as fast as the bench's clients can. Orders
          completed per second, from the first completion to the last (the
          first 5 s only wait for the first payments), against the ideal
          500 / 5 s = 100/s; server time of POST /orders while it runs (p50,
          p99 from the access log); peak RSS.

The backlog for `drain` is made by a shop whose payments take ten minutes and
whose worker runs one job at a time, stopped with SIGTERM (its one running
payment goes back to the queue), then started again with the real settings.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import Server, post_orders, percentile  # noqa: E402

# Orders/s the worker completed when issue 10 was filed ("today 475"; the
# same zero-latency providers, invoices and emails as files).
BEFORE_DRAIN_PER_S = 475


def completion_span_seconds(db: Path) -> float:
    """Seconds from the first order completed to the last (the drain rate once the first payments returned)."""
    from datetime import datetime
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as c:
        first, last = c.execute("select min(updated_at), max(updated_at) from orders where status = 'completed'").fetchone()
    parse = lambda t: datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ")
    return (parse(last) - parse(first)).total_seconds()


def completed(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as c:
        return c.execute("select count(*) from orders where status = 'completed'").fetchone()[0]


def wait_all_completed(db: Path, n: int, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if completed(db) >= n:
            return time.perf_counter()
        time.sleep(0.02)
    raise SystemExit(f"only {completed(db)} of {n} orders completed in {timeout} s")


def bench_drain(root: Path, orders: int, clients: int) -> dict:
    workdir = root / "drain"
    stalled = Server(workdir, {"worker": {"concurrency": 1, "shutdown_grace_seconds": 0},
                               "payment": {"test_latency_ms": 600_000}, "invoice": {"dir": ""}})
    accepted, _ = post_orders(stalled.port, orders, clients)
    stalled.stop()
    server = Server(workdir, {"worker": {"concurrency": 16}, "invoice": {"dir": ""}})
    start = time.perf_counter()
    try:
        done = wait_all_completed(server.db, accepted, timeout=900)
        return {"orders": accepted, "completed_per_s": accepted / (done - start),
                "peak_rss_mib": server.rss_kib("VmHWM") / 1024}
    finally:
        server.stop()


def drain_baseline(root: Path, n: int, pdf_bytes: int = 15_000) -> float:
    """Orders per second for the rows the worker writes per order, by a bare SQLite client."""
    db = root / "drain-baseline.db"
    c = sqlite3.connect(db, isolation_level=None)
    c.execute("PRAGMA journal_mode=WAL")
    c.execute("PRAGMA synchronous=NORMAL")
    c.executescript("""
      CREATE TABLE orders (id TEXT PRIMARY KEY, status TEXT, stock_state TEXT, paid_at TEXT, payment_ref TEXT,
                           updated_at TEXT) STRICT;
      CREATE TABLE outbox (id TEXT PRIMARY KEY, order_id TEXT, kind TEXT, state TEXT, attempts INTEGER,
                           updated_at TEXT) STRICT;
      CREATE INDEX outbox_order_id ON outbox (order_id);
      CREATE TABLE stock_ledger (id TEXT PRIMARY KEY, order_id TEXT, reason TEXT, created_at TEXT) STRICT;
      CREATE TABLE invoices (order_id TEXT PRIMARY KEY, seq INTEGER UNIQUE, number TEXT, pdf BLOB) STRICT;
    """)
    now = "2026-11-28T00:00:00.000Z"
    ids = [str(uuid.uuid4()) for _ in range(n)]
    c.execute("BEGIN")
    for oid in ids:
        c.execute("INSERT INTO orders VALUES (?, 'received', 'reserved', NULL, NULL, ?)", (oid, now))
        c.execute("INSERT INTO outbox VALUES (?, ?, 'payment.charge', 'pending', 0, ?)", (str(uuid.uuid4()), oid, now))
    c.execute("COMMIT")
    pdf = os.urandom(pdf_bytes)
    start = time.perf_counter()
    for batch in range(0, n, 64):
        c.execute("BEGIN IMMEDIATE")
        for seq, oid in enumerate(ids[batch:batch + 64], start=batch + 1):
            c.execute("UPDATE outbox SET state = 'done', attempts = 1, updated_at = ? WHERE order_id = ? "
                      "AND kind = 'payment.charge'", (now, oid))
            c.execute("UPDATE orders SET status = 'paid', paid_at = ?, payment_ref = 'pi_x', updated_at = ? "
                      "WHERE id = ?", (now, now, oid))
            for kind in ("inventory.commit", "invoice.generate", "email.confirmation"):
                c.execute("INSERT INTO outbox VALUES (?, ?, ?, 'done', 1, ?)", (str(uuid.uuid4()), oid, kind, now))
            c.execute("UPDATE orders SET stock_state = 'sold' WHERE id = ?", (oid,))
            c.execute("INSERT INTO stock_ledger VALUES (?, ?, 'sale', ?)", (str(uuid.uuid4()), oid, now))
            c.execute("INSERT INTO invoices VALUES (?, ?, ?, ?)", (oid, seq, f"INV-{seq:06d}", pdf))
            c.execute("UPDATE orders SET status = 'completed', updated_at = ? WHERE id = ?", (now, oid))
        c.execute("COMMIT")
    elapsed = time.perf_counter() - start
    c.close()
    return n / elapsed


def bench_flash(root: Path, orders: int, clients: int) -> dict:
    server = Server(root / "flash", {"worker": {"concurrency": 500}, "payment": {"test_latency_ms": 5000},
                                     "invoice": {"dir": ""}})
    try:
        start = time.perf_counter()
        accepted, intake_seconds = post_orders(server.port, orders, clients)
        peak = 0
        deadline = time.monotonic() + 900
        while completed(server.db) < accepted and time.monotonic() < deadline:
            peak = max(peak, server.rss_kib())
            time.sleep(0.2)
        done_at = time.perf_counter()
        peak = max(peak, server.rss_kib("VmHWM"))
        latencies = intake_server_ms(server.dir / "shopd.log")
        done = completed(server.db)
        return {"accepted": accepted, "completed": done,
                "completed_per_s": (done - 1) / completion_span_seconds(server.db), "ideal_per_s": 500 / 5.0,
                "wall_s": done_at - start,
                "intake_per_s": accepted / intake_seconds, "p50_ms": percentile(latencies, 50),
                "p99_ms": percentile(latencies, 99), "peak_rss_mib": peak / 1024}
    finally:
        server.stop()


def intake_server_ms(log: Path) -> list[float]:
    out = []
    for line in log.read_text(errors="replace").splitlines():
        if '"route":"/orders"' in line and '"msg":"request"' in line:
            out.append(json.loads(line)["duration_ms"])
    return sorted(out)


def run(sections: set, drain_orders: int, flash_orders: int, clients: int) -> None:
    root = Path(tempfile.mkdtemp(prefix="shopd-bench-drain-"))
    try:
        if "drain" in sections:
            baseline = drain_baseline(root, drain_orders)
            drain = bench_drain(root, drain_orders, clients)
            print(f"drain:    {drain['completed_per_s']:,.0f} orders/s fully completed from a backlog of "
                  f"{drain['orders']} = {drain['completed_per_s'] / baseline:.3f} x bare SQLite writing the same "
                  f"rows ({baseline:,.0f} orders/s) = {drain['completed_per_s'] / BEFORE_DRAIN_PER_S:.1f} x the "
                  f"{BEFORE_DRAIN_PER_S}/s the issue measured; peak RSS {drain['peak_rss_mib']:.1f} MiB", flush=True)
        if "flash" in sections:
            flash = bench_flash(root, flash_orders, clients)
            print(f"flash:    {flash['completed_per_s']:.1f} orders/s completed with 5 s payments and 500 in flight "
                  f"= {flash['completed_per_s'] / flash['ideal_per_s']:.3f} x the ideal {flash['ideal_per_s']:.0f}/s "
                  f"({flash['completed']} of {flash['accepted']} completed in {flash['wall_s']:.0f} s); "
                  f"intake {flash['intake_per_s']:,.0f}/s, "
                  f"server time p50 {flash['p50_ms']:.3f} ms p99 {flash['p99_ms']:.3f} ms; "
                  f"peak RSS {flash['peak_rss_mib']:.1f} MiB", flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--orders", type=int, default=10_000, help="backlog drained in the drain run")
    ap.add_argument("--flash-orders", type=int, default=10_000, help="orders posted in the flash sale")
    ap.add_argument("--clients", type=int, default=8, help="client processes posting orders")
    ap.add_argument("--only", choices=["drain", "flash"], help="run one part")
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
    run({args.only} if args.only else {"drain", "flash"}, args.orders, args.flash_orders, args.clients)


if __name__ == "__main__":
    mp.set_start_method("fork")
    main()
