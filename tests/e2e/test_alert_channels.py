"""Alerts that arrive: each channel is tried on its own, so a mail relay that
is itself broken (a wrong password) does not silence the chat; an alert that
reached nobody makes `shopd check` fail until the owner deals with it; and a
storm of failures gives the chat a few digests, not hundreds of messages."""

import math
import re
from datetime import datetime, timezone

import pytest

from shop import order, post_orders, wait_for
from side_effect_helpers import TEAM, mails_to
from smtp_sink import SmtpSink
from worker_helpers import job

# The relay wants this login; the shop has the wrong password.
WRONG_PASSWORD = {"SMTP_USERNAME": "shop", "SMTP_PASSWORD": "not-the-relay-password"}


@pytest.fixture
def strict_relay(test_ca):
    """A relay that wants a login over STARTTLS, and never gets the right one."""
    with SmtpSink(tls=test_ca.server_context(), logins={"shop": "the-relay-password"}) as relay:
        yield relay


def smtp_through(relay, test_ca, alerts: dict) -> dict:
    return {"email": {"transport": "smtp", "smtp_url": relay.url, "timeout_seconds": 5},
            "tls": {"ca_file": str(test_ca.ca_file)}, "alerts": alerts}


def alert_row(shop, order_id):
    [row] = shop.query("SELECT a.* FROM alerts a JOIN outbox j ON j.id = a.job_id WHERE a.order_id = ?", order_id)
    return row


def critical_lines(shop):
    return [e for e in shop.log_entries() if e["level"] == "critical"]


def test_a_relay_that_rejects_the_login_does_not_silence_the_chat_and_the_alert_records_which_channel_delivered(
        shop_factory, test_ca, strict_relay, hook):
    shop = shop_factory(config=smtp_through(strict_relay, test_ca, {"webhook_url": hook.url, "email": TEAM}),
                        env=WRONG_PASSWORD)
    order_id = shop.post_order(order()).json()["id"]

    # The confirmation dies on the login (535), and the alert about it cannot go by email either.
    o = shop.wait_for_status(order_id, "needs_attention")
    assert o["steps"]["email"]["state"] == "dead"
    [alert] = hook.wait_for(1)
    for expected in (order_id, "email.confirmation", "smtp_535"):
        assert expected in alert["text"], f"{expected!r} missing from the alert:\n{alert['text']}"
    wait_for(lambda: job(shop, order_id, "alert.team")["state"] in ("done", "dead"), message="the alert job to end")
    row = alert_row(shop, order_id)
    assert (row["webhook"], row["email"]) == ("sent", "failed")
    assert strict_relay.messages == [] and strict_relay.login_attempts
    assert not any(accepted for _, accepted in strict_relay.login_attempts)

    # Somebody was told: nothing for `shopd check` to complain about, and no critical line.
    check = shop.cli("check")
    assert check.returncode == 0, check.stdout
    assert "reached nobody" not in check.stdout
    assert critical_lines(shop) == []


def test_with_email_the_only_channel_an_alert_that_reached_nobody_fails_check_until_its_job_is_discarded(
        shop_factory, test_ca, strict_relay):
    shop = shop_factory(config=smtp_through(strict_relay, test_ca, {"webhook_url": "", "email": TEAM}),
                        env=WRONG_PASSWORD)
    order_id = shop.post_order(order()).json()["id"]

    shop.wait_for_status(order_id, "needs_attention")
    wait_for(lambda: job(shop, order_id, "alert.team")["state"] == "dead", message="the alert job to die")
    alert_job = job(shop, order_id, "alert.team")
    assert (alert_row(shop, order_id)["webhook"], alert_row(shop, order_id)["email"]) == ("none", "failed")

    check = shop.cli("check")
    assert check.returncode != 0, check.stdout
    [problem] = [line for line in check.stdout.splitlines() if line.startswith("PROBLEM")]
    assert alert_job["id"] in problem and order_id in problem and "email.confirmation" in problem, problem
    assert "reached nobody" in problem
    # Logged critical once; counted for the owner's monitoring.
    [critical] = critical_lines(shop)
    assert critical["job_id"] == alert_job["id"]
    metrics = shop.get("/metrics").body.decode()
    assert re.search(r"^shopd_alerts_undelivered_total 1(\.0)?$", metrics, re.M), metrics

    discarded = shop.cli("jobs", "discard", alert_job["id"])
    assert discarded.returncode == 0, discarded.stderr
    check = shop.cli("check")
    assert check.returncode == 0, check.stdout
    assert "reached nobody" not in check.stdout
    assert len(critical_lines(shop)) == 1


