"""The HTTP intake figures of bench/run.py (issue 8): shopd against three
baselines, loaded by the same wrk script (bench/orders.lua: varied valid
orders, keep-alive) in one invocation on one machine.

  (a) cpp-httplib 202   bench/httplib_202.cpp: the library shopd is built on,
                        from the same Debian package, a thread per connection,
                        keep-alive reuse, a constant 202. The HTTP ceiling.
  (b) nginx 202         Debian's nginx, `return 202`: the machine's ceiling.
  (c) bare SQLite       bench/sqlite_orders.cpp: one order's rows per order,
                        64 orders per transaction. The storage ceiling.
  (d) shopd             the shipped shop.toml (paths, port and stock changed
                        only), the worker running.

Each server run: a fresh process, a 2 s warm-up, then `wrk -t1 -d10s` at each
connection count. wrk reports requests/s, p50/p99/p99.9 latency, non-2xx
answers and socket errors; /proc gives the server's CPU (user + system, all
its processes) over the measured 10 s and its peak RSS.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUILD = REPO / "build" / "bench"
LUA = REPO / "bench" / "orders.lua"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
TICKS = os.sysconf("SC_CLK_TCK")
BODY_202 = ('{"currency":"EUR","id":"01a22095-e8f2-7323-ac5b-ab141d9565db","status":"received",'
            '"status_url":"/orders/01a22095-e8f2-7323-ac5b-ab141d9565db","total_cents":2400}')


@dataclass
class Run:
    target: str
    connections: int
    per_s: float
    p50_ms: float = 0
    p99_ms: float = 0
    p999_ms: float = 0
    non2xx: int = 0
    socket_errors: int = 0
    cpu_percent: float = 0
    peak_rss_mib: float = 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def wait_listening(port: int, proc: subprocess.Popen, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on {port}")


def process_tree(pid: int) -> list[int]:
    """pid and its children (nginx's workers)."""
    pids = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                pids.append(int(entry.name))
    return pids


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def peak_rss_mib(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def wrk(port: int, connections: int, seconds: int) -> dict:
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(LUA),
                          f"http://127.0.0.1:{port}"], capture_output=True, text=True, timeout=seconds + 60)
    m = re.search(r"^WRK (\{.*\})$", out.stdout, re.M)
    if not m:
        raise SystemExit(f"wrk failed:\n{out.stdout}\n{out.stderr}")
    return json.loads(m.group(1))


def measure(target: str, port: int, pid: int, connections: int, seconds: int, warmup: int) -> Run:
    wrk(port, connections, warmup)
    pids = process_tree(pid)
    cpu_before = cpu_seconds(pids)
    r = wrk(port, connections, seconds)
    cpu = cpu_seconds(pids) - cpu_before
    duration = r["duration_us"] / 1e6
    return Run(target, connections, r["requests"] / duration, r["p50_us"] / 1000, r["p99_us"] / 1000,
               r["p999_us"] / 1000, r["non2xx"],
               r["connect_errors"] + r["read_errors"] + r["write_errors"] + r["timeouts"],
               100 * cpu / duration, peak_rss_mib(pids))


def stop(proc: subprocess.Popen, sig=signal.SIGTERM):
    proc.send_signal(sig)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run_httplib_202(connections: int, seconds: int, warmup: int) -> Run:
    port = free_port()
    proc = subprocess.Popen([str(BUILD / "httplib_202"), str(port), str(connections)])
    try:
        wait_listening(port, proc)
        return measure("(a) cpp-httplib 202", port, proc.pid, connections, seconds, warmup)
    finally:
        stop(proc)


def run_nginx_202(root: Path, connections: int, seconds: int, warmup: int) -> Run:
    d = root / f"nginx-{connections}"
    d.mkdir()
    port = free_port()
    user = "user root;\n" if os.geteuid() == 0 else ""
    (d / "nginx.conf").write_text(f"""{user}daemon off;
worker_processes auto;
worker_rlimit_nofile 16384;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        location / {{
            default_type application/json;
            return 202 '{BODY_202}';
        }}
    }}
}}
""")
    proc = subprocess.Popen([NGINX, "-p", str(d), "-c", str(d / "nginx.conf")])
    try:
        wait_listening(port, proc)
        return measure("(b) nginx 202", port, proc.pid, connections, seconds, warmup)
    finally:
        stop(proc, signal.SIGQUIT)


