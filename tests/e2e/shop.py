"""Running a real shopd for a test, and talking to it like a storefront would.

    shop = Shop(tmp_path, config={"worker": {"concurrency": 4}})
    shop.start()
    status, headers, body = shop.post_order(order())
    shop.wait_for(lambda: shop.get_json(f"/orders/{body['id']}")["status"] == "completed")
    shop.stop()                      # SIGTERM, asserts exit code 0

Everything waits by polling with a deadline, never by sleeping a fixed time.
The binary is $SHOPD_BIN if set (the sanitizer builds), else ./shopd.

A shop runs on SQLite (its file under the test's folder) or, given a
`database_url`, on PostgreSQL; `query()` reads either the way an owner's
sqlite3 or psql would (`?` placeholders on both).
"""

from __future__ import annotations

import copy
import http.client
import threading
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

try:
    import psycopg2
    import psycopg2.extras
    DB_ERRORS = (sqlite3.OperationalError, psycopg2.OperationalError)
except ImportError:  # only the SQLite shops can run
    psycopg2 = None
    DB_ERRORS = (sqlite3.OperationalError,)

REPO = Path(__file__).resolve().parents[2]
SHOPD = Path(os.environ.get("SHOPD_BIN", REPO / "shopd")).resolve()
# Sanitizer builds (build/asan, build/tsan) are several times slower; deadlines stretch with them.
SANITIZED = SHOPD.parent.name in ("asan", "tsan")
SLOW = 5.0 if SANITIZED else 1.0

ADMIN_TOKEN = "test-admin-token"

BASE_CONFIG = {
    "shop": {"name": "Test Shop", "currency": "EUR", "public_url": "http://shop.test"},
    "server": {"listen": "127.0.0.1:0", "max_body_bytes": 65536,
               "cors_origins": ["http://localhost:3000"], "admin_token_env": "SHOPD_ADMIN_TOKEN"},
    "database": {"path": "var/shop.db", "synchronous": "normal"},
    "worker": {"concurrency": 8, "lease_seconds": 30},
    "retry": {"max_attempts": 5, "base_seconds": 0.05, "max_seconds": 0.2},
    "payment": {"provider": "test", "test_latency_ms": 0},
    "email": {"transport": "file", "dir": "var/mail", "from": "Test Shop <orders@shop.test>"},
    "invoice": {"dir": "var/invoices", "prefix": "INV-"},
    "alerts": {"webhook_url": "", "email": "team@shop.test"},
    "products": [
        {"sku": "MUG-01", "name": "Coffee mug", "price_cents": 1200, "stock": 50},
        {"sku": "TEE-01", "name": "T-shirt", "price_cents": 2500, "stock": 10},
    ],
}


def order(sku="MUG-01", qty=2, token="pm_card_visa", email="ann@example.com", name="Ann Example", **extra):
    """A valid POST /orders body; keyword arguments replace top-level parts."""
    body = {
        "customer": {"email": email, "name": name},
        "items": [{"sku": sku, "qty": qty}],
        "payment": {"token": token},
        "shipping_address": {"line1": "Hauptstrasse 5", "city": "Berlin", "postal_code": "10115", "country": "DE"},
    }
    body.update(extra)
    return body


def merge(base: dict, override: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)  # a JSON string is a valid TOML basic string
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {v!r} as TOML")


def to_toml(config: dict) -> str:
    """Enough TOML for shop.toml: tables, sub-tables, arrays of tables, scalars and arrays."""
    lines = []

    def table(prefix: str, data: dict):
        scalars = {k: v for k, v in data.items() if not isinstance(v, dict) and not _is_table_array(v)}
        if prefix:
            lines.append(f"[{prefix}]")
        for k, v in scalars.items():
            lines.append(f"{k} = {toml_value(v)}")
        for k, v in data.items():
            if isinstance(v, dict):
                table(f"{prefix}.{k}" if prefix else k, v)
            elif _is_table_array(v):
                for item in v:
                    lines.append(f"[[{prefix + '.' if prefix else ''}{k}]]")
                    for ik, iv in item.items():
                        lines.append(f"{ik} = {toml_value(iv)}")

    table("", config)
    return "\n".join(lines) + "\n"


def _is_table_array(v) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)


