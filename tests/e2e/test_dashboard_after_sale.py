"""The dashboard's order page after the sale: refund lines or an amount, mark
shipped, cancel, each a form with the session's CSRF token like the page's
other buttons; the refunds with their credit notes and the shipment on the
page. Through a plain HTTP client on both engines, and in Chromium."""
import re

import pytest

from browser import Browser
from dashboard_client import Owner, text_of
from shop import ADMIN_TOKEN, order, wait_for


def paid_order(shop, **fields) -> str:
    order_id = shop.post_order(order(**fields)).json()["id"]
    shop.wait_for_status(order_id, "completed")
    return order_id


def notice(html: str) -> str:
    m = re.search(r'<div class="notice[^"]*" role="status">([^<]*)</div>', html)
    return m.group(1) if m else ""


def page(owner, order_id) -> str:
    r = owner.get(f"/admin/ui/orders/{order_id}")
    assert r.status == 200, r
    return text_of(r)


def form_key(html: str) -> str:
    m = re.search(r'name="key" value="([^"]+)"', html)
    assert m, "the refund form has no key"
    return m.group(1)


def after(owner, r) -> str:
    assert r.status == 303, r
    return text_of(owner.get(r.headers["location"]))


def test_the_order_page_refunds_lines_once_per_form_ships_and_cancels(shop):
    order_id = paid_order(shop, qty=3)
    owner = Owner(shop).sign_in()
    html = page(owner, order_id)
    assert 'id="refund-form"' in html and 'id="ship-form"' in html and 'id="cancel-form"' in html
    key = form_key(html)

    # One line back on sale; the same form sent twice (a double click) refunds once.
    fields = {"qty_0": "1", "restock": "1", "reason": "chipped", "key": key}
    first = owner.act(f"/admin/ui/orders/{order_id}/refunds", fields)
    assert "Refund started" in notice(after(owner, first))
    again = owner.act(f"/admin/ui/orders/{order_id}/refunds", fields)
    assert "not made twice" in notice(after(owner, again))
    wait_for(lambda: shop.query("SELECT state FROM refunds")[0]["state"] == "succeeded", message="the refund")
    shop.wait_until_idle()
    assert [r["amount_cents"] for r in shop.query("SELECT amount_cents FROM refunds")] == [1200]
    html = page(owner, order_id)
    assert 'data-state="succeeded"' in html and f'/orders/{order_id}/credit-notes/CN-000001' in html
    assert "chipped" in html and "(restocked)" in html

    # More than is left is refused with a notice, and nothing changes.
    too_much = owner.act(f"/admin/ui/orders/{order_id}/refunds", {"amount": "999", "key": form_key(html)})
    assert "more than is left" in notice(after(owner, too_much))
    bad = owner.act(f"/admin/ui/orders/{order_id}/refunds", {"amount": "12.345", "key": form_key(html)})
    assert "Not refunded" in notice(after(owner, bad))
    assert len(shop.query("SELECT id FROM refunds")) == 1

    shipped = owner.act(f"/admin/ui/orders/{order_id}/shipment",
                        {"carrier": "DHL", "tracking_number": "JJD1", "tracking_url": "https://dhl.example/JJD1"})
    html = after(owner, shipped)
    assert "Marked shipped" in notice(html)
    assert 'id="shipment"' in html and "DHL JJD1" in html and 'href="https://dhl.example/JJD1"' in html
    assert 'id="ship-form"' not in html and 'id="cancel-form"' not in html  # shipped: no more shipping or cancelling
    refused = owner.act(f"/admin/ui/orders/{order_id}/cancel", {"reason": "too late"})
    assert "has shipped" in notice(after(owner, refused))

    other = paid_order(shop, qty=1)
    cancelled = owner.act(f"/admin/ui/orders/{other}/cancel", {"reason": "changed mind"})
    html = after(owner, cancelled)
    assert "refunded in full" in notice(html)
    assert 'id="cancelled"' in html and "changed mind" in html
    shop.wait_for_status(other, "cancelled")


@pytest.mark.timeout(240)
@pytest.mark.sqlite_only(reason="drives Chromium through the pages; the forms run on both engines above")
def test_an_owner_refunds_a_line_ships_and_cancels_from_the_order_page_in_a_browser(shop):
    order_id = paid_order(shop, items=[{"sku": "MUG-01", "qty": 2}, {"sku": "TEE-01", "qty": 1}])
    to_cancel = paid_order(shop, qty=1)
    stock_before = {p["sku"]: p["stock"] for p in shop.get_json("/products")["data"]}

    with Browser(shop) as b:
        b.open("/admin/sign-in")
        b.fill("#token", ADMIN_TOKEN)
        b.click("#sign-in")
        b.wait_until(lambda: b.path == "/admin/", message="the overview")

        b.open(f"/admin/ui/orders/{order_id}")
        b.wait_until(lambda: b.find_all("#refund-form"), message="the order page with its actions")
        b.fill("#refund-form input[name='qty_1']", "1")  # the T-shirt
        b.click("#refund-form input[name='restock']")
        b.fill("#refund-form input[name='reason']", "wrong size")
        b.click("#refund-form button[data-action='refund']")
        b.driver.switch_to.alert.accept()  # "Refund this order? ..."
        b.wait_until(lambda: "Refund started" in b.text("main"), message="the refund notice")
        b.wait_until(lambda: b.find_all("#refunds a.credit-note"), timeout=30,
                     message="the credit note link (the page refreshes itself)")
        assert "25.00 EUR" in b.text("#refunds") and "wrong size" in b.text("#refunds")
        b.full_screenshot("order-refunded-line")

        b.fill("#ship-form input[name='carrier']", "DHL")
        b.fill("#ship-form input[name='tracking_number']", "JJD000390007")
        b.fill("#ship-form input[name='tracking_url']", "https://dhl.example/t/JJD000390007")
        b.click("#ship-form button[data-action='ship']")
        b.wait_until(lambda: "Marked shipped" in b.text("main"), message="the shipped notice")
        assert "DHL JJD000390007" in b.text("#shipment")

        b.open(f"/admin/ui/orders/{to_cancel}")
        b.wait_until(lambda: b.find_all("#cancel-form"), message="the other order's page")
        b.fill("#cancel-form input[name='reason']", "customer asked")
        b.click("#cancel-form button[data-action='cancel']")
        b.driver.switch_to.alert.accept()
        b.wait_until(lambda: "refunded in full" in b.text("main"), message="the cancelled notice")
        b.wait_until(lambda: b.text("#order-summary").startswith("Status\ncancelled"), message="the status")
        assert b.console_errors() == []

    shop.wait_until_idle()
    assert shop.order_status(order_id)["refunded_cents"] == 2500
    assert shop.order_status(order_id)["shipment"]["tracking_number"] == "JJD000390007"
    assert shop.order_status(to_cancel)["status"] == "cancelled"
    stock_after = {p["sku"]: p["stock"] for p in shop.get_json("/products")["data"]}
    assert stock_after == {"MUG-01": stock_before["MUG-01"] + 1, "TEE-01": stock_before["TEE-01"] + 1}
