"""Starting shopd (SPEC sections 1, 2 and 5): the shipped demo config runs as
is, a bad config stops startup with one line naming the key, relative paths
follow the config file, and the first start lays out the database an owner
opens with sqlite3."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess

import pytest

from shop import KEY_LINE, REPO, SHOPD, Shop, order, serve_and_fail, wait_for


@pytest.mark.parametrize("change,key", [
    ({"server": {"listen_port": 8080}}, "server.listen_port"),
    ({"databse": {"path": "x.db"}}, "databse"),
    ({"server": {"max_connections": "8"}}, "server.max_connections"),
    ({"server": {"max_body_bytes": 1.5}}, "server.max_body_bytes"),
    ({"database": {"synchronous": "off"}}, "database.synchronous"),
    ({"database": {"url": "postgresql://shop:hunter2@db.internal/shop"}}, "database.url"),
    ({"retry": {"base_seconds": -1}}, "retry.base_seconds"),
    ({"payment": {"provider": "stripe", "secret_key_env": "SHOPD_TEST_NO_SUCH_VAR"}}, "payment.secret_key_env"),
    ({"payment": {"secret_key": "sk_live_in_the_file"}}, "payment.secret_key"),
    ({"products": [{"sku": "MUG-01", "name": "Mug", "price_cents": "12.00", "stock": 5}]}, "products[0].price_cents"),
    ({"products": [{"sku": "MUG-01", "name": "Mug", "stock": 5}]}, "products[0].price_cents"),
])
def test_a_bad_config_stops_startup_with_one_line_naming_the_key_and_creates_nothing(shop_factory, change, key):
    shop = shop_factory(change, start=False)
    code, lines = serve_and_fail(shop)
    assert code != 0
    assert len(lines) == 1, lines
    m = KEY_LINE.match(lines[0])
    assert m, lines[0]
    assert m.group("key") == key
    assert not (shop.dir / "var").exists(), "a refused config must not create the database or folders"


def test_a_missing_required_value_stops_startup_naming_it(shop_factory):
    shop = shop_factory(start=False)
    del shop.config["shop"]["currency"]
    code, lines = serve_and_fail(shop)
    assert code != 0 and len(lines) == 1
    assert KEY_LINE.match(lines[0]).group("key") == "shop.currency"


def test_a_toml_syntax_error_names_the_line(shop_factory):
    shop = shop_factory(start=False)
    shop.config_text = '[shop]\nname = "Demo\ncurrency = "EUR"\n'
    code, lines = serve_and_fail(shop)
    assert code != 0 and len(lines) == 1
    assert "line 2" in lines[0]


def test_a_config_file_that_does_not_exist_is_one_clear_line(tmp_path):
    r = subprocess.run([str(SHOPD), "--config", str(tmp_path / "nope.toml")], capture_output=True, text=True,
                       timeout=30, cwd=tmp_path)
    assert r.returncode != 0
    lines = [line for line in (r.stdout + r.stderr).splitlines() if line.strip()]
    assert len(lines) == 1 and "nope.toml" in lines[0]


def test_the_stripe_secret_comes_from_the_named_environment_variable(shop_factory):
    shop = shop_factory({"payment": {"provider": "stripe", "secret_key_env": "SHOPD_TEST_STRIPE_KEY",
                                     "api_base": "http://127.0.0.1:9"}},
                        env={"SHOPD_TEST_STRIPE_KEY": "sk_test_from_env"})
    assert shop.get("/readyz").status == 200
    assert "sk_test_from_env" not in shop.log_text()


def test_relative_paths_resolve_against_the_config_files_folder_not_the_working_directory(shop_factory, tmp_path):
    shop = shop_factory({"database": {"path": "data/shop.db"}, "email": {"dir": "out/mail"},
                         "invoice": {"dir": "out/invoices"}}, start=False, subdir="conf")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shop.cwd = elsewhere
    shop.start()
    r = shop.post_order(order())
    assert r.status == 202
    shop.wait_for_status(r.json()["id"], "completed")
    if not shop.database_url:
        assert (shop.dir / "data" / "shop.db").is_file()
    assert len(list((shop.dir / "out" / "mail").glob("*.eml"))) == 1
    # The export copy is written right after the invoice's commit.
    wait_for(lambda: list((shop.dir / "out" / "invoices").glob("*.pdf")), message="the exported invoice")
    assert list(elsewhere.iterdir()) == []


def test_serve_is_the_default_command_and_can_be_named(shop_factory):
    shop = shop_factory(start=False)
    shop.command = ["serve"]
    shop.start()
    assert shop.post_order(order()).status == 202


# --- the shipped demo ---------------------------------------------------------------

def demo_shop(shop_factory) -> Shop:
    """The repository's shop.toml as shipped, only moved to a free port."""
    text = (REPO / "shop.toml").read_text()
    assert 'listen = "127.0.0.1:8080"' in text
    shop = shop_factory(start=False, env={"SHOPD_ADMIN_TOKEN": None, "STRIPE_SECRET_KEY": None})
    shop.config_text = text.replace('listen = "127.0.0.1:8080"', 'listen = "127.0.0.1:0"')
    return shop