def run_sqlite(root: Path, orders: int) -> Run:
    db = root / "sqlite-baseline.db"
    out = subprocess.run([str(BUILD / "sqlite_orders"), str(db), str(REPO / "schema.sql"), str(orders)],
                         capture_output=True, text=True, timeout=600, check=True)
    return Run("(c) bare SQLite, 64 per txn", 0, float(out.stdout.split()[1]))


def shipped_config(d: Path, port: int) -> str:
    """The shipped shop.toml with its port, its folders and its stock changed, nothing else."""
    text = (REPO / "shop.toml").read_text()
    subs = [('listen = "127.0.0.1:8080"', f'listen = "127.0.0.1:{port}"'),
            ('path = "var/shop.db"', f'path = "{d}/shop.db"'),
            ('dir = "var/mail"', f'dir = "{d}/mail"'),
            ('dir = "var/invoices"', f'dir = "{d}/invoices"')]
    for old, new in subs:
        assert old in text, f"shop.toml no longer has {old!r}"
        text = text.replace(old, new)
    return re.sub(r"(?m)^stock = \d+$", "stock = 1000000000", text)


def run_shopd(shopd: Path, root: Path, connections: int, seconds: int, warmup: int) -> Run:
    d = root / f"shopd-{connections}"
    d.mkdir()
    port = free_port()
    (d / "shop.toml").write_text(shipped_config(d, port))
    log = open(d / "shopd.log", "wb")
    proc = subprocess.Popen([str(shopd), "--config", str(d / "shop.toml")], stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_listening(port, proc)
        return measure("(d) shopd", port, proc.pid, connections, seconds, warmup)
    finally:
        stop(proc)
        log.close()


def bench_http(shopd: Path, connections: list[int], seconds: int, warmup: int, sqlite_orders: int) -> list[Run]:
    for tool in [BUILD / "httplib_202", BUILD / "sqlite_orders"]:
        if not tool.exists():
            raise SystemExit(f"{tool} is missing: run `make bench`, which builds it")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    raise_fd_limit()
    root = Path(tempfile.mkdtemp(prefix="shopd-http-bench-"))
    runs: list[Run] = []
    try:
        runs.append(run_sqlite(root, sqlite_orders))
        for c in connections:
            runs.append(run_httplib_202(c, seconds, warmup))
            runs.append(run_nginx_202(root, c, seconds, warmup))
            runs.append(run_shopd(shopd, root, c, seconds, warmup))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return runs


def report(runs: list[Run], seconds: int, warmup: int) -> str:
    lines = [f"http: wrk -t1 -d{seconds}s after a {warmup} s warm-up, keep-alive, bench/orders.lua "
             f"(varied valid orders); ratios against (a) at the same connection count",
             f"  {'target':<28} {'conns':>5} {'req/s':>9} {'x (a)':>6} {'p50 ms':>7} {'p99 ms':>7} "
             f"{'p99.9 ms':>8} {'non-2xx':>7} {'sock err':>8} {'CPU %':>6} {'peak RSS MiB':>12}"]
    ceiling = {r.connections: r.per_s for r in runs if r.target.startswith("(a)")}
    for r in runs:
        if r.connections == 0:
            lines.append(f"  {r.target:<28} {'-':>5} {r.per_s:>9,.0f} orders/s written (the storage ceiling)")
            continue
        ratio = r.per_s / ceiling[r.connections] if ceiling.get(r.connections) else 0
        lines.append(f"  {r.target:<28} {r.connections:>5} {r.per_s:>9,.0f} {ratio:>6.2f} {r.p50_ms:>7.2f} "
                     f"{r.p99_ms:>7.2f} {r.p999_ms:>8.2f} {r.non2xx:>7} {r.socket_errors:>8} {r.cpu_percent:>6.0f} "
                     f"{r.peak_rss_mib:>12.1f}")
    return "\n".join(lines)
