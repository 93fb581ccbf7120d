"""The owner's command line (SPEC section 1, CLI): version, check, jobs list,
jobs retry and backup, each run next to a live server on the same file."""
import re
import shutil
import sqlite3
import subprocess
import time

import pytest

from shop import SHOPD, SLOW, OrderStream, Shop, one_completed_and_one_declined, order, wait_for

# An email that cannot be written dies at once, and so does the team alert
# (it is mailed to the same folder), so a test need not wait for backoff.
FRAGILE_EMAIL = {"retry": {"email": {"max_attempts": 1}, "alert": {"max_attempts": 1}}}


def one_line(p: subprocess.CompletedProcess) -> str:
    out = (p.stdout + p.stderr).strip()
    assert out and "\n" not in out, f"expected one line, got:\n{out}"
    return out


def test_version_prints_the_version_the_server_reports(shop):
    p = subprocess.run([str(SHOPD), "--version"], capture_output=True, text=True, timeout=10 * SLOW)
    assert p.returncode == 0, p
    m = re.fullmatch(r"shopd (\d+\.\d+\.\d+\S*)", p.stdout.strip())
    assert m, p.stdout
    started = next(e for e in shop.log_entries() if e["msg"] == "shopd started")
    assert started["version"] == m.group(1)


def test_check_on_a_good_config_prints_a_summary_of_the_live_shop_and_exits_0(shop):
    ok, declined = one_completed_and_one_declined(shop)

    p = shop.cli("check")  # while the server runs
    assert p.returncode == 0, p
    out = p.stdout
    assert "Test Shop" in out
    if shop.database_url:
        assert re.search(r"^integrity: PostgreSQL checks its own pages", out, re.M), out
    else:
        assert re.search(r"^integrity: ok$", out, re.M), out
    assert re.search(r"^invoices: 1 \(INV-000001 to INV-000001, no gaps\)$", out, re.M), out
    assert re.search(r"^orders:.*\bcompleted=1\b", out, re.M), out
    assert re.search(r"^orders:.*\bpayment_failed=1\b", out, re.M), out
    done = shop.query("SELECT count(*) AS n FROM outbox WHERE state = 'done'")[0]["n"]
    assert re.search(rf"^jobs:.*\bdead=1\b.*\bdone={done}\b|^jobs:.*\bdone={done}\b.*\bdead=1\b", out, re.M), out
    assert "shopd jobs list --state dead" in out  # tells the owner what to do about the dead job
    # check only reads: the server is unaffected.
    assert shop.get("/readyz").status == 200


def test_check_before_first_start_says_the_database_will_be_created_and_exits_0(shop_factory):
    shop = shop_factory(start=False)
    shop.write_config()
    p = shop.cli("check")
    assert p.returncode == 0, p
    if shop.database_url:  # an empty PostgreSQL database, made by its administrator
        assert "schema: empty; `shopd serve` will create it" in p.stdout
        assert shop.table_names() == set(), "check must not create any table"
    else:
        assert "does not exist yet" in p.stdout
        assert not shop.db_path.exists(), "check must not create the database"


@pytest.mark.parametrize("change,key", [
    ({"server": {"listne": "127.0.0.1:8080"}}, "server.listne"),
    ({"worker": {"concurrency": "many"}}, "worker.concurrency"),
    ({"retry": {"base_seconds": "fast"}}, "retry.base_seconds"),
    ({"database": {"synchronous": "sometimes"}}, "database.synchronous"),
    ({"surprise": {"x": 1}}, "surprise"),
], ids=["unknown-key", "wrong-type-int", "wrong-type-number", "bad-choice", "unknown-table"])
def test_check_on_a_bad_config_exits_non_zero_with_one_line_naming_the_key(shop_factory, change, key):
    shop = shop_factory(config=change, start=False)
    shop.write_config()
    p = shop.cli("check")
    assert p.returncode != 0, p
    line = one_line(p)
    assert key in line, line
    # The server refuses the same config, with the same key.
    serve = subprocess.run([str(SHOPD), "--config", str(shop.config_path)], capture_output=True, text=True,
                           timeout=10 * SLOW, cwd=shop.dir)
    assert serve.returncode != 0
    assert key in serve.stdout + serve.stderr


