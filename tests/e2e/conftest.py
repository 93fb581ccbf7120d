import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "fakes"))

from fixtures import hook, sink, stripe, test_ca  # noqa: E402,F401  (pytest fixtures: the fakes)
from pg_cluster import PgCluster  # noqa: E402
from shop import Shop  # noqa: E402

# Every test that runs a shop runs on both engines (test ids end in [sqlite]
# and [postgres]), unless marked. SHOPD_TEST_BACKENDS=sqlite runs one.
BACKENDS = tuple(b for b in os.environ.get("SHOPD_TEST_BACKENDS", "sqlite,postgres").split(",") if b)
PG_ROOT_ENV = "SHOPD_TEST_PG_ROOT"


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only(reason): about the SQLite file itself; not run on PostgreSQL")
    config.addinivalue_line("markers", "postgres_only: about PostgreSQL (several nodes, copy-db); not run on SQLite")
    # One PostgreSQL cluster for the whole run, started by the process that
    # runs first (xdist's controller); the workers inherit its address.
    if "postgres" in BACKENDS and PG_ROOT_ENV not in os.environ:
        config._shopd_pg_cluster = PgCluster.start()
        os.environ[PG_ROOT_ENV] = str(config._shopd_pg_cluster.root)


def pytest_unconfigure(config):
    cluster = getattr(config, "_shopd_pg_cluster", None)
    if cluster:
        cluster.stop()
        os.environ.pop(PG_ROOT_ENV, None)


def pytest_generate_tests(metafunc):
    if "backend" not in metafunc.fixturenames:
        return
    backends = list(BACKENDS)
    if metafunc.definition.get_closest_marker("sqlite_only"):
        backends = [b for b in backends if b == "sqlite"]
    if metafunc.definition.get_closest_marker("postgres_only"):
        backends = [b for b in backends if b == "postgres"]
    metafunc.parametrize("backend", backends)


@pytest.fixture(scope="session")
def pg_cluster():
    return PgCluster.attach(os.environ[PG_ROOT_ENV])


@pytest.fixture
def new_database(backend, request):
    """Makes an empty database for a shop: a PostgreSQL URL, or None (SQLite: the shop's own file)."""
    def make():
        if backend != "postgres":
            return None
        return request.getfixturevalue("pg_cluster").create_database()
    return make


@pytest.fixture
def shop_factory(tmp_path, new_database):
    """Makes shops in this test's temp folder, each on its own new database
    unless given `database_url` (nodes sharing one) or `on_sqlite` (a SQLite
    shop whatever the test's backend: the source of copy-db); stops every
    one at the end (exit code 0 expected)."""
    shops = []

    def make(config=None, env=None, start=True, subdir=None, database_url=None, on_sqlite=False):
        path = tmp_path / (subdir or f"shop{len(shops)}")
        path.mkdir(parents=True, exist_ok=True)
        url = None if on_sqlite else database_url or new_database()
        s = Shop(path, config=config, env=env, database_url=url)
        shops.append(s)
        if start:
            s.start()
        return s

    yield make
    for s in shops:
        if s.proc and s.proc.poll() is None:
            s.stop()


@pytest.fixture
def shop(shop_factory):
    """A running shop with the default test config."""
    return shop_factory()
