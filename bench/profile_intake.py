#!/usr/bin/python3
"""Where an order's time goes: shopd (the shipped shop.toml, as in bench/http_intake.py)
under `wrk -t1 -c64` with bench/orders.lua, profiled with perf (Debian's linux-perf).

    /usr/bin/python3 bench/profile_intake.py [--connections 64] [--seconds 4] [--idle-worker]

Prints, per thread group, the CPU time per accepted order (from /proc) and the
share of each part of the request path in that group's perf samples (DWARF call
graphs; each sample goes to the innermost part found on its stack). Threads are
named: shopd-http (one per connection), shopd-writer (the single writer), and
shopd (the worker's executors, the dispatcher, the checkpointer, main).
--idle-worker makes test payments take 10 minutes, so the worker writes and
renders nothing: the intake alone. Needs root (or perf_event_paranoid <= 1).
"""

from __future__ import annotations

import argparse
import collections
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

import http_intake as h

# Innermost first: a sample is counted for the first needle found on its stack.
PARTS = [
    ("log::access", "access log line"),
    ("log::write", "other log lines"),
    ("parse_json_body", "JSON parse"),
    ("validate_order", "validate the order"),
    ("accepted_body", "202 body"),
    ("HistogramFamily::observe", "metrics"),
    ("CounterFamily::inc", "metrics"),
    ("new_uuid7", "UUIDv7"),
    ("format_iso", "time formatting"),
    ("Writer::submit_and_wait", "writer hand-off (queue, sleep, wake)"),
    ("ConnectionStream::flush", "send(2) the answer"),
    ("ConnectionStream::wait_until", "poll(2) for the next request"),
    ("ConnectionStream::fill", "recv(2)"),
    ("ConnectionStream::read", "head scan"),
    ("HttpServer::before_routing", "refusals, request id"),
    ("HttpServer::after_routing", "answer headers, metrics"),
    ("write_response_core", "cpp-httplib: write the answer"),
    ("read_headers", "cpp-httplib: parse the head"),
    ("parse_request_line", "cpp-httplib: parse the head"),
    ("read_content", "cpp-httplib: read the body"),
    ("dispatch_request", "handler, other"),
    ("Server::routing", "cpp-httplib: routing"),
    ("Server::process_request", "cpp-httplib: other"),
    ("ListeningServer::serve", "connection loop"),
    ("create_order", "SQL: the order's rows"),
    ("store::enqueue", "SQL: the payment job"),
    ("idempotency_key", "SQL: idempotency"),
    ("sqlite3WalFrames", "SQLite: WAL frames at commit"),
    ("commit_batch", "writer: BEGIN, savepoints, COMMIT"),
    ("set_and_wake_all", "writer: wake the batch"),
    ("Writer::loop", "writer: loop"),
    ("Executor", "worker: executor"),
    ("render_invoice", "worker: invoice PDF"),
    ("Worker::", "worker: dispatcher"),
    ("checkpoint", "checkpoint"),
]


def parts_of(perf_data: Path, comm: str, top: int) -> list[tuple[str, float]]:
    out = subprocess.run(["perf", "script", "-i", str(perf_data), "--comm", comm, "-F", "comm,ip,sym"],
                         capture_output=True, text=True).stdout
    counts: collections.Counter = collections.Counter()
    total = 0
    stack: list[str] = []

    def count():
        nonlocal total
        if not stack:
            return
        total += 1
        for needle, part in PARTS:
            if any(needle in frame for frame in stack):
                counts[part] += 1
                return
        counts["other (kernel, libraries)"] += 1

    for line in out.splitlines():
        if not line.strip():
            continue
        if not line[0].isspace():
            count()
            stack = []
            continue
        fields = line.split(None, 1)
        stack.append(fields[1] if len(fields) > 1 else "?")
    count()
    return [(part, 100 * n / total) for part, n in counts.most_common(top)] if total else []


def cpu_by_thread_name(pid: int) -> dict[str, float]:
    out: dict[str, float] = collections.defaultdict(float)
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            stat = (task / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat.rsplit(")", 1)[1].split()
        out[name] += (int(fields[11]) + int(fields[12])) / h.TICKS
    return out


def count_orders(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as c:
        return c.execute("SELECT count(*) FROM orders").fetchone()[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--seconds", type=int, default=4)
    ap.add_argument("--idle-worker", action="store_true")
    args = ap.parse_args()
    h.raise_fd_limit()
    d = Path(tempfile.mkdtemp(prefix="shopd-profile-"))
    port = h.free_port()
    config = h.shipped_config(d, port)
    if args.idle_worker:
        config = config.replace("test_latency_ms = 0", "test_latency_ms = 600000")
    (d / "shop.toml").write_text(config)
    log = open(d / "shopd.log", "wb")
    proc = subprocess.Popen([str(h.REPO / "shopd"), "--config", str(d / "shop.toml")], stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        h.wait_listening(port, proc)
        h.wrk(port, args.connections, 2)  # warm-up
        wrk = subprocess.Popen(["wrk", "-t1", f"-c{args.connections}", f"-d{args.seconds + 2}s", "-s", str(h.LUA),
                                f"http://127.0.0.1:{port}"], stdout=subprocess.PIPE, text=True)
        time.sleep(1)
        orders_before = count_orders(d / "shop.db")
        total_before = h.cpu_seconds([proc.pid])
        named_before = cpu_by_thread_name(proc.pid)
        perf_data = d / "perf.data"
        subprocess.run(["perf", "record", "-q", "-F", "499", "--call-graph", "dwarf,16384", "-p", str(proc.pid),
                        "-o", str(perf_data), "--", "sleep", str(args.seconds)], capture_output=True, check=True)
        total = h.cpu_seconds([proc.pid]) - total_before
        named = {k: v - named_before.get(k, 0) for k, v in cpu_by_thread_name(proc.pid).items()}
        orders = count_orders(d / "shop.db") - orders_before
        wrk.wait(60)
    finally:
        h.stop(proc)
        log.close()
    print(f"shopd under wrk -t1 -c{args.connections}, worker {'idle' if args.idle_worker else 'running'}: "
          f"{orders / args.seconds:,.0f} orders/s while profiled (perf slows it); CPU per order:")
    # Connection threads that ended during the window are only in the process total.
    named["shopd-http"] = total - sum(v for k, v in named.items() if k != "shopd-http")
    for name in ["shopd-http", "shopd-writer", "shopd"]:
        print(f"  {name:<13} {named.get(name, 0) / orders * 1e6:6.1f} us")
    print(f"  {'all':<13} {total / orders * 1e6:6.1f} us")
    for comm in ["shopd-http", "shopd-writer", "shopd"]:
        print(f"{comm}: share of its samples")
        for part, share in parts_of(perf_data, comm, 14):
            print(f"  {share:5.1f} %  {part}")


if __name__ == "__main__":
    main()