def test_jobs_list_with_state_dead_shows_only_the_dead_jobs(shop):
    ok = shop.post_order(order()).json()["id"]
    declined = shop.post_order(order(token="pm_card_chargeDeclined")).json()["id"]
    shop.wait_for_status(ok, "completed")
    shop.wait_for_status(declined, "payment_failed")
    dead = shop.query("SELECT id FROM outbox WHERE state = 'dead'")
    assert len(dead) == 1

    p = shop.cli("jobs", "list", "--state", "dead")
    assert p.returncode == 0, p
    rows = [line for line in p.stdout.splitlines() if re.match(r"^[0-9a-f]{8}-", line)]
    assert len(rows) == 1, p.stdout
    assert rows[0].startswith(dead[0]["id"])
    assert declined in rows[0] and "payment.charge" in rows[0] and "dead" in rows[0]
    assert "declined" in rows[0].lower()  # the last error, so the owner knows why

    everything = shop.cli("jobs", "list", "--limit", "100")
    assert everything.returncode == 0, everything
    listed = {line.split()[0] for line in everything.stdout.splitlines() if re.match(r"^[0-9a-f]{8}-", line)}
    assert listed == {r["id"] for r in shop.query("SELECT id FROM outbox")}

    bad = shop.cli("jobs", "list", "--state", "stuck")
    assert bad.returncode != 0


def test_jobs_retry_on_a_dead_email_while_the_server_runs_completes_the_order(shop_factory):
    shop = shop_factory(config=FRAGILE_EMAIL)
    # The mail folder is broken: a file stands where the folder should be.
    shutil.rmtree(shop.mail_dir())
    shop.mail_dir().write_text("not a folder")
    oid = shop.post_order(order()).json()["id"]
    status = shop.wait_for_status(oid, "needs_attention")
    assert status["steps"]["email"]["state"] == "dead"
    email_job = shop.query("SELECT id FROM outbox WHERE order_id = ? AND kind = 'email.confirmation'", oid)[0]["id"]

    shop.wait_until_idle(message="the alert about it to end")

    # The owner fixes the folder and retries from the shell, some time later:
    # by then the worker has gone idle (its maintenance tick is 1 s). Idleness
    # is the absence of events, so there is nothing to poll for: let time pass.
    time.sleep(1.5 * SLOW)
    shop.mail_dir().unlink()
    shop.mail_dir().mkdir()
    p = shop.cli("jobs", "retry", email_job)
    assert p.returncode == 0, p
    assert email_job in p.stdout

    done = shop.wait_for_status(oid, "completed")
    assert done["steps"]["email"]["state"] == "done"
    mails = shop.mails()
    assert len(mails) == 1 and oid in mails[0].read_text(errors="replace")
    assert shop.query("SELECT state, attempts FROM outbox WHERE id = ?", email_job) == [
        {"state": "done", "attempts": 1}]


def test_jobs_retry_refuses_a_job_that_is_not_dead_or_does_not_exist(shop):
    oid = shop.post_order(order()).json()["id"]
    shop.wait_for_status(oid, "completed")
    job = shop.query("SELECT id FROM outbox WHERE order_id = ? AND kind = 'payment.charge'", oid)[0]["id"]
    p = shop.cli("jobs", "retry", job)
    assert p.returncode != 0
    assert "job_not_dead" in p.stderr
    assert shop.query("SELECT state FROM outbox WHERE id = ?", job) == [{"state": "done"}]
    missing = shop.cli("jobs", "retry", "01a22098-092d-7001-8a0e-1ec08120f7e1")
    assert missing.returncode != 0
    assert "not_found" in missing.stderr


