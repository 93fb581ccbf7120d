"""Faults a small VPS meets, made on purpose for the tests in test_storage_faults.py,
test_outage.py and test_ceilings.py: a small disk that fills up, storefront
clients that time every answer, and what shopd's own log and /proc say.

    with SmallDisk(tmp_path / "disk", size_mb=8) as disk:
        shop = shop_factory({"database": {"path": str(disk.path / "shop.db")}})
        disk.fill()            # every byte taken
        ...
        disk.free()            # the owner deleted the big file
"""

from __future__ import annotations

import errno
import os
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest

from shop import Response, order


class SmallDisk:
    """A size-limited tmpfs mounted in the test's folder (needs root, as CI runs);
    unmounted on exit even when the test failed."""

    def __init__(self, path: Path, size_mb: int = 8):
        self.path = Path(path)
        self.size_mb = size_mb
        self._filler = self.path / "filler.bin"

    def __enter__(self) -> "SmallDisk":
        if os.geteuid() != 0:
            pytest.skip("mounting a small filesystem needs root (CI runs the tests as root)")
        self.path.mkdir(parents=True, exist_ok=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={self.size_mb}m,mode=0700", "tmpfs", str(self.path)],
                       check=True, capture_output=True)
        return self

    def __exit__(self, *exc) -> None:
        # Lazy: a shopd that failed to stop may still hold the database open.
        subprocess.run(["umount", "-l", str(self.path)], capture_output=True)

    def fill(self) -> int:
        """Takes every free byte with one file; returns how many bytes it took."""
        written = 0
        with open(self._filler, "ab", buffering=0) as f:
            for chunk in (1 << 20, 64 << 10, 4 << 10, 512, 1):
                block = b"\0" * chunk
                while True:
                    try:
                        f.write(block)
                        written += chunk
                    except OSError as e:
                        if e.errno != errno.ENOSPC:
                            raise
                        break
        return written

    def free(self) -> None:
        self._filler.unlink(missing_ok=True)


@dataclass
class Answer:
    name: str          # the customer's name, unique per request: finds the order in the database
    key: str           # its Idempotency-Key
    status: int
    seconds: float     # from sending the request to the whole answer
    started: float     # time.monotonic() when it was sent
    response: Response


def buy(shop, name: str, **order_fields) -> Answer:
    """One order from a storefront, timed; `name` must be unique in the test."""
    key = f"key-{name}"
    start = time.monotonic()
    r = shop.post_order(order(qty=1, name=name, **order_fields), headers={"Idempotency-Key": key})
    return Answer(name, key, r.status, time.monotonic() - start, start, r)


class Storefront:
    """`clients` storefront threads buying one order each every `interval` seconds
    until stopped; every answer is kept.

        with Storefront(shop, "lock", clients=2) as front:
            ...
        front.answers
    """

    def __init__(self, shop, prefix: str, clients: int = 1, interval: float = 0.0):
        self.shop = shop
        self.prefix = prefix
        self.interval = interval
        self.answers: list[Answer] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._count = 0
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(clients)]

    def _next_name(self) -> str:
        with self._lock:
            self._count += 1
            return f"{self.prefix} {self._count}"

    def _run(self) -> None:
        while not self._stop.is_set():
            answer = buy(self.shop, self._next_name())
            with self._lock:
                self.answers.append(answer)
            if self.interval:
                self._stop.wait(self.interval)

    def snapshot(self) -> list[Answer]:
        with self._lock:
            return list(self.answers)

    def __enter__(self) -> "Storefront":
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(60)


def accepted_ids(answers: list[Answer]) -> list[str]:
    return [a.response.json()["id"] for a in answers if a.status == 202]


def stored_names(shop) -> set[str]:
    return {row["name"] for row in shop.query("SELECT customer_name AS name FROM orders")}


def log_lines(shop, msg: str) -> list[dict]:
    return [e for e in shop.log_entries() if e.get("msg") == msg]


def cpu_share(shop, seconds: float) -> float:
    """The share of one core shopd used over the next `seconds` (0.25 = a quarter of a core)."""
    before, start = shop.cpu_seconds(), time.monotonic()
    time.sleep(seconds)  # the measuring window itself, not a wait for a condition
    return (shop.cpu_seconds() - before) / (time.monotonic() - start)


def parse_iso_utc(text: str) -> float:
    """A time as shopd stores it ("2026-11-28T04:30:21.123Z") in seconds since the epoch."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0
