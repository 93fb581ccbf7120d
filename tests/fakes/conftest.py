import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fixtures import hook, sink, stripe, test_ca  # noqa: E402,F401  (pytest fixtures)
