"""`shopd copy-db --to URL` (SPEC section 7): a SQLite shop moves onto an
empty PostgreSQL database with every order, job, attempt, invoice PDF,
stock figure, idempotency key and alert as it was, and a PostgreSQL node
then serves it: the same answers, the unfinished jobs finish, numbering
and idempotency carry on."""

from __future__ import annotations

import shutil

import pytest

from shop import order, pg_query, wait_for

pytestmark = pytest.mark.postgres_only

# Every shop table and how its rows are told apart.
TABLES = {
    "products": "sku", "orders": "id", "order_items": "order_id, line_no", "stock_ledger": "id",
    "outbox": "id", "job_attempts": "id", "invoices": "order_id", "idempotency_keys": "key", "alerts": "job_id",
}

# Emails and alerts die at their first failure; a transient payment waits long
# enough between attempts to still be retrying when the shop is copied.
CONFIG = {"retry": {"email": {"max_attempts": 1}, "alert": {"max_attempts": 1},
                    "payment": {"base_seconds": 600, "max_seconds": 600}},
          "alerts": {"digest_seconds": 0.2}}


def rows(shop_or_url, table):
    sql = f"SELECT * FROM {table} ORDER BY {TABLES[table]}"
    return pg_query(shop_or_url, sql) if isinstance(shop_or_url, str) else shop_or_url.query(sql)


def sqlite_shop_in_every_state(shop_factory):
    """A SQLite shop with orders completed, payment_failed, needs_attention (a dead
    and a discarded email, undelivered alerts), received (a payment retrying)
    and paid (a dead email retried by the owner: pending), an idempotency
    key and an owner's stock change. Stopped, ready to be copied."""
    shop = shop_factory(config=CONFIG, on_sqlite=True, subdir="sqlite")
    ids = {"completed": shop.post_order(order(), headers={"Idempotency-Key": "checkout-1"}).json()["id"],
           "declined": shop.post_order(order(token="pm_card_chargeDeclined")).json()["id"]}
    shop.wait_for_status(ids["completed"], "completed")
    shop.wait_for_status(ids["declined"], "payment_failed")
    shop.wait_until_idle()

    shutil.rmtree(shop.mail_dir())
    shop.mail_dir().write_text("not a folder")  # every email now dies at once
    ids["discarded"] = shop.post_order(order(qty=1)).json()["id"]
    ids["retried"] = shop.post_order(order(qty=1)).json()["id"]
    for key in ("discarded", "retried"):
        shop.wait_for_status(ids[key], "needs_attention")
    shop.wait_until_idle()
    shop.mail_dir().unlink()
    shop.mail_dir().mkdir()
    dead_email = {k: shop.query("SELECT id FROM outbox WHERE order_id = ? AND kind = 'email.confirmation'",
                                ids[k])[0]["id"] for k in ("discarded", "retried")}
    assert shop.cli("jobs", "discard", dead_email["discarded"]).returncode == 0

    ids["retrying"] = shop.post_order(order(qty=1, token="pm_card_transient")).json()["id"]
    wait_for(lambda: shop.order_status(ids["retrying"])["steps"]["payment"]["state"] == "retrying",
             message="the transient payment to wait for its next attempt")
    assert shop.admin("PUT", "/admin/products/TEE-01", {"name": "T-shirt", "price_cents": 2500,
                                                        "stock": 7}).status in (200, 201)
    answers = {k: shop.order_status(v) for k, v in ids.items()}
    invoices = {k: shop.get(f"/orders/{v}/invoice").body for k, v in ids.items()
                if answers[k]["steps"]["invoice"].get("number")}
    shop.stop()
    # The owner retries the dead email from the shell: pending when copied.
    assert shop.cli("jobs", "retry", dead_email["retried"]).returncode == 0
    return shop, ids, answers, invoices