def crash_lease(backend: str) -> int:
    """worker.lease_seconds for a test that SIGKILLs shopd and starts it again.

    SQLite: far longer than any test, so only the restart itself can bring
    back the jobs the dead process held (the server holds the file's lock, so
    they are abandoned), and a test cannot pass by waiting the lease out.
    PostgreSQL: nodes share the database, so a restarted node cannot tell
    another node's running jobs from its dead predecessor's: they run again
    once their lease expired. A short lease keeps the test short."""
    return 600 if backend == "sqlite" else 3


def wait_for(predicate, timeout=10.0, interval=0.02, message="condition"):
    """Polls predicate() until it returns something truthy; returns that value."""
    deadline = time.monotonic() + timeout * SLOW
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except (ConnectionError, OSError, *DB_ERRORS) as e:  # server restarting, db busy
            last_error = e
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {message}" + (f" (last error: {last_error})" if last_error else ""))


class Response:
    def __init__(self, status: int, headers: dict, body: bytes):
        self.status = status
        self.headers = headers  # lower-case names
        self.body = body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<Response {self.status} {self.body[:300]!r}>"


class Shop:
    def __init__(self, tmp_path: Path, config: dict | None = None, env: dict | None = None,
                 database_url: str | None = None):
        self.dir = Path(tmp_path)
        self.config = merge(BASE_CONFIG, config or {})
        if database_url and not (config or {}).get("database", {}).get("url"):  # a test's own url wins
            self.config["database"]["url"] = database_url
        self.env = {"SHOPD_ADMIN_TOKEN": ADMIN_TOKEN, **(env or {})}
        self.proc: subprocess.Popen | None = None
        self.port: int | None = None
        self.log_path = self.dir / "shopd.log"
        self.config_path = self.dir / "shop.toml"
        self._log_offset = 0
        self._logs_seen: list[str] = []
        self.config_text: str | None = None  # written as is instead of `config` (e.g. the shipped shop.toml)
        self.command: list[str] = []          # e.g. ["serve"]
        self.cwd: Path = self.dir             # where shopd runs; relative config paths must not depend on it
        self.umask: int | None = None         # shopd's umask (serve and CLI); None: the test process's own

    # --- lifecycle -------------------------------------------------------

    def write_config(self):
        self.config_path.write_text(self.config_text if self.config_text is not None else to_toml(self.config))

    def start(self, timeout=15.0):
        self.write_config()
        env = {k: v for k, v in os.environ.items() if k != "SHOPD_ADMIN_TOKEN"}
        env.update({k: v for k, v in self.env.items() if v is not None})
        for k, v in self.env.items():
            if v is None:
                env.pop(k, None)
        log = open(self.log_path, "ab")
        self._log_offset = self.log_path.stat().st_size
        self.proc = subprocess.Popen([str(SHOPD), *self.command, "--config", str(self.config_path)], stdout=log,
                                     stderr=subprocess.STDOUT, env=env, cwd=self.cwd, umask=self._umask())
        log.close()
        started = wait_for(lambda: self._started_line() or self._exited(), timeout,
                           message="shopd to start")
        if started == "exited":
            raise AssertionError(f"shopd exited with {self.proc.returncode}:\n{self.log_text()}")
        self.port = started["port"]
        wait_for(lambda: self.get("/healthz").status == 200, timeout, message="/healthz")
        return self

    def _exited(self):
        return "exited" if self.proc.poll() is not None else None

    def _started_line(self):
        with open(self.log_path, "rb") as f:
            f.seek(self._log_offset)
            text = f.read().decode(errors="replace")
        for line in text.splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("msg") == "shopd started":
                return entry
        return None

    def stop(self, expect_code=0, timeout=30.0):
        """SIGTERM, wait, and check the exit code."""
        if not self.proc or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout * SLOW)
        if expect_code is not None:
            assert code == expect_code, f"shopd exited {code}:\n{self.log_text()[-4000:]}"
        return code

    def kill(self):
        """SIGKILL: the crash a power cut or the OOM killer causes."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def restart(self, **kwargs):
        self.stop()
        return self.start(**kwargs)

    # --- HTTP ------------------------------------------------------------

    def request(self, method, path, body=None, headers=None, raw: bytes | None = None, timeout=30.0) -> Response:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout * SLOW)
        try:
            hdrs = dict(headers or {})
            data = raw
            if body is not None:
                data = json.dumps(body).encode()
                hdrs.setdefault("Content-Type", "application/json")
            conn.request(method, path, body=data, headers=hdrs)
            resp = conn.getresponse()
            return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
        finally:
            conn.close()

    def get(self, path, headers=None) -> Response:
        return self.request("GET", path, headers=headers)

    def get_json(self, path, headers=None):
        r = self.get(path, headers)
        assert r.status == 200, r
        return r.json()

    def post_order(self, body, headers=None) -> Response:
        return self.request("POST", "/orders", body=body, headers=headers)

    def admin(self, method, path, body=None, token=ADMIN_TOKEN) -> Response:
        return self.request(method, path, body=body, headers={"Authorization": f"Bearer {token}"})

    def order_status(self, order_id) -> dict:
        return self.get_json(f"/orders/{order_id}")

    def wait_for_status(self, order_id, *statuses, timeout=15.0) -> dict:
        def check():
            o = self.order_status(order_id)
            return o if o["status"] in statuses else None
        return wait_for(check, timeout, message=f"order {order_id} to reach {statuses}")

    def jobs_unfinished(self) -> int:
        return self.query("SELECT count(*) AS n FROM outbox WHERE state NOT IN ('done', 'dead', 'discarded')")[0]["n"]

    def wait_until_idle(self, timeout=15.0, message="every job to finish"):
        """Waits until no job is pending, running or retrying."""
        wait_for(lambda: self.jobs_unfinished() == 0, timeout, message=message)

    # --- files and database ----------------------------------------------

    @property
    def db_path(self) -> Path:
        return self.dir / self.config["database"]["path"]

    @property
    def database_url(self) -> str | None:
        """The PostgreSQL database the shop runs on; None for a SQLite shop."""
        return self.config["database"].get("url") or None

    def db(self) -> sqlite3.Connection:
        """A read-only connection to a SQLite shop, like an owner's sqlite3 shell."""
        assert not self.database_url, "db() is the SQLite file; use query() for either engine"
        conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=10)
        conn.row_factory = sqlite3.Row
        return conn

    def query(self, sql, *params):
        """Rows as dicts, read like an owner would (sqlite3, or psql on PostgreSQL)."""
        if self.database_url:
            return pg_query(self.database_url, sql, params)
        with self.db() as conn:
            return [dict(r) for r in conn.execute(sql, params).fetchall()]

    def execute(self, sql, *params) -> int:
        """A write made behind shopd's back (a vanished worker, an older shopd); returns the rows changed."""
        if self.database_url:
            conn = psycopg2.connect(self.database_url)
            try:
                conn.autocommit = True
                with conn.cursor() as cur:
                    cur.execute(sql.replace("%", "%%").replace("?", "%s"), params or None)
                    return cur.rowcount
            finally:
                conn.close()
        with sqlite3.connect(self.db_path, timeout=10) as conn:
            return conn.execute(sql, params).rowcount

    def schema_version(self) -> int:
        """The database's schema version as shopd records it (PRAGMA user_version, or schema_migrations)."""
        if self.database_url:
            return self.query("SELECT coalesce(max(version), 0) AS v FROM schema_migrations")[0]["v"]
        return self.query("PRAGMA user_version")[0]["user_version"]

    def table_names(self) -> set[str]:
        """Tables and views of the shop's database."""
        if self.database_url:
            return {r["n"] for r in self.query(
                "SELECT table_name AS n FROM information_schema.tables WHERE table_schema = current_schema()")}
        return {r["n"] for r in self.query("SELECT name AS n FROM sqlite_schema WHERE type IN ('table', 'view')")}

    def mail_dir(self) -> Path:
        return self.dir / self.config["email"]["dir"]

    def invoice_dir(self) -> Path:
        return self.dir / self.config["invoice"]["dir"]

    def mails(self) -> list[Path]:
        d = self.mail_dir()
        return sorted(d.glob("*.eml")) if d.exists() else []

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_entries(self) -> list[dict]:
        out = []
        for line in self.log_text().splitlines():
            out.append(json.loads(line))
        return out

    # --- the process, as `top` sees it ------------------------------------

    def cpu_seconds(self) -> float:
        """CPU time shopd has used so far (user + system, all threads)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
        return (utime + stime) / os.sysconf("SC_CLK_TCK")

    def _status(self, key: str) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
        raise AssertionError(f"no {key} in /proc/{self.proc.pid}/status")

    def rss_bytes(self) -> int:
        return self._status("VmRSS") * 1024

    def threads(self) -> int:
        return self._status("Threads")

    def connections_to(self, port: int) -> int:
        """TCP connections shopd has open to a local port (a fake provider's)."""
        inodes = set()
        for fd in Path(f"/proc/{self.proc.pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:  # closed meanwhile
                continue
            if target.startswith("socket:["):
                inodes.add(target[len("socket:["):-1])
        # Lines of proc(5)'s table: sl local_address rem_address st ... inode; 01 is ESTABLISHED.
        to_port = f":{port:04X} 01 "
        return sum(1 for line in Path("/proc/net/tcp").read_text().splitlines()
                   if to_port in line and line.split()[2].endswith(to_port[:5]) and line.split()[9] in inodes)

    def cli(self, *args, timeout=30.0) -> subprocess.CompletedProcess:
        """Runs `shopd <args> --config <this shop's config>`."""
        env = {**os.environ, **{k: v for k, v in self.env.items() if v is not None}}
        return subprocess.run([str(SHOPD), *args, "--config", str(self.config_path)], capture_output=True,
                              text=True, timeout=timeout * SLOW, env=env, cwd=self.dir, umask=self._umask())

    def _umask(self) -> int:
        return -1 if self.umask is None else self.umask  # Popen leaves the umask alone for -1


# The one line a refused config prints: it starts with the key at fault.
KEY_LINE = re.compile(r"^shopd: config error in .*: (?P<key>[\w.\[\]]+): .+$")


def serve_and_fail(shop: Shop) -> tuple[int, list[str]]:
    """Starts shopd, expects it to exit by itself; returns its exit code and non-empty output lines."""
    shop.write_config()
    r = subprocess.run([str(SHOPD), "--config", str(shop.config_path)], capture_output=True, text=True,
                       timeout=30, cwd=shop.dir, env={"PATH": "/usr/bin:/bin"})
    return r.returncode, [line for line in (r.stdout + r.stderr).splitlines() if line.strip()]


def pg_query(url: str, sql: str, params=()) -> list[dict]:
    """A read on PostgreSQL with sqlite3's `?` placeholders; bytea comes back as bytes."""
    conn = psycopg2.connect(url)
    try:
        conn.set_session(readonly=True, autocommit=True)
        with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
            if params:
                cur.execute(sql.replace("%", "%%").replace("?", "%s"), params)
            else:
                cur.execute(sql)
            rows = cur.fetchall() if cur.description else []
        return [{k: bytes(v) if isinstance(v, memoryview) else v for k, v in r.items()} for r in rows]
    finally:
        conn.close()


def one_completed_and_one_declined(shop: "Shop") -> tuple[str, str]:
    """A completed order and a declined one (a dead payment), every job finished; returns their ids."""
    ok = shop.post_order(order()).json()["id"]
    declined = shop.post_order(order(token="pm_card_chargeDeclined")).json()["id"]
    shop.wait_for_status(ok, "completed")
    shop.wait_for_status(declined, "payment_failed")
    shop.wait_until_idle()
    return ok, declined


def post_orders(shop: "Shop", n: int, **order_fields) -> list[str]:
    """Posts n orders one after another, each must be accepted; returns their ids in order."""
    ids = []
    for _ in range(n):
        r = shop.post_order(order(qty=1, **order_fields))
        assert r.status == 202, r
        ids.append(r.json()["id"])
    return ids


class OrderStream:
    """Orders keep arriving from a background thread while the test does something else.

        with OrderStream(shop) as stream:
            wait_for(lambda: len(stream.accepted) >= 100)
            ...
        assert not stream.failures

    `interval` spaces the orders out (a steady load rather than as fast as
    possible); `tokens` are the cards used, in turn. A request that gets no
    answer at all (the shop is being killed or restarted) is counted in
    `unanswered` and the stream carries on.
    """

    def __init__(self, shop: "Shop", interval: float = 0.0, tokens: tuple[str, ...] = ("pm_card_visa",)):
        self.shop = shop
        self.interval = interval
        self.tokens = tokens
        self.accepted: list[str] = []   # ids of 202s, in arrival order
        self.failures: list[Response] = []
        self.unanswered = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        turn = 0
        while not self._stop.is_set():
            token = self.tokens[turn % len(self.tokens)]
            turn += 1
            try:
                r = self.shop.post_order(order(qty=1, token=token))
            except (OSError, http.client.HTTPException):
                self.unanswered += 1
                self._stop.wait(0.05)  # the shop is down: do not spin while it restarts
                continue
            (self.accepted.append(r.json()["id"]) if r.status == 202 else self.failures.append(r))
            if self.interval:
                self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(30)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