@pytest.mark.sanitize
@pytest.mark.sqlite_only(reason="shopd backup copies the SQLite file; a PostgreSQL shop is backed up with pg_dump")
def test_backup_during_a_write_load_passes_integrity_check_and_holds_every_order_accepted_before(shop_factory,
                                                                                                tmp_path):
    shop = shop_factory(config={"products": [
        {"sku": "MUG-01", "name": "Coffee mug", "price_cents": 1200, "stock": 100000}]})
    with OrderStream(shop) as stream:
        accepted = stream.accepted
        wait_for(lambda: len(accepted) >= 100, timeout=30, message="orders before the backup")
        before = list(accepted)  # every 202 that arrived before the backup started
        copy = tmp_path / "backup.db"
        p = shop.cli("backup", str(copy))
        n = len(accepted)
        wait_for(lambda: len(accepted) > n + 5, message="orders to keep coming after the backup")
    assert p.returncode == 0, p
    assert not stream.failures, stream.failures[:3]  # intake never stopped for the backup

    # The copy is one self-contained file: move it away from any -wal or -shm and open it.
    alone = tmp_path / "alone" / "restored.db"
    alone.parent.mkdir()
    shutil.copy(copy, alone)
    conn = sqlite3.connect(f"file:{alone}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        stored = {r[0] for r in conn.execute("SELECT id FROM orders")}
        missing = [i for i in before if i not in stored]
        assert not missing, f"{len(missing)} accepted orders are not in the backup"
        # Each order came with its items and its payment job, in the same snapshot.
        orphans = conn.execute("SELECT count(*) FROM orders o WHERE NOT EXISTS "
                               "(SELECT 1 FROM order_items i WHERE i.order_id = o.id) OR NOT EXISTS "
                               "(SELECT 1 FROM outbox j WHERE j.order_id = o.id AND j.kind = 'payment.charge')")
        assert orphans.fetchone()[0] == 0
    finally:
        conn.close()

    # Restoring is copying the file into place: a new shop serves from it.
    restored = Shop(tmp_path / "restored")
    restored.db_path.parent.mkdir(parents=True)
    shutil.copy(copy, restored.db_path)
    restored.start()
    try:
        assert restored.get_json(f"/orders/{before[-1]}")["id"] == before[-1]
        assert restored.get_json(f"/orders/{before[0]}")["id"] == before[0]
    finally:
        restored.stop()


@pytest.mark.sqlite_only(reason="shopd backup copies the SQLite file; a PostgreSQL shop is backed up with pg_dump")
def test_backup_of_a_shop_without_a_database_fails_with_a_clear_message(shop_factory, tmp_path):
    shop = shop_factory(start=False)
    shop.write_config()
    p = shop.cli("backup", str(tmp_path / "copy.db"))
    assert p.returncode != 0
    assert "no database" in p.stderr
    assert not (tmp_path / "copy.db").exists()


def test_maintenance_commands_work_without_the_shops_payment_secret_but_check_names_it(shop_factory):
    # A cron job taking backups, or an owner's shell, need not hold the Stripe key.
    shop = shop_factory(config={"payment": {"provider": "stripe", "api_base": "http://127.0.0.1:9"}},
                        env={"STRIPE_SECRET_KEY": "sk_test_fake"})
    shop.stop()
    shop.env["STRIPE_SECRET_KEY"] = None
    listed = shop.cli("jobs", "list")
    assert listed.returncode == 0, listed
    backup = shop.cli("backup", str(shop.dir / "copy.db"))
    if shop.database_url:  # refused, and the owner is told which tool does it
        assert backup.returncode == 1 and "pg_dump" in backup.stderr, backup
    else:
        assert backup.returncode == 0, backup
        assert (shop.dir / "copy.db").exists()
    checked = shop.cli("check")
    assert checked.returncode != 0
    assert "payment.secret_key_env" in one_line(checked) and "STRIPE_SECRET_KEY" in checked.stderr
