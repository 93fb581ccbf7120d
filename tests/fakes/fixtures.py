"""pytest fixtures for the fakes: each test gets its own, stopped afterwards.
Imported by the conftest.py of tests/fakes and tests/e2e."""

import pytest

from fake_stripe import FakeStripe
from smtp_sink import SmtpSink
from tls_ca import TestCa
from webhook_receiver import WebhookReceiver

STRIPE_KEY = "sk_test_fake"


@pytest.fixture
def stripe():
    fake = FakeStripe(api_key=STRIPE_KEY)
    yield fake
    fake.stop()


@pytest.fixture
def sink():
    s = SmtpSink()
    yield s
    s.stop()


@pytest.fixture
def hook():
    h = WebhookReceiver()
    yield h
    h.stop()


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory) -> TestCa:
    """A private CA and a server certificate for 127.0.0.1, made once per test process."""
    return TestCa.create(tmp_path_factory.mktemp("test-ca"))