def test_a_sqlite_shop_copied_to_postgresql_is_served_the_same_by_a_postgresql_node(shop_factory, pg_cluster):
    old, ids, answers, invoices = sqlite_shop_in_every_state(shop_factory)
    states = {r["state"] for r in old.query("SELECT state FROM outbox")}
    assert {"done", "dead", "discarded", "pending", "retrying"} <= states, states
    statuses = {r["status"] for r in old.query("SELECT status FROM orders")}
    assert {"completed", "payment_failed", "needs_attention", "received", "paid"} <= statuses, statuses
    url = pg_cluster.create_database()

    copied = old.cli("copy-db", "--to", url)
    assert copied.returncode == 0, copied.stdout + copied.stderr
    for table in TABLES:  # every row, every column, the PDFs' bytes included
        assert rows(url, table) == rows(old, table), table
    assert pg_query(url, "SELECT last_seq FROM invoice_numbering") == [{"last_seq": 3}]

    again = old.cli("copy-db", "--to", url)
    assert again.returncode == 1 and "not empty" in again.stderr, again

    node = shop_factory(config=CONFIG, database_url=url, subdir="postgres")
    for key in ("completed", "declined", "discarded", "retrying"):
        assert node.order_status(ids[key]) == answers[key], key
    for key, pdf in invoices.items():
        assert node.get(f"/orders/{ids[key]}/invoice").body == pdf, key
    assert {p["sku"]: p["stock"] for p in node.get_json("/products")["data"]} == {"MUG-01": 50 - 2 - 1 - 1 - 1,
                                                                                  "TEE-01": 7}
    # The job left pending runs on the new node.
    node.wait_for_status(ids["retried"], "completed")
    # An Idempotency-Key from before the move replays its first answer.
    replay = node.post_order(order(), headers={"Idempotency-Key": "checkout-1"})
    assert replay.status == 202 and replay.headers.get("idempotent-replayed") == "true"
    assert replay.json()["id"] == ids["completed"]
    # Invoice numbers carry on without a gap.
    new = node.post_order(order(qty=1)).json()["id"]
    assert node.wait_for_status(new, "completed")["steps"]["invoice"]["number"] == "INV-000004"


def test_copy_db_refuses_while_the_sqlite_server_runs(shop_factory, pg_cluster):
    shop = shop_factory(on_sqlite=True)
    url = pg_cluster.create_database()
    p = shop.cli("copy-db", "--to", url)
    assert p.returncode == 1 and "stop it first" in p.stderr, p
    assert pg_query(url, "SELECT count(*) AS n FROM pg_tables WHERE tablename = 'orders'") == [{"n": 0}]


def test_a_copy_that_failed_half_way_leaves_the_target_empty_and_runs_again(shop_factory, pg_cluster):
    shop = shop_factory(on_sqlite=True)
    order_ids = [shop.post_order(order(qty=1)).json()["id"] for _ in range(3)]
    for order_id in order_ids:
        shop.wait_for_status(order_id, "completed")
    shop.stop()
    # The target breaks while the copy is under way: inserting invoices fails.
    url = pg_cluster.create_database()
    node = shop_factory(database_url=url, subdir="postgres")  # lays out the schema
    node.stop()
    breaker = pg_cluster.connect(url.split("///")[1].split("?")[0])
    with breaker.cursor() as cur:
        cur.execute("DELETE FROM stock_ledger; DELETE FROM products")  # what it seeded: empty again
        cur.execute("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'disk full (simulated)'; END $$")
        cur.execute("CREATE TRIGGER refuse BEFORE INSERT ON invoices FOR EACH ROW EXECUTE FUNCTION refuse()")

    failed = shop.cli("copy-db", "--to", url)
    assert failed.returncode == 1 and "disk full (simulated)" in failed.stderr, failed
    for table in TABLES:
        assert rows(url, table) == [], table

    with breaker.cursor() as cur:
        cur.execute("DROP TRIGGER refuse ON invoices")
    breaker.close()
    again = shop.cli("copy-db", "--to", url)
    assert again.returncode == 0, again.stdout + again.stderr
    assert [r["id"] for r in rows(url, "orders")] == sorted(order_ids)