@pytest.mark.sanitize
@pytest.mark.sqlite_only(reason="the shipped shop.toml is a SQLite shop")
def test_the_shipped_demo_config_takes_the_example_order_and_the_owner_sees_it_in_sqlite3(shop_factory):
    shop = demo_shop(shop_factory).start()
    example = (REPO / "examples" / "order.json").read_bytes()
    r = shop.request("POST", "/orders", raw=example, headers={"Content-Type": "application/json"})
    assert r.status == 202, r
    body = r.json()
    assert set(body) == {"id", "status", "total_cents", "currency", "status_url"}
    assert body["status"] == "received"
    assert body["total_cents"] == 2400 and body["currency"] == "EUR"
    assert r.headers["location"] == f"/orders/{body['id']}"

    if shutil.which("sqlite3"):
        out = subprocess.run(["sqlite3", "var/shop.db", "select * from order_overview"], capture_output=True,
                             text=True, timeout=30, cwd=shop.dir)
        assert out.returncode == 0, out.stderr
        assert body["id"] in out.stdout
    rows = shop.query("SELECT id, total FROM order_overview")
    assert rows == [{"id": body["id"], "total": "24.00 EUR"}]
    done = shop.wait_for_status(body["id"], "completed", timeout=30)
    assert done["steps"]["invoice"]["number"] == "INV-000001"


@pytest.mark.sqlite_only(reason="the shipped shop.toml is a SQLite shop")
def test_the_shipped_demo_config_passes_check_and_lists_its_products(shop_factory):
    shop = demo_shop(shop_factory)
    shop.write_config()
    r = shop.cli("check")
    assert r.returncode == 0, r.stdout + r.stderr
    shop.start()
    skus = [p["sku"] for p in shop.get_json("/products")["data"]]
    assert skus and "MUG-01" in skus
    example = json.loads((REPO / "examples" / "order.json").read_text())
    assert all(item["sku"] in skus for item in example["items"])


# --- the database as the first start lays it out ---------------------------------------

def test_the_first_start_creates_the_database_at_the_latest_schema_in_wal_mode(shop):
    version = shop.schema_version()
    assert version >= 1
    if not shop.database_url:
        with sqlite3.connect(shop.db_path) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {"products", "orders", "order_items", "outbox", "job_attempts", "invoices",
            "order_overview", "dead_jobs", "revenue_daily", "stock_overview"} <= shop.table_names()
    shop.restart()
    assert shop.schema_version() == version


# Foreign-key columns whose table has no index leading with them (PostgreSQL's catalog).
PG_UNINDEXED_FOREIGN_KEYS = """
SELECT c.conrelid::regclass::text || '.' || a.attname AS col
  FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
 WHERE c.contype = 'f'
   AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1])
"""


def test_every_foreign_key_column_has_an_index(shop):
    if shop.database_url:
        assert [r["col"] for r in shop.query(PG_UNINDEXED_FOREIGN_KEYS)] == []
        return
    missing = []
    with sqlite3.connect(f"file:{shop.db_path}?mode=ro", uri=True) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")]
        for table in tables:
            leading = set()
            for idx in conn.execute(f"PRAGMA index_list('{table}')").fetchall():
                cols = conn.execute(f"PRAGMA index_info('{idx[1]}')").fetchall()
                if cols:
                    leading.add(cols[0][2])
            pk = [r[1] for r in sorted(conn.execute(f"PRAGMA table_info('{table}')").fetchall(), key=lambda r: r[5])
                  if r[5] > 0]
            if pk:
                leading.add(pk[0])
            for fk in conn.execute(f"PRAGMA foreign_key_list('{table}')").fetchall():
                if fk[3] not in leading:
                    missing.append(f"{table}.{fk[3]}")
    assert missing == []


@pytest.mark.sqlite_only(reason="PostgreSQL checks every foreign key on every write; SQLite only when told to")
def test_foreign_keys_hold_in_the_stored_data(shop):
    assert shop.post_order(order()).status == 202
    with sqlite3.connect(f"file:{shop.db_path}?mode=ro", uri=True) as conn:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_a_database_from_a_newer_shopd_is_refused_and_left_alone(shop):
    shop.stop()
    if shop.database_url:
        shop.execute("INSERT INTO schema_migrations (version, applied_at) VALUES (999, '2031-01-01T00:00:00.000Z')")
    else:
        shop.execute("PRAGMA user_version = 999")
    with pytest.raises(AssertionError, match="exited"):
        shop.start(timeout=15)
    assert shop.proc.returncode != 0
    assert "upgrade shopd" in shop.log_text()
    assert shop.schema_version() == 999


@pytest.mark.sqlite_only(reason="on PostgreSQL several servers share one database by design (test_multinode.py)")
def test_a_second_server_on_the_same_database_is_refused(shop):
    second = Shop(shop.dir, config=shop.config)
    second.log_path = shop.dir / "second.log"
    second.config_path = shop.dir / "second.toml"
    with pytest.raises(AssertionError, match="exited"):
        second.start(timeout=15)
    assert second.proc.returncode != 0
    assert "already serving" in second.log_text()
    assert shop.post_order(order()).status == 202


def test_times_are_iso_utc_with_milliseconds_and_ids_are_uuidv7(shop):
    r = shop.post_order(order())
    order_id = r.json()["id"]
    shop.wait_for_status(order_id, "completed")
    iso = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
    uuid7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
    rows = shop.query("SELECT id, created_at, updated_at FROM orders") + shop.query(
        "SELECT id, created_at, updated_at FROM outbox") + shop.query("SELECT id, started_at AS created_at, "
                                                                      "finished_at AS updated_at FROM job_attempts")
    assert rows
    for row in rows:
        assert uuid7.match(row["id"]), row
        assert iso.match(row["created_at"]) and iso.match(row["updated_at"]), row
    for table, column in [("orders", "total_cents"), ("order_items", "price_cents"), ("products", "price_cents"),
                          ("invoices", "total_cents")]:
        if shop.database_url:
            types = {r["t"] for r in shop.query("SELECT data_type AS t FROM information_schema.columns "
                                                "WHERE table_name = ? AND column_name = ?", table, column)}
            assert types == {"bigint"}, (table, column, types)
        else:
            types = {r["t"] for r in shop.query(f"SELECT DISTINCT typeof({column}) AS t FROM {table}")}
            assert types == {"integer"}, (table, column, types)
