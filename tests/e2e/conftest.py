import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "fakes"))

from fixtures import hook, sink, stripe, test_ca  # noqa: E402,F401  (pytest fixtures: the fakes)
from shop import Shop  # noqa: E402


@pytest.fixture
def shop_factory(tmp_path):
    """Makes shops in this test's temp folder; stops every one at the end (exit code 0 expected)."""
    shops = []

    def make(config=None, env=None, start=True, subdir=None):
        path = tmp_path / (subdir or f"shop{len(shops)}")
        path.mkdir(parents=True, exist_ok=True)
        s = Shop(path, config=config, env=env)
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
