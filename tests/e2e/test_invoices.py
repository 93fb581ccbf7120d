"""Invoices live in the database: the one SQLite file (and every backup) is the whole shop."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from shop import REPO, Shop, order, post_orders, wait_for


def invoice_pdf(shop: Shop, order_id: str) -> bytes:
    r = shop.get(f"/orders/{order_id}/invoice")
    assert r.status == 200, r
    assert r.headers["content-type"] == "application/pdf"
    assert r.body.startswith(b"%PDF-")
    return r.body


def test_the_invoice_is_stored_in_the_database_with_its_number(shop):
    order_id = shop.post_order(order()).json()["id"]
    done = shop.wait_for_status(order_id, "completed")
    [row] = shop.query("SELECT number, pdf FROM invoices WHERE order_id = ?", order_id)
    assert row["number"] == done["steps"]["invoice"]["number"]
    assert bytes(row["pdf"]) == invoice_pdf(shop, order_id)


def test_the_invoice_is_served_from_the_database_after_the_export_folder_was_deleted(shop_factory):
    shop = shop_factory(config={"invoice": {"dir": "var/invoices"}})
    order_id = shop.post_order(order()).json()["id"]
    shop.wait_for_status(order_id, "completed")
    wait_for(lambda: list(shop.invoice_dir().glob("*.pdf")), message="the exported copy")
    exported = next(shop.invoice_dir().glob("*.pdf")).read_bytes()
    shutil.rmtree(shop.invoice_dir())
    assert invoice_pdf(shop, order_id) == exported
    shop.restart()
    assert invoice_pdf(shop, order_id) == exported


def test_without_an_export_folder_no_invoice_file_is_written(shop_factory):
    shop = shop_factory(config={"invoice": {"dir": ""}})
    order_id = shop.post_order(order()).json()["id"]
    shop.wait_for_status(order_id, "completed")
    invoice_pdf(shop, order_id)
    assert not list(shop.dir.rglob("*.pdf"))


def test_a_backup_restored_into_a_fresh_folder_serves_every_invoice(shop_factory, tmp_path):
    shop = shop_factory()
    ids = post_orders(shop, 5)
    for order_id in ids:
        shop.wait_for_status(order_id, "completed")
    originals = {order_id: invoice_pdf(shop, order_id) for order_id in ids}
    copy = tmp_path / "backup.db"
    assert shop.cli("backup", str(copy)).returncode == 0
    shop.stop()

    restored = shop_factory(start=False, subdir="restored")
    restored.db_path.parent.mkdir(parents=True)
    shutil.copy(copy, restored.db_path)
    restored.start()
    for order_id, pdf in originals.items():
        assert invoice_pdf(restored, order_id) == pdf
    assert not list(restored.dir.rglob("*.pdf"))  # served from the database, not from files


def test_invoices_of_a_shop_made_before_pdfs_lived_in_the_database_move_in_at_startup(shop_factory):
    # A database at schema 1, as the previous shopd left it: a completed order
    # whose invoice PDF is a file in var/invoices (the old default folder).
    shop = shop_factory(start=False)
    shop.db_path.parent.mkdir(parents=True)
    schema = (REPO / "schema.sql").read_text()
    first_migration = schema.split("-- migration: 1", 1)[1].split("-- migration: 2", 1)[0]
    now = "2026-11-01T10:00:00.000Z"
    order_id = "01a00000-0000-7000-8000-000000000001"
    db = sqlite3.connect(shop.db_path)
    db.executescript(first_migration)
    db.executescript(f"""
        INSERT INTO products VALUES ('MUG-01', 'Coffee mug', 1200, 49, '{now}', '{now}');
        INSERT INTO orders (id, status, stock_state, total_cents, currency, customer_email, customer_name,
                            ship_line1, ship_city, ship_country, payment_method, payment_ref, created_at, updated_at)
            VALUES ('{order_id}', 'completed', 'sold', 1200, 'EUR', 'ann@example.com', 'Ann', 'Street 1',
                    'Berlin', 'DE', 'pm_card_visa', 'pi_old', '{now}', '{now}');
        INSERT INTO order_items VALUES ('{order_id}', 0, 'MUG-01', 'Coffee mug', 1, 1200);
        INSERT INTO invoices (order_id, seq, number, total_cents, tax_cents, currency, file, issued_at)
            VALUES ('{order_id}', 1, 'INV-000001', 1200, 0, 'EUR', 'INV-000001.pdf', '{now}');
        PRAGMA user_version = 1;
    """)
    db.close()
    old_pdf = b"%PDF-1.4\n% an invoice made by the previous shopd\n%%EOF\n"
    legacy = shop.dir / "var" / "invoices"
    legacy.mkdir(parents=True)
    (legacy / "INV-000001.pdf").write_bytes(old_pdf)
    shop.config["invoice"]["dir"] = ""  # the new default: no export folder

    shop.start()
    assert invoice_pdf(shop, order_id) == old_pdf
    [row] = shop.query("SELECT pdf FROM invoices WHERE order_id = ?", order_id)
    assert bytes(row["pdf"]) == old_pdf
    assert shop.query("PRAGMA user_version")[0]["user_version"] >= 2
    # Its owner's views work on the migrated data too.
    [revenue] = shop.query("SELECT * FROM revenue_daily")
    assert (revenue["day"], revenue["orders"], revenue["revenue_cents"]) == ("2026-11-01", 1, 1200)


@pytest.mark.sanitize
def test_the_confirmation_email_attaches_the_pdf_stored_in_the_database(shop):
    order_id = shop.post_order(order()).json()["id"]
    shop.wait_for_status(order_id, "completed")
    [mail] = shop.mails()
    text = mail.read_bytes()
    assert b"application/pdf" in text
    [row] = shop.query("SELECT number FROM invoices WHERE order_id = ?", order_id)
    assert f'{row["number"]}.pdf'.encode() in text