def test_an_undelivered_alert_retried_once_the_relay_takes_the_password_reaches_the_team_and_check_passes(
        shop_factory, test_ca, strict_relay):
    shop = shop_factory(config=smtp_through(strict_relay, test_ca, {"webhook_url": "", "email": TEAM}),
                        env=WRONG_PASSWORD)
    order_id = shop.post_order(order()).json()["id"]
    wait_for(lambda: shop.query("SELECT 1 FROM outbox WHERE order_id = ? AND kind = 'alert.team' AND state = 'dead'",
                                order_id), message="the alert job to die")
    alert_job = job(shop, order_id, "alert.team")
    assert shop.cli("check").returncode != 0

    # The owner fixes the password and sends the alert again, as `shopd check` suggests.
    shop.stop()
    shop.env["SMTP_PASSWORD"] = "the-relay-password"
    shop.start()
    retried = shop.cli("jobs", "retry", alert_job["id"])
    assert retried.returncode == 0, retried.stderr
    [mail] = wait_for(lambda: mails_to(strict_relay, TEAM), message="the alert to reach the team")
    assert order_id in mail["Subject"] and "email.confirmation" in mail["Subject"]
    wait_for(lambda: alert_row(shop, order_id)["email"] == "sent", message="the alert to be recorded as sent")
    check = shop.cli("check")
    assert check.returncode == 0, check.stdout


def test_check_with_no_alert_channel_configured_is_a_problem(shop_factory):
    shop = shop_factory(config={"alerts": {"webhook_url": "", "email": ""}}, start=False)
    shop.write_config()
    check = shop.cli("check")
    assert check.returncode != 0, check.stdout
    assert any(line.startswith("PROBLEM") and "alert" in line for line in check.stdout.splitlines()), check.stdout


STORM = 300
DIGEST_SECONDS = 1.0


@pytest.mark.timeout(180)
def test_300_declines_in_a_burst_reach_the_chat_in_a_few_digests_that_name_every_dead_payment(shop_factory, hook):
    shop = shop_factory(config={
        "alerts": {"webhook_url": hook.url, "email": "", "digest_seconds": DIGEST_SECONDS},
        "products": [{"sku": "MUG-01", "name": "Coffee mug", "price_cents": 1200, "stock": 1000}]})
    order_ids = post_orders(shop, STORM, token="pm_card_chargeDeclined")

    shop.wait_until_idle(timeout=90, message="every decline to be handled and alerted")
    assert {o["status"] for o in shop.query("SELECT status FROM orders")} == {"payment_failed"}
    sent = [r for r in hook.requests if r["status"] == 200]
    texts = [r["json"]["text"] for r in sent]
    # One message at once, then at most one digest per window while the deaths go on, and
    # (a digest names at most 50 orders) one per 50 dead payments: a handful, not 300.
    deaths = shop.query("SELECT min(updated_at) AS first, max(updated_at) AS last FROM outbox "
                        "WHERE kind = 'payment.charge' AND state = 'dead'")[0]
    span = (parse_ms(deaths["last"]) - parse_ms(deaths["first"])) / 1000
    bound = 2 + math.ceil(span / DIGEST_SECONDS) + math.ceil(STORM / 50)
    print(f"{len(texts)} chat messages for {STORM} declines over {span:.1f} s (bound {bound})")
    assert len(texts) <= bound, f"{len(texts)} chat messages for {STORM} declines over {span:.1f} s"
    missing = [i for i in order_ids if not any(i in t for t in texts)]
    assert not missing, f"{len(missing)} dead payments are in no chat message, e.g. {missing[:3]}"
    assert len(hook.requests) == len(sent)  # and none was refused by the chat


def parse_ms(iso: str) -> int:
    return int(datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp() * 1000)
