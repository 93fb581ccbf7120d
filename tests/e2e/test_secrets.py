"""Secrets never leak, even when a provider echoes them back: Stripe's 401
quotes the API key it was given (and a mock quotes the whole Authorization
header), and Stripe's 400 for an unknown card quotes the pm_ token. Whatever
shopd writes (its log, its database file, the mails it sends, the chat
messages) holds neither the key, nor the SMTP password, nor the admin token,
nor a card token; the one exception is the order's own payment_method column,
which the payment job needs."""

import sqlite3

import pytest
from fake_stripe import FakeStripe
from shop import order, wait_for
from side_effect_helpers import CUSTOMER, TEAM, live, mails_to
from smtp_sink import SmtpSink

STRIPE_KEY = "sk_live_51QsecretKEYdoNotLeak0123456789abcdef"
SMTP_PASSWORD = "relay-pass-doNotLeak-42"
ADMIN_TOKEN = "admin-token-doNotLeak-7f3a9c"
CARD = "pm_1QcardTOKENdoNotLeak42"             # a card the customer's browser made with Stripe.js
UNKNOWN_CARD = "pm_missing_TOKENdoNotLeak77"   # one Stripe does not know: its 400 quotes it
SECRETS = (STRIPE_KEY, SMTP_PASSWORD, ADMIN_TOKEN)
TOKENS = (CARD, UNKNOWN_CARD)


def leaks(data: bytes, needles) -> list[str]:
    return [n for n in needles if n.encode() in data]


def database_without_payment_methods(shop, folder) -> bytes:
    """The database as one file, with orders.payment_method blanked and no free
    pages left holding old rows: what must hold no card token."""
    copy = folder / "copy.db"
    source, db = sqlite3.connect(f"file:{shop.db_path}?mode=ro", uri=True), sqlite3.connect(copy)
    try:
        source.backup(db)
        db.execute("PRAGMA journal_mode = DELETE")  # everything in the one file, no -wal beside it
        db.execute("UPDATE orders SET payment_method = ''")
        db.commit()
        db.execute("VACUUM")
    finally:
        source.close()
        db.close()
    return copy.read_bytes()


@pytest.mark.sqlite_only(reason="reads every byte of the SQLite file and its backup, free pages included")
def test_keys_passwords_and_card_tokens_echoed_by_providers_appear_in_no_log_database_mail_or_chat_message(
        shop_factory, test_ca, hook, tmp_path):
    with FakeStripe(api_key="sk_live_the_key_stripe_expects") as stripe, \
            SmtpSink(tls=test_ca.server_context(), logins={"shop": SMTP_PASSWORD}) as relay:
        args = live(stripe, relay, hook, config={"tls": {"ca_file": str(test_ca.ca_file)},
                                                  "alerts": {"digest_seconds": 0}})
        args["env"].update({"STRIPE_SECRET_KEY": STRIPE_KEY, "SMTP_USERNAME": "shop", "SMTP_PASSWORD": SMTP_PASSWORD,
                            "SHOPD_ADMIN_TOKEN": ADMIN_TOKEN})
        shop = shop_factory(**args)

        # 1. Stripe does not know the shop's key and says so, quoting it.
        wrong_key = shop.post_order(order(token=CARD)).json()["id"]
        shop.wait_for_status(wrong_key, "payment_failed")
        # 2. The key is fixed at Stripe's end; a card it does not know is quoted back.
        stripe.api_key = STRIPE_KEY
        unknown_card = shop.post_order(order(token=UNKNOWN_CARD)).json()["id"]
        shop.wait_for_status(unknown_card, "payment_failed")
        # 3. And an order that goes through.
        paid = shop.post_order(order(token=CARD)).json()["id"]
        shop.wait_for_status(paid, "completed")
        assert shop.admin("GET", "/admin/orders", token=ADMIN_TOKEN).status == 200
        assert shop.admin("GET", "/admin/orders", token=ADMIN_TOKEN + "x").status == 401
        shop.wait_until_idle()
        wait_for(lambda: len(hook.bodies) == 2 and len(mails_to(relay, TEAM)) == 2
                 and len(mails_to(relay, CUSTOMER)) == 3, message="every alert and mail")

        # The providers' words were kept (so the checks below look at text that held the secrets)...
        excerpts = " ".join(r["body_excerpt"] or "" for r in shop.query("SELECT body_excerpt FROM job_attempts"))
        for said in ("Invalid API Key provided", "request_headers", "No such PaymentMethod"):
            assert said in excerpts, excerpts
        assert "Invalid API Key provided" in hook.bodies[0]["text"] + hook.bodies[1]["text"]

        # ... and not one secret or token anywhere.
        shop.stop()
        log = shop.log_path.read_bytes()
        assert leaks(log, SECRETS + TOKENS) == []
        database = b"".join(p.read_bytes() for p in shop.db_path.parent.glob(shop.db_path.name + "*"))
        assert leaks(database, SECRETS) == []
        assert leaks(database_without_payment_methods(shop, tmp_path), SECRETS + TOKENS) == []
        for mail in relay.messages:
            assert leaks(mail.raw, SECRETS + TOKENS) == [], mail.message["Subject"]
        for request in hook.requests:
            assert leaks(request["body"], SECRETS + TOKENS) == []
        # The invoices written to the export folder, too.
        for pdf in shop.invoice_dir().glob("*.pdf"):
            assert leaks(pdf.read_bytes(), SECRETS + TOKENS) == []
