"""What every answer carries (SPEC section 3): X-Request-Id, CORS headers for
the configured storefront origins, the error shape; and the health routes."""

from __future__ import annotations

import re

import pytest

from shop import order

STOREFRONT = "http://localhost:3000"  # in the base config's cors_origins
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def request_lines(shop) -> list[dict]:
    return [e for e in shop.log_entries() if e.get("msg") == "request"]


# --- X-Request-Id -----------------------------------------------------------------

@pytest.mark.parametrize("method,path,body,status", [
    ("POST", "/orders", order(), 202),
    ("POST", "/orders", order(qty=0), 400),
    ("GET", "/products", None, 200),
    ("GET", "/healthz", None, 200),
    ("GET", "/orders/0193a0b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b", None, 404),
    ("GET", "/no/such/route", None, 404),
])
def test_a_sane_client_request_id_comes_back_on_every_answer(shop, method, path, body, status):
    r = shop.request(method, path, body=body, headers={"X-Request-Id": "sf-7f3a.2:retry_1"})
    assert r.status == status, r
    assert r.headers["x-request-id"] == "sf-7f3a.2:retry_1"


@pytest.mark.parametrize("client_id", ["has spaces", "x" * 129, "<script>", "semi;colon", "quote\"d", "\u00e9t\u00e9"])
def test_an_insane_client_request_id_is_replaced_by_a_fresh_one(shop, client_id):
    r = shop.request("GET", "/products", headers={"X-Request-Id": client_id.encode().decode("latin-1")})
    assert r.status == 200
    assert r.headers["x-request-id"] != client_id
    assert UUID.match(r.headers["x-request-id"]), r.headers


def test_without_a_client_id_each_answer_gets_its_own(shop):
    ids = {shop.get("/healthz").headers["x-request-id"] for _ in range(5)}
    assert len(ids) == 5 and all(UUID.match(i) for i in ids)


def test_answers_made_by_the_http_layer_itself_carry_a_request_id_and_the_error_shape(shop):
    big = shop.request("POST", "/orders", raw=b"{" + b" " * 70000 + b"}", headers={"Content-Type": "application/json"})
    assert big.status == 413
    assert big.json()["error"]["code"] == "payload_too_large"
    assert big.headers.get("x-request-id")
    missing = shop.get("/definitely/not/here")
    assert missing.status == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert missing.headers.get("x-request-id")


def test_the_request_log_line_carries_the_request_id_and_the_order_id(shop):
    r = shop.post_order(order(), headers={"X-Request-Id": "checkout-abc-1"})
    assert r.status == 202
    order_id = r.json()["id"]

    def logged():
        return [e for e in request_lines(shop) if e.get("request_id") == "checkout-abc-1"]
    from shop import wait_for
    lines = wait_for(logged, message="the request log line")
    assert lines[0]["order_id"] == order_id
    assert lines[0]["status"] == 202
    assert shop.query("SELECT request_id FROM orders WHERE id = ?", order_id) == [{"request_id": "checkout-abc-1"}]


def test_the_log_never_holds_the_customers_email_address_or_address(shop):
    r = shop.post_order(order(email="very.private@example.com", name="Privat Person"))
    assert r.status == 202
    shop.wait_for_status(r.json()["id"], "completed")
    assert shop.post_order(order(email="bad-address", name="Privat Person")).status == 400
    text = shop.log_text()
    assert "very.private@example.com" not in text
    assert "Hauptstrasse" not in text


# --- CORS ---------------------------------------------------------------------------

@pytest.mark.parametrize("body,status", [(order(), 202), (order(sku="NOPE-01"), 400), (order(qty=999), 409)])
def test_a_configured_origin_may_read_every_answer_to_its_orders(shop, body, status):
    r = shop.post_order(body, headers={"Origin": STOREFRONT})
    assert r.status == status, r
    assert r.headers.get("access-control-allow-origin") == STOREFRONT
    exposed = {h.strip().lower() for h in r.headers.get("access-control-expose-headers", "").split(",")}
    assert {"x-request-id", "location", "idempotent-replayed"} <= exposed
    assert "origin" in r.headers.get("vary", "").lower()


def test_another_origin_gets_no_cors_grant(shop):
    r = shop.post_order(order(), headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in r.headers
    r = shop.get("/products", headers={"Origin": "http://localhost:3001"})
    assert r.status == 200
    assert "access-control-allow-origin" not in r.headers


def test_a_preflight_from_a_configured_origin_allows_post_with_json_and_idempotency_key(shop):
    r = shop.request("OPTIONS", "/orders", headers={
        "Origin": STOREFRONT, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, idempotency-key, x-request-id"})
    assert r.status in (200, 204), r
    assert r.headers.get("access-control-allow-origin") == STOREFRONT
    methods = {m.strip() for m in r.headers["access-control-allow-methods"].split(",")}
    assert "POST" in methods
    allowed = {h.strip().lower() for h in r.headers["access-control-allow-headers"].split(",")}
    assert {"content-type", "idempotency-key", "x-request-id"} <= allowed
    assert shop.query("SELECT count(*) AS n FROM orders") == [{"n": 0}]


def test_a_preflight_from_another_origin_is_refused_in_the_error_shape(shop):
    r = shop.request("OPTIONS", "/orders", headers={"Origin": "https://evil.example",
                                                    "Access-Control-Request-Method": "POST"})
    assert r.status == 403
    assert r.json()["error"]["code"] == "cors_origin_not_allowed"
    assert "access-control-allow-origin" not in r.headers


def test_cors_origins_come_from_the_config(shop_factory):
    shop = shop_factory({"server": {"cors_origins": ["https://shop.example"]}})
    assert shop.post_order(order(), headers={"Origin": "https://shop.example"}).headers.get(
        "access-control-allow-origin") == "https://shop.example"
    assert "access-control-allow-origin" not in shop.post_order(order(), headers={"Origin": STOREFRONT}).headers


# --- health ---------------------------------------------------------------------------

def test_healthz_and_readyz_answer_200_on_a_running_shop(shop):
    assert shop.get("/healthz").status == 200
    ready = shop.get("/readyz")
    assert ready.status == 200, ready


def test_readyz_stays_200_while_orders_pour_in(shop):
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=8) as pool:
        posts = [pool.submit(shop.post_order, order(qty=1)) for _ in range(30)]
        readies = [pool.submit(shop.get, "/readyz") for _ in range(10)]
        assert all(f.result().status == 202 for f in posts)
        assert all(f.result().status == 200 for f in readies)
