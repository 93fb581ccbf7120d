"""A throwaway PostgreSQL 15 cluster for the tests (and the benchmarks).

    cluster = PgCluster.start()            # initdb + pg_ctl start in a temp folder
    url = cluster.create_database()        # a fresh, empty database: postgresql:///shop_...?host=...
    cluster.stop()                         # pg_ctl stop, folder removed

The server listens on a unix socket in its own folder only (no TCP port, so
parallel runs never collide). PostgreSQL refuses to run as root, and CI
runs as root: then initdb and the server run as the `postgres` system user
that Debian's postgresql-15 package creates (through runuser), in a folder
that user owns.

fsync is off for the tests: a test cluster that loses power is thrown away
anyway, and the tests measure behaviour, not durability. The benchmarks ask
for `durable=True`: PostgreSQL's own defaults (fsync, synchronous_commit).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

PG_BIN = Path(os.environ.get("SHOPD_PG_BIN", "/usr/lib/postgresql/15/bin"))
PORT = 5432  # only names the socket file (.s.PGSQL.5432) in the cluster's own folder


def _as_server_user() -> list[str]:
    """The command prefix that runs a program as the user the server runs as."""
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", "postgres", "--"]


class PgCluster:
    def __init__(self, root: Path):
        self.root = root
        self.data = root / "data"
        self.socket_dir = root

    @classmethod
    def start(cls, max_connections: int = 400, durable: bool = False) -> "PgCluster":
        if not (PG_BIN / "initdb").exists():
            raise RuntimeError(f"PostgreSQL 15 is not installed ({PG_BIN}); `make deps` installs postgresql-15")
        # Short path: a unix socket's path must stay under 108 bytes.
        root = Path(tempfile.mkdtemp(prefix="shopd-pg-", dir="/tmp"))
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(root, pw.pw_uid, pw.pw_gid)
        cluster = cls(root)
        run = _as_server_user()
        subprocess.run([*run, str(PG_BIN / "initdb"), "-D", str(cluster.data), "-U", "postgres", "--auth=trust",
                        "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"],
                       check=True, capture_output=True, cwd=root)
        options = (f"-c listen_addresses='' -c unix_socket_directories={root} -p {PORT} "
                   f"-c max_connections={max_connections} -c shared_buffers=64MB")
        if not durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        subprocess.run([*run, str(PG_BIN / "pg_ctl"), "-D", str(cluster.data), "-l", str(root / "server.log"),
                        "-o", options, "-w", "-t", "60", "start"], check=True, capture_output=True, cwd=root)
        return cluster

    @classmethod
    def attach(cls, root: str) -> "PgCluster":
        """The cluster another process started (the xdist controller)."""
        return cls(Path(root))

    def stop(self):
        subprocess.run([*_as_server_user(), str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w",
                        "stop"], capture_output=True, cwd=self.root)
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, dbname: str) -> str:
        return f"postgresql:///{dbname}?host={self.socket_dir}&port={PORT}&user=postgres"

    def connect(self, dbname: str = "postgres"):
        import psycopg2
        conn = psycopg2.connect(host=str(self.socket_dir), port=PORT, user="postgres", dbname=dbname)
        conn.autocommit = True
        return conn

    def create_database(self) -> str:
        """A new empty database; returns its URL."""
        name = "shop_" + uuid.uuid4().hex[:16]
        deadline = time.monotonic() + 30
        while True:
            conn = self.connect()
            try:
                with conn.cursor() as cur:
                    cur.execute(f'CREATE DATABASE "{name}"')
                return self.url(name)
            except Exception as e:  # template1 busy while another worker creates one at the same instant
                if "is being accessed by other users" not in str(e) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
            finally:
                conn.close()
