"""What the dashboard's pages show and what their buttons do, read with a plain
HTTP client (the browser test walks the main path; these cover the rest):
the overview's figures, order search and paging, bulk actions on dead jobs,
product edits that refuse to overwrite moving stock, and the alerts."""
import re

import pytest

from dashboard_client import Owner, text_of
from shop import order, post_orders

# Each team alert goes out alone: no alert waits for a storm digest's window before the shop is idle.
NO_DIGEST = {"alerts": {"digest_seconds": 0}}
BIG_STOCK = {**NO_DIGEST, "products": [{"sku": "MUG-01", "name": "Coffee mug", "price_cents": 1200, "stock": 100000},
                                       {"sku": "TEE-01", "name": "T-shirt", "price_cents": 2500, "stock": 10}]}


@pytest.fixture
def shop(shop_factory):
    return shop_factory(config=NO_DIGEST)


def declined_orders(shop, n) -> list[str]:
    ids = [shop.post_order(order(qty=1, token="pm_card_chargeDeclined")).json()["id"] for _ in range(n)]
    for oid in ids:
        shop.wait_for_status(oid, "payment_failed")
    shop.wait_until_idle()
    return ids


def states(shop, kind) -> list[str]:
    return sorted(r["state"] for r in shop.query("SELECT state FROM outbox WHERE kind = ?", kind))


def notice(html: str) -> str:
    m = re.search(r'<div class="notice[^"]*" role="status">([^<]*)</div>', html)
    return m.group(1) if m else ""


def follow(owner, r) -> str:
    """The page a 303 leads to."""
    assert r.status == 303, r
    page = owner.get(r.headers["location"])
    assert page.status == 200, page
    return text_of(page)


def card(html: str, card_id: str) -> str:
    m = re.search(rf'id="{card_id}"><div class="label">[^<]*</div><div class="value">([^<]*)</div>', html)
    assert m, card_id
    return m.group(1)


def test_the_overview_counts_todays_orders_revenue_of_paid_ones_and_orders_needing_attention(shop):
    paid = shop.post_order(order(qty=2)).json()["id"]
    shop.wait_for_status(paid, "completed")
    declined_orders(shop, 1)
    html = text_of(Owner(shop).sign_in().get("/admin/"))
    assert card(html, "orders-today") == "2" and card(html, "orders-week") == "2"
    assert card(html, "revenue-today") == "24.00 EUR" and card(html, "revenue-week") == "24.00 EUR"
    assert "1 paid order<" in html
    assert card(html, "attention-count") == "1"
    assert card(html, "outbox-dead") == "1"
    assert "card_declined" in html  # among the recent failures


def test_orders_filter_by_status_and_date_and_page_50_at_a_time_with_a_cursor(shop_factory):
    shop = shop_factory(config=BIG_STOCK)
    ids = post_orders(shop, 55)
    declined = declined_orders(shop, 1)[0]
    owner = Owner(shop).sign_in()

    first = text_of(owner.get("/admin/ui/orders"))
    rows = re.findall(r'<tr data-order-id="([^"]+)"', first)
    assert rows == ([declined] + ids[::-1])[:50]
    nxt = re.search(r'<a href="([^"]+)" id="next-page">', first).group(1).replace("&amp;", "&")
    rest = re.findall(r'<tr data-order-id="([^"]+)"', text_of(owner.get(nxt)))
    assert rest == ids[::-1][49:]

    failed = text_of(owner.get("/admin/ui/orders?status=payment_failed"))
    assert re.findall(r'<tr data-order-id="([^"]+)"', failed) == [declined]
    created = shop.query("SELECT substr(created_at, 1, 10) AS day FROM orders LIMIT 1")[0]["day"]
    same_day = text_of(owner.get(f"/admin/ui/orders?from={created}&to={created}&q={declined}"))
    assert re.findall(r'<tr data-order-id="([^"]+)"', same_day) == [declined]
    assert "No orders match" in text_of(owner.get("/admin/ui/orders?from=2000-01-01&to=2000-01-02"))

    bad = owner.get("/admin/ui/orders?from=yesterday")
    assert bad.status == 400 and "must be a date" in text_of(bad)


def test_retry_all_and_discard_all_act_on_every_dead_job_of_the_kind_and_say_how_many(shop):
    declined_orders(shop, 2)
    owner = Owner(shop).sign_in()
    none = owner.act("/admin/ui/jobs/bulk", {"action": "discard", "kind": "email.confirmation",
                                             "back": "/admin/ui/jobs?kind=email.confirmation"})
    assert notice(follow(owner, none)) == "Discarded 0 dead jobs."
    assert states(shop, "payment.charge") == ["dead", "dead"]

    retried = owner.act("/admin/ui/jobs/bulk", {"action": "retry", "kind": "payment.charge", "back": "/admin/ui/jobs"})
    assert notice(follow(owner, retried)) == "Retried 2 dead jobs."
    shop.wait_until_idle()  # the test card is declined again
    assert states(shop, "payment.charge") == ["dead", "dead"]

    discarded = owner.act("/admin/ui/jobs/bulk", {"action": "discard", "kind": "", "back": "/admin/ui/jobs"})
    html = follow(owner, discarded)
    assert notice(html) == "Discarded 2 dead jobs."
    assert states(shop, "payment.charge") == ["discarded", "discarded"]
    assert "No dead jobs" in html


