"""The outside world for the side-effect tests (test_stripe.py, test_smtp.py,
test_alerts.py): a fake Stripe, an SMTP sink and a webhook receiver on
loopback, and a shop.toml that points shopd's real providers at them.

    def test_x(shop_factory, stripe, sink, hook):
        shop = shop_factory(**live(stripe, sink, hook))
"""

from __future__ import annotations

import email.message


from fake_stripe import FakeStripe
from fixtures import STRIPE_KEY
from shop import merge
from smtp_sink import SmtpSink
from webhook_receiver import WebhookReceiver

TEAM = "team@shop.test"
CUSTOMER = "ann@example.com"


def live(stripe: FakeStripe, sink: SmtpSink, hook: WebhookReceiver | None = None, config: dict | None = None) -> dict:
    """shop_factory arguments: Stripe for payment, SMTP for email, the webhook for alerts."""
    base = {
        "payment": {"provider": "stripe", "api_base": stripe.url, "secret_key_env": "STRIPE_SECRET_KEY",
                    "timeout_seconds": 5},
        "email": {"transport": "smtp", "smtp_url": sink.url, "timeout_seconds": 5},
        "alerts": {"webhook_url": hook.url if hook else "", "email": TEAM, "timeout_seconds": 5},
    }
    return {"config": merge(base, config or {}), "env": {"STRIPE_SECRET_KEY": STRIPE_KEY}}


def charge_posts(stripe: FakeStripe, order_id: str) -> list[dict]:
    """Every POST /v1/payment_intents the fake saw for this order."""
    return [r for r in stripe.posts()
            if r["path"].startswith("/v1/payment_intents") and r["params"].get("metadata[order_id]") == order_id]


def refund_posts(stripe: FakeStripe, order_id: str) -> list[dict]:
    """Every POST /v1/refunds the fake saw for this order."""
    return [r for r in stripe.posts()
            if r["path"].startswith("/v1/refunds") and r["params"].get("metadata[order_id]") == order_id]


def charges_for(stripe: FakeStripe, order_id: str) -> list[dict]:
    """The succeeded PaymentIntents (real money moved) for this order."""
    return [c for c in list(stripe.charges) if c["metadata"].get("order_id") == order_id]


def mails_to(sink: SmtpSink, address: str) -> list[email.message.EmailMessage]:
    """Messages the relay accepted for this envelope recipient."""
    return [m.message for m in list(sink.messages) if address in m.rcpt_tos]


def text_of(msg: email.message.EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None, f"no text/plain part in {msg['Subject']!r}"
    return part.get_content()


def html_of(msg: email.message.EmailMessage) -> str:
    part = msg.get_body(preferencelist=("html",))
    assert part is not None, f"no text/html part in {msg['Subject']!r}"
    return part.get_content()