def test_retrying_dead_payments_whose_stock_is_gone_says_so_and_keeps_them_dead(shop):
    declined_orders(shop, 1)
    owner = Owner(shop).sign_in()
    assert shop.admin("PUT", "/admin/products/MUG-01", {"name": "Coffee mug", "price_cents": 1200, "stock": 0}).status == 200
    job = shop.query("SELECT id, order_id FROM outbox WHERE kind = 'payment.charge'")[0]
    one = owner.act(f"/admin/ui/jobs/{job['id']}/retry", {"back": f"/admin/ui/orders/{job['order_id']}"})
    assert one.headers["location"] == f"/admin/ui/orders/{job['order_id']}?notice=out_of_stock"
    assert "stock is gone" in notice(follow(owner, one))
    bulk = owner.act("/admin/ui/jobs/bulk", {"action": "retry", "kind": "", "back": "/admin/ui/jobs"})
    assert notice(follow(owner, bulk)) == "Retried 0 dead jobs; 1 dead payments stay dead: their stock is gone."
    assert states(shop, "payment.charge") == ["dead"]
    # Retrying it again once it is no longer dead is refused, not repeated.
    owner.act(f"/admin/ui/jobs/{job['id']}/discard")
    again = owner.act(f"/admin/ui/jobs/{job['id']}/retry", {"back": "/admin/ui/jobs"})
    assert again.headers["location"] == "/admin/ui/jobs?notice=job_not_dead"


def test_a_product_edit_saves_name_price_and_stock_and_is_recorded_in_the_ledger(shop):
    owner = Owner(shop).sign_in()
    r = owner.act("/admin/ui/products/TEE-01", {"name": "T-shirt, Zoë edition", "price": "27,50", "stock": "7",
                                                "seen_stock": "10"})
    assert notice(follow(owner, r)) == "Product saved."
    tee = {p["sku"]: p for p in shop.get_json("/products")["data"]}["TEE-01"]
    assert tee == {"sku": "TEE-01", "name": "T-shirt, Zoë edition", "price_cents": 2750, "stock": 7}
    assert shop.query("SELECT qty_delta FROM stock_ledger WHERE sku = 'TEE-01' AND reason = 'adjust' "
                      "ORDER BY id DESC LIMIT 1")[0]["qty_delta"] == -3


def test_a_product_edit_is_refused_when_orders_moved_the_stock_meanwhile_or_a_field_is_wrong(shop):
    owner = Owner(shop).sign_in()
    page = text_of(owner.get("/admin/ui/products"))
    assert re.search(r'<tr data-sku="MUG-01">.*?name="seen_stock" value="50"', page)
    shop.post_order(order(qty=2))  # reserves 2 while the owner types
    before = shop.get_json("/products")
    r = owner.act("/admin/ui/products/MUG-01", {"name": "Coffee mug", "price": "12", "stock": "60",
                                                "seen_stock": "50"})
    html = follow(owner, r)
    assert "Not saved" in notice(html) and "reserved or released stock" in notice(html)
    assert re.search(r'<tr data-sku="MUG-01">.*?name="stock" type="number" min="0" value="48"', html)
    for fields, expected in [({"name": "", "price": "12", "stock": "1"}, "name"),
                             ({"name": "x" * 201, "price": "12", "stock": "1"}, "name"),
                             ({"name": "Mug", "price": "-1", "stock": "1"}, "price"),
                             ({"name": "Mug", "price": "12.345", "stock": "1"}, "price"),
                             ({"name": "Mug", "price": "12", "stock": "-1"}, "stock"),
                             ({"name": "Mug", "price": "12", "stock": "many"}, "stock")]:
        r = owner.act("/admin/ui/products/MUG-01", {**fields, "seen_stock": "48"})
        assert r.headers["location"] == f"/admin/ui/products?notice=invalid_{expected}", fields
    unknown = owner.act("/admin/ui/products/NOPE-01", {"name": "x", "price": "1", "stock": "1", "seen_stock": "0"})
    assert unknown.headers["location"] == "/admin/ui/products?notice=unknown_product"
    assert shop.get_json("/products") == before


def test_the_products_page_shows_stock_on_sale_reserved_and_sold(shop):
    sold = shop.post_order(order(qty=3)).json()["id"]
    shop.wait_for_status(sold, "completed")
    html = text_of(Owner(shop).sign_in().get("/admin/ui/products"))
    row = re.search(r'<tr data-sku="MUG-01">(.*?)</tr>', html).group(1)
    assert 'data-figure="reserved">0<' in row and 'data-figure="sold">3<' in row
    assert 'name="stock" type="number" min="0" value="47"' in row


def test_the_alerts_page_shows_each_alert_and_what_each_channel_did(shop):
    declined_orders(shop, 1)
    html = text_of(Owner(shop).sign_in().get("/admin/ui/alerts"))
    row = re.search(r'<tr data-alert-job-id="[^"]+" data-undelivered="no">(.*?)</tr>', html).group(1)
    assert "payment.charge" in row and "card_declined" in row
    assert '<span class="badge muted">none</span>' in row  # no webhook configured
    assert '<span class="badge good">sent</span>' in row   # the email (a file) went out
    assert "Not delivered (0)" in html
    assert "Every alert reached someone" in text_of(Owner(shop).sign_in().get("/admin/ui/alerts?undelivered=1"))


def test_an_unknown_order_is_a_404_page(shop):
    owner = Owner(shop).sign_in()
    for oid in ["01a22098-092d-7001-8a0e-1ec08120f7e1", "not-an-id"]:
        r = owner.get(f"/admin/ui/orders/{oid}")
        assert r.status == 404 and "no order with this id" in text_of(r)
