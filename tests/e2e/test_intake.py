"""POST /orders as a storefront sees it (SPEC section 3), checked against the
SQLite file the way an owner would read it.

Every refusal must come in the SPEC's error shape, store nothing, and leave the
server answering; every 202 must already be committed.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from shop import Response, order

UUID7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")

# 10 left of the flash-sale item; the base config's products come first.
FLASH_SALE = {"products": [
    {"sku": "MUG-01", "name": "Coffee mug", "price_cents": 1200, "stock": 50},
    {"sku": "TEE-01", "name": "T-shirt", "price_cents": 2500, "stock": 10},
    {"sku": "DROP-01", "name": "Limited print", "price_cents": 4900, "stock": 10},
]}


def assert_error(r, status, code, field=None):
    """The SPEC's error shape: {"error": {"code", "message", "field"?}} and an X-Request-Id."""
    assert r.status == status, r
    assert r.headers.get("content-type", "").startswith("application/json"), r.headers
    body = r.json()
    assert list(body) == ["error"], body
    err = body["error"]
    assert err["code"] == code, body
    assert isinstance(err["message"], str) and err["message"], body
    if field is None:
        assert "field" not in err, body
    else:
        assert err.get("field") == field, body
    assert set(err) <= {"code", "message", "field"}, body
    assert r.headers.get("x-request-id"), r.headers


def snapshot(shop) -> dict:
    """Everything an order writes, as counts, plus the catalog's stock."""
    counts = {}
    for table, where in [("orders", ""), ("order_items", ""), ("outbox", ""), ("job_attempts", ""),
                         ("idempotency_keys", ""), ("invoices", ""),
                         ("stock_ledger", "WHERE order_id IS NOT NULL")]:
        counts[table] = shop.query(f"SELECT count(*) AS n FROM {table} {where}")[0]["n"]
    counts["stock"] = {p["sku"]: p["stock"] for p in shop.query("SELECT sku, stock FROM products")}
    return counts


def post_raw(shop, data: bytes, content_type="application/json", headers=None):
    hdrs = {"Content-Type": content_type} if content_type is not None else {}
    hdrs.update(headers or {})
    return shop.request("POST", "/orders", raw=data, headers=hdrs)


def dumps(body) -> bytes:
    return json.dumps(body).encode()


def with_items(items):
    return order(items=items)


def nested(depth: int) -> bytes:
    """A valid order whose extra field nests arrays so that the whole body is `depth` levels deep."""
    body = order()
    text = json.dumps(body)
    return (text[:-1] + ', "extra": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}").encode()


def replace_in_order(path: str, value):
    """order() with one value replaced; path like 'customer.email' or 'items.0.qty'."""
    body = order()
    *parents, last = path.split(".")
    node = body
    for p in parents:
        node = node[int(p)] if isinstance(node, list) else node[p]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return dumps(body)


def dropped(path: str) -> bytes:
    body = order()
    *parents, last = path.split(".")
    node = body
    for p in parents:
        node = node[int(p)] if isinstance(node, list) else node[p]
    del node[last]
    return dumps(body)


LONG = "x" * 201

# (id, raw body, Content-Type, status, code, field)
BAD_INPUT = [
    # not JSON, or not UTF-8
    ("empty body", b"", "application/json", 400, "invalid_json", None),
    ("truncated JSON", dumps(order())[:-1], "application/json", 400, "invalid_json", None),
    ("trailing garbage", dumps(order()) + b" x", "application/json", 400, "invalid_json", None),
    ("form encoding sent as JSON", b"customer=ann&qty=2", "application/json", 400, "invalid_json", None),
    ("single quotes", dumps(order()).replace(b'"', b"'"), "application/json", 400, "invalid_json", None),
    ("latin-1 name", dumps(order(name="J\u00fcrgen")).replace(b"\\u00fc", b"\xfc"), "application/json", 400,
     "invalid_json", None),
    ("invalid byte in a key", dumps(order()).replace(b'"payment"', b'"pa\xffyment"'), "application/json", 400,
     "invalid_json", None),
    ("nested 17 levels", nested(17), "application/json", 400, "invalid_json", None),
    ("nested 5000 levels", b"[" * 5000 + b"]" * 5000, "application/json", 400, "invalid_json", None),
    # the wrong shape or type
    ("a list, not an object", dumps([order()]), "application/json", 400, "invalid_request", None),
    ("customer is a string", replace_in_order("customer", "ann@example.com"), "application/json", 400,
     "invalid_request", "customer"),
    ("items is an object", replace_in_order("items", {"sku": "MUG-01", "qty": 2}), "application/json", 400,
     "invalid_request", "items"),
    ("an item is a string", replace_in_order("items.0", "MUG-01"), "application/json", 400, "invalid_request",
     "items[0]"),
    ("qty is a string", replace_in_order("items.0.qty", "2"), "application/json", 400, "invalid_request",
     "items[0].qty"),
    ("qty is a decimal", replace_in_order("items.0.qty", 1.5), "application/json", 400, "invalid_request",
     "items[0].qty"),
    ("qty is a boolean", replace_in_order("items.0.qty", True), "application/json", 400, "invalid_request",
     "items[0].qty"),
    ("sku is a number", replace_in_order("items.0.sku", 1), "application/json", 400, "invalid_request",
     "items[0].sku"),
    ("email is a number", replace_in_order("customer.email", 42), "application/json", 400, "invalid_request",
     "customer.email"),
    ("name is null", replace_in_order("customer.name", None), "application/json", 400, "invalid_request",
     "customer.name"),
    ("token is an object", replace_in_order("payment.token", {"id": "pm_card_visa"}), "application/json", 400,
     "invalid_request", "payment.token"),
    # missing parts
    ("no customer", dropped("customer"), "application/json", 400, "invalid_request", "customer"),
    ("no items", dropped("items"), "application/json", 400, "invalid_request", "items"),
    ("no payment", dropped("payment"), "application/json", 400, "invalid_request", "payment"),
    ("no shipping address", dropped("shipping_address"), "application/json", 400, "invalid_request",
     "shipping_address"),
    ("no qty", dropped("items.0.qty"), "application/json", 400, "invalid_request", "items[0].qty"),
    ("no city", dropped("shipping_address.city"), "application/json", 400, "invalid_request",
     "shipping_address.city"),
    # quantities
    ("qty zero", dumps(order(qty=0)), "application/json", 400, "invalid_request", "items[0].qty"),
    ("qty negative", dumps(order(qty=-1)), "application/json", 400, "invalid_request", "items[0].qty"),
    ("qty 1001", dumps(order(qty=1001)), "application/json", 400, "invalid_request", "items[0].qty"),
    ("qty past 64 bits", dumps(order(qty=10**30)), "application/json", 400, "invalid_request", "items[0].qty"),
    ("qty 2^63", dumps(order(qty=2**63)), "application/json", 400, "invalid_request", "items[0].qty"),
    ("qty 2^32 + 1", dumps(order(qty=2**32 + 1)), "application/json", 400, "invalid_request", "items[0].qty"),
    # item lines
    ("unknown sku", dumps(order(sku="NOPE-01")), "application/json", 400, "unknown_sku", "items[0].sku"),
    ("unknown sku on a later line", dumps(with_items([{"sku": "MUG-01", "qty": 1}, {"sku": "NOPE-01", "qty": 1}])),
     "application/json", 400, "unknown_sku", "items[1].sku"),
    ("no item lines", dumps(with_items([])), "application/json", 400, "invalid_request", "items"),
    ("101 item lines", dumps(with_items([{"sku": "MUG-01", "qty": 1}] * 101)), "application/json", 400,
     "invalid_request", "items"),
    ("2000 item lines", dumps(with_items([{"sku": "MUG-01", "qty": 1}] * 2000)), "application/json", 400,
     "invalid_request", "items"),
    ("out of stock", dumps(order(sku="TEE-01", qty=11)), "application/json", 409, "out_of_stock", "items[0]"),
    ("out of stock on a later line",
     dumps(with_items([{"sku": "MUG-01", "qty": 3}, {"sku": "TEE-01", "qty": 6}, {"sku": "TEE-01", "qty": 5}])),
     "application/json", 409, "out_of_stock", "items[2]"),
    # overlong strings
    ("name of 201 characters", dumps(order(name=LONG)), "application/json", 400, "invalid_request",
     "customer.name"),
    ("name of 201 umlauts", dumps(order(name="\u00e4" * 201)), "application/json", 400, "invalid_request",
     "customer.name"),
    ("address line of 201 characters", replace_in_order("shipping_address.line1", LONG), "application/json", 400,
     "invalid_request", "shipping_address.line1"),
    ("city of 201 characters", replace_in_order("shipping_address.city", LONG), "application/json", 400,
     "invalid_request", "shipping_address.city"),
    ("email of 255 characters", dumps(order(email="a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 58
                                            + ".com")), "application/json", 400, "invalid_request",
     "customer.email"),
    ("sku of 65 characters", dumps(order(sku="S" * 65)), "application/json", 400, "invalid_request",
     "items[0].sku"),
    ("a 60 KB name", dumps(order(name="x" * 60000)), "application/json", 400, "invalid_request", "customer.name"),
    # email shape
    ("email without @", dumps(order(email="ann.example.com")), "application/json", 400, "invalid_request",
     "customer.email"),
    ("email without domain", dumps(order(email="ann@")), "application/json", 400, "invalid_request",
     "customer.email"),
    ("email without tld", dumps(order(email="ann@example")), "application/json", 400, "invalid_request",
     "customer.email"),
    ("email with a space", dumps(order(email="ann example@example.com")), "application/json", 400,
     "invalid_request", "customer.email"),
    ("email with a header injection", dumps(order(email="ann@example.com\r\nBcc: all@example.com")),
     "application/json", 400, "invalid_request", "customer.email"),
    ("email with a display name", dumps(order(email="Ann <ann@example.com>")), "application/json", 400,
     "invalid_request", "customer.email"),
    # other fields
    ("a card number as token", dumps(order(token="4242424242424242")), "application/json", 400,
     "invalid_request", "payment.token"),
    ("a country name", replace_in_order("shipping_address.country", "Germany"), "application/json", 400,
     "invalid_request", "shipping_address.country"),
    ("a control character in the name", dumps(order(name="Ann\u0000Example")), "application/json", 400,
     "invalid_request", "customer.name"),
    ("a C1 control character in the name", dumps(order(name="Ann\u0085Example")), "application/json", 400,
     "invalid_request", "customer.name"),
    ("a C1 control character in the address", replace_in_order("shipping_address.city", "Berlin\u009b"),
     "application/json", 400, "invalid_request", "shipping_address.city"),
    # content type
    ("no content type", dumps(order()), None, 415, "unsupported_media_type", None),
    ("text/plain", dumps(order()), "text/plain", 415, "unsupported_media_type", None),
    ("form encoding", b"customer=ann", "application/x-www-form-urlencoded", 415, "unsupported_media_type", None),
    ("multipart form", b'--x\r\nContent-Disposition: form-data; name="order"\r\n\r\n' + dumps(order()) + b"\r\n--x--\r\n",
     "multipart/form-data; boundary=x", 415, "unsupported_media_type", None),
    ("json-ish but not json", dumps(order()), "application/jsonp", 415, "unsupported_media_type", None),
    # size
    ("a body past max_body_bytes", dumps(order(note="x" * 70000)), "application/json", 413, "payload_too_large",
     None),
]


@pytest.mark.parametrize("body,content_type,status,code,field",
                         [pytest.param(*case[1:], id=case[0]) for case in BAD_INPUT])
def test_bad_input_gets_the_right_4xx_in_the_spec_shape_and_stores_nothing(shop, body, content_type, status,
                                                                         code, field):
    before = snapshot(shop)
    r = post_raw(shop, body, content_type)
    assert_error(r, status, code, field)
    assert snapshot(shop) == before
    assert shop.get("/healthz").status == 200


@pytest.mark.sanitize
def test_after_every_kind_of_bad_input_the_server_still_takes_a_good_order(shop):
    before = snapshot(shop)
    for name, body, content_type, status, code, field in BAD_INPUT:
        r = post_raw(shop, body, content_type, headers={"Idempotency-Key": f"bad-{name}"})
        assert r.status == status, (name, r)
    assert snapshot(shop) == before, "a refused request stored something"
    assert shop.proc.poll() is None
    r = shop.post_order(order())
    assert r.status == 202, r
    assert shop.get("/readyz").status == 200


def test_json_content_type_is_accepted_with_a_charset_and_in_any_case(shop):
    for content_type in ["application/json; charset=utf-8", "Application/JSON", "application/json;charset=UTF-8"]:
        r = post_raw(shop, dumps(order(qty=1)), content_type)
        assert r.status == 202, (content_type, r)


def test_a_body_of_exactly_max_body_bytes_is_accepted(shop_factory):
    shop = shop_factory({"server": {"max_body_bytes": 4096}})
    text = dumps(order(note=""))
    body = dumps(order(note="x" * (4096 - len(text))))
    assert len(body) == 4096
    assert post_raw(shop, body).status == 202
    assert_error(post_raw(shop, dumps(order(note="x" * (4097 - len(text))))), 413, "payload_too_large")


def post_chunked(shop, data: bytes):
    conn = http.client.HTTPConnection("127.0.0.1", shop.port, timeout=30)
    try:
        chunks = [data[i:i + 8192] for i in range(0, len(data), 8192)]
        conn.request("POST", "/orders", body=iter(chunks), headers={"Content-Type": "application/json"},
                     encode_chunked=True)
        resp = conn.getresponse()
        return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        conn.close()


@pytest.mark.parametrize("size", [1000, 70000, 5_000_000])
def test_a_chunked_body_is_refused_before_it_is_read_so_max_body_bytes_always_holds(shop, size):
    before = snapshot(shop)
    try:
        r = post_chunked(shop, dumps(order(note="x" * size)))
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered and closed while the client was still sending
    else:
        assert_error(r, 411, "length_required")
    assert snapshot(shop) == before
    assert shop.get("/healthz").status == 200


@pytest.mark.sanitize
def test_an_accepted_order_is_committed_with_items_reservation_and_payment_job_before_the_202(shop):
    r = shop.post_order(order(sku="MUG-01", qty=2), headers={"X-Request-Id": "storefront-req-1"})
    assert r.status == 202, r
    body = r.json()
    assert set(body) == {"id", "status", "total_cents", "currency", "status_url"}
    assert UUID7.match(body["id"]), body
    assert body["status"] == "received"
    assert body["total_cents"] == 2400
    assert body["currency"] == "EUR"
    assert body["status_url"] == f"/orders/{body['id']}"
    assert r.headers["location"] == body["status_url"]
    assert r.headers["x-request-id"] == "storefront-req-1"

    # Read right after the 202, as the owner's sqlite3 would.
    rows = shop.query("SELECT * FROM orders WHERE id = ?", body["id"])
    assert len(rows) == 1
    o = rows[0]
    assert o["total_cents"] == 2400 and o["currency"] == "EUR"
    assert o["customer_email"] == "ann@example.com" and o["customer_name"] == "Ann Example"
    assert (o["ship_line1"], o["ship_city"], o["ship_postal_code"], o["ship_country"]) == (
        "Hauptstrasse 5", "Berlin", "10115", "DE")
    assert o["payment_method"] == "pm_card_visa"
    assert o["request_id"] == "storefront-req-1"
    assert ISO_UTC.match(o["created_at"]) and ISO_UTC.match(o["updated_at"])
    assert shop.query("SELECT sku, name, qty, price_cents FROM order_items WHERE order_id = ?", body["id"]) == [
        {"sku": "MUG-01", "name": "Coffee mug", "qty": 2, "price_cents": 1200}]
    assert shop.query("SELECT sku, reason, qty_delta FROM stock_ledger WHERE order_id = ? AND reason = 'reserve'",
                      body["id"]) == [{"sku": "MUG-01", "reason": "reserve", "qty_delta": -2}]
    assert shop.query("SELECT stock FROM products WHERE sku = 'MUG-01'") == [{"stock": 48}]
    jobs = shop.query("SELECT id, kind, created_at FROM outbox WHERE order_id = ? AND kind = 'payment.charge'",
                      body["id"])
    assert len(jobs) == 1 and UUID7.match(jobs[0]["id"]) and ISO_UTC.match(jobs[0]["created_at"])


def test_prices_come_from_the_catalog_never_from_the_client(shop):
    body = order(items=[{"sku": "MUG-01", "qty": 2, "price_cents": 1}, {"sku": "TEE-01", "qty": 1,
                                                                          "price_cents": 1}])
    body["total_cents"] = 2
    r = shop.post_order(body)
    assert r.status == 202, r
    assert r.json()["total_cents"] == 2 * 1200 + 2500
    order_id = r.json()["id"]
    assert shop.query("SELECT total_cents FROM orders WHERE id = ?", order_id) == [{"total_cents": 4900}]
    assert [i["price_cents"] for i in shop.order_status(order_id)["items"]] == [1200, 2500]


def test_order_status_shows_items_and_steps_and_no_customer_data(shop):
    secret_bits = ["ann.private@example.com", "Ann Secretname", "Geheimweg 7", "Hintertupfing", "99999"]
    body = order(email=secret_bits[0], name=secret_bits[1], qty=3)
    body["shipping_address"] = {"line1": secret_bits[2], "city": secret_bits[3], "postal_code": secret_bits[4],
                                "country": "at"}
    r = shop.post_order(body)
    assert r.status == 202, r
    order_id = r.json()["id"]
    status = shop.get(f"/orders/{order_id}")
    assert status.status == 200, status
    s = status.json()
    assert s["id"] == order_id
    assert s["status"] in ("received", "paid", "completed")
    assert s["total_cents"] == 3600 and s["currency"] == "EUR"
    assert ISO_UTC.match(s["created_at"])
    assert s["items"] == [{"sku": "MUG-01", "qty": 3, "price_cents": 1200}]
    assert set(s["steps"]) == {"payment", "inventory", "invoice", "email"}
    for step in s["steps"].values():
        assert step["state"] in ("waiting", "pending", "running", "retrying", "done", "dead", "discarded", "skipped")
    text = status.body.decode()
    for bit in secret_bits + ["pm_card_visa"]:
        assert bit not in text
    assert shop.query("SELECT ship_country FROM orders WHERE id = ?", order_id) == [{"ship_country": "AT"}]


@pytest.mark.parametrize("path", ["/orders/0193a0b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b", "/orders/not-an-id",
                                  "/orders/..%2F..%2Fetc%2Fpasswd", "/orders/" + "a" * 5000])
def test_an_unknown_order_is_a_404_in_the_spec_shape(shop, path):
    assert_error(shop.get(path), 404, "not_found")


def test_products_lists_the_catalog_with_stock_that_follows_reservations(shop):
    data = shop.get_json("/products")["data"]
    assert data == [{"sku": "MUG-01", "name": "Coffee mug", "price_cents": 1200, "stock": 50},
                    {"sku": "TEE-01", "name": "T-shirt", "price_cents": 2500, "stock": 10}]
    assert shop.post_order(order(sku="TEE-01", qty=4)).status == 202
    stock = {p["sku"]: p["stock"] for p in shop.get_json("/products")["data"]}
    assert stock == {"MUG-01": 50, "TEE-01": 6}


def test_an_order_for_the_last_units_is_taken_and_the_next_is_409_out_of_stock(shop):
    first = shop.post_order(order(sku="TEE-01", qty=10))
    assert first.status == 202
    shop.wait_for_status(first.json()["id"], "completed")  # so that the worker changes nothing meanwhile
    before = snapshot(shop)
    assert_error(shop.post_order(order(sku="TEE-01", qty=1)), 409, "out_of_stock", "items[0]")
    assert snapshot(shop) == before


def test_a_refused_line_reserves_nothing_on_the_other_lines(shop):
    r = shop.post_order(order(items=[{"sku": "MUG-01", "qty": 5}, {"sku": "TEE-01", "qty": 11}]))
    assert_error(r, 409, "out_of_stock", "items[1]")
    assert shop.query("SELECT sku, stock FROM products ORDER BY sku") == [{"sku": "MUG-01", "stock": 50},
                                                                        {"sku": "TEE-01", "stock": 10}]


@pytest.mark.sanitize
def test_fifty_parallel_orders_against_stock_of_ten_accept_exactly_ten(shop_factory):
    shop = shop_factory(FLASH_SALE)
    start = threading.Barrier(50)

    def buy(i):
        start.wait(timeout=30)
        return shop.post_order(order(sku="DROP-01", qty=1, email=f"buyer{i}@example.com"))

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(buy, range(50)))
    accepted = [r for r in results if r.status == 202]
    refused = [r for r in results if r.status != 202]
    assert len(accepted) == 10, [r.status for r in results]
    for r in refused:
        assert_error(r, 409, "out_of_stock", "items[0]")
    ids = {r.json()["id"] for r in accepted}
    assert len(ids) == 10
    assert {row["id"] for row in shop.query("SELECT id FROM orders")} == ids
    assert shop.query("SELECT stock FROM products WHERE sku = 'DROP-01'") == [{"stock": 0}]
    assert shop.query("SELECT sum(qty_delta) AS n FROM stock_ledger WHERE sku = 'DROP-01' AND reason = 'reserve'"
                      ) == [{"n": -10}]
    assert shop.query("SELECT count(*) AS n FROM outbox WHERE kind = 'payment.charge'") == [{"n": 10}]
    # Every accepted order is readable at once.
    for order_id in ids:
        assert shop.get(f"/orders/{order_id}").status == 200


def test_many_parallel_orders_are_all_accepted_and_ids_sort_by_arrival(shop_factory):
    shop = shop_factory()
    with ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(lambda i: shop.post_order(order(qty=1)), range(40)))
    assert [r.status for r in results] == [202] * 40
    assert shop.query("SELECT count(*) AS n FROM orders") == [{"n": 40}]
    assert shop.query("SELECT stock FROM products WHERE sku = 'MUG-01'") == [{"stock": 10}]
    # Orders placed one after another get increasing ids.
    first = shop.post_order(order(qty=1)).json()["id"]
    second = shop.post_order(order(qty=1)).json()["id"]
    assert first < second


# --- Idempotency-Key -------------------------------------------------------

def test_same_key_and_same_body_replays_the_first_answer_and_creates_nothing(shop):
    first = shop.post_order(order(), headers={"Idempotency-Key": "checkout-1"})
    assert first.status == 202, first
    assert "idempotent-replayed" not in first.headers
    before = snapshot(shop)
    again = shop.post_order(order(), headers={"Idempotency-Key": "checkout-1"})
    assert again.status == 202, again
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    after = snapshot(shop)
    assert after["orders"] == before["orders"] == 1
    assert after["stock"] == before["stock"]


def test_the_same_json_value_with_other_key_order_and_spacing_is_a_replay(shop):
    body = order()
    first = post_raw(shop, dumps(body), headers={"Idempotency-Key": "checkout-2"})
    assert first.status == 202, first
    reordered = json.dumps(dict(reversed(list(body.items()))), indent=4, ensure_ascii=True).encode()
    again = post_raw(shop, reordered, headers={"Idempotency-Key": "checkout-2"})
    assert again.status == 202 and again.headers.get("idempotent-replayed") == "true", again
    assert again.json()["id"] == first.json()["id"]


def test_same_key_with_a_different_body_is_422_and_changes_nothing(shop):
    first = shop.post_order(order(qty=2), headers={"Idempotency-Key": "checkout-3"})
    assert first.status == 202
    shop.wait_for_status(first.json()["id"], "completed")  # so that the worker changes nothing meanwhile
    before = snapshot(shop)
    r = shop.post_order(order(qty=3), headers={"Idempotency-Key": "checkout-3"})
    assert_error(r, 422, "idempotency_key_reused", "Idempotency-Key")
    assert "idempotent-replayed" not in r.headers
    assert snapshot(shop) == before
    # The first answer is still what the key replays.
    assert shop.post_order(order(qty=2), headers={"Idempotency-Key": "checkout-3"}).json() == first.json()


def test_different_keys_make_different_orders(shop):
    a = shop.post_order(order(), headers={"Idempotency-Key": "checkout-a"})
    b = shop.post_order(order(), headers={"Idempotency-Key": "checkout-b"})
    assert a.status == b.status == 202
    assert a.json()["id"] != b.json()["id"]


def test_a_refused_request_does_not_use_up_its_key(shop):
    assert_error(shop.post_order(order(sku="NOPE-01"), headers={"Idempotency-Key": "checkout-4"}), 400,
                 "unknown_sku", "items[0].sku")
    assert_error(shop.post_order(order(sku="TEE-01", qty=99), headers={"Idempotency-Key": "checkout-4"}), 409,
                 "out_of_stock", "items[0]")
    assert shop.query("SELECT count(*) AS n FROM idempotency_keys") == [{"n": 0}]
    fixed = shop.post_order(order(), headers={"Idempotency-Key": "checkout-4"})
    assert fixed.status == 202 and "idempotent-replayed" not in fixed.headers


# An empty key is refused too: test_front_door.py (cpp-httplib drops empty headers, shopd's connection sees them).
@pytest.mark.parametrize("key", ["k" * 256, "caf\u00e9".encode().decode("latin-1"), "tab\there"])
def test_an_invalid_idempotency_key_is_a_400_naming_the_header(shop, key):
    before = snapshot(shop)
    r = shop.post_order(order(), headers={"Idempotency-Key": key})
    assert_error(r, 400, "invalid_request", "Idempotency-Key")
    assert snapshot(shop) == before


def test_the_longest_allowed_key_works(shop):
    key = "k" * 255
    assert shop.post_order(order(), headers={"Idempotency-Key": key}).status == 202
    assert shop.post_order(order(), headers={"Idempotency-Key": key}).headers.get("idempotent-replayed") == "true"


@pytest.mark.sanitize
def test_the_same_key_sent_twenty_times_at_once_makes_one_order(shop):
    start = threading.Barrier(20)

    def send(_):
        start.wait(timeout=30)
        return shop.post_order(order(), headers={"Idempotency-Key": "double-click"})

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(send, range(20)))
    firsts = [r for r in results if r.status == 202 and "idempotent-replayed" not in r.headers]
    replays = [r for r in results if r.status == 202 and r.headers.get("idempotent-replayed") == "true"]
    in_use = [r for r in results if r.status == 409]
    assert len(firsts) == 1, [(r.status, r.headers.get("idempotent-replayed")) for r in results]
    assert len(firsts) + len(replays) + len(in_use) == 20, [r.status for r in results]
    for r in replays:
        assert r.json() == firsts[0].json()
    for r in in_use:
        assert_error(r, 409, "idempotency_key_in_use", "Idempotency-Key")
    assert shop.query("SELECT count(*) AS n FROM orders") == [{"n": 1}]
    assert shop.query("SELECT stock FROM products WHERE sku = 'MUG-01'") == [{"stock": 48}]


# --- durability -------------------------------------------------------------

@pytest.mark.sanitize
def test_a_restart_keeps_every_accepted_order_and_its_idempotency_key(shop):
    accepted = []
    for i in range(20):
        r = shop.post_order(order(qty=1), headers={"Idempotency-Key": f"restart-{i}"})
        assert r.status == 202, r
        accepted.append(r.json())
    shop.restart()
    for body in accepted:
        assert shop.get(body["status_url"]).status == 200
    assert shop.query("SELECT count(*) AS n FROM orders") == [{"n": 20}]
    replay = shop.post_order(order(qty=1), headers={"Idempotency-Key": "restart-7"})
    assert replay.headers.get("idempotent-replayed") == "true"
    assert replay.json() == accepted[7]
    assert shop.query("SELECT stock FROM products WHERE sku = 'MUG-01'") == [{"stock": 30}]


def test_a_kill_9_right_after_the_202s_loses_no_accepted_order(shop):
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda i: shop.post_order(order(qty=1)), range(24)))
    assert all(r.status == 202 for r in results)
    shop.kill()
    shop.start()
    ids = {r.json()["id"] for r in results}
    assert {row["id"] for row in shop.query("SELECT id FROM orders")} == ids
    for order_id in ids:
        assert shop.get(f"/orders/{order_id}").status == 200
    assert shop.query("SELECT stock FROM products WHERE sku = 'MUG-01'") == [{"stock": 26}]


def test_the_catalog_in_the_config_does_not_reset_stock_on_restart(shop):
    assert shop.post_order(order(sku="TEE-01", qty=3)).status == 202
    shop.restart()
    assert {p["sku"]: p["stock"] for p in shop.get_json("/products")["data"]}["TEE-01"] == 7


# --- the order as the owner sees it in sqlite3 ---------------------------------

def test_order_overview_shows_an_accepted_order(shop):
    r = shop.post_order(order(items=[{"sku": "MUG-01", "qty": 2}, {"sku": "TEE-01", "qty": 1}]))
    assert r.status == 202
    rows = shop.query("SELECT * FROM order_overview")
    assert len(rows) == 1
    row = rows[0]
    assert row["id"] == r.json()["id"]
    assert row["total"] == "49.00 EUR"
    assert row["items"] == "2 x MUG-01, 1 x TEE-01"
    assert "payment.charge=" in row["jobs"]


def test_sigterm_during_a_burst_keeps_every_order_that_got_a_202(shop):
    accepted, answered = [], []
    stop = threading.Event()

    def client(i):
        while not stop.is_set():
            try:
                r = shop.post_order(order(qty=1, email=f"c{i}@example.com"))
            except OSError:
                return  # the server has stopped listening
            answered.append(r.status)
            if r.status == 202:
                accepted.append(r.json()["id"])

    threads = [threading.Thread(target=client, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    try:
        from shop import wait_for
        wait_for(lambda: len(accepted) >= 10, message="some orders to be accepted")
        code = shop.stop()
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert code == 0
    assert set(answered) <= {202, 503}, sorted(set(answered))
    shop.start()
    stored = {row["id"] for row in shop.query("SELECT id FROM orders")}
    assert set(accepted) <= stored
    assert shop.query("SELECT stock FROM products WHERE sku = 'MUG-01'") == [{"stock": 50 - len(stored)}]


def test_with_a_full_write_queue_an_order_is_429_with_retry_after_or_202_and_only_202s_are_stored(shop_factory):
    shop = shop_factory({"server": {"max_queued_writes": 1},
                         "products": [{"sku": "MUG-01", "name": "Coffee mug", "price_cents": 1200, "stock": 1000}]})
    start = threading.Barrier(40)

    def buy(_):
        start.wait(timeout=30)
        return shop.post_order(order(qty=1))

    with ThreadPoolExecutor(max_workers=40) as pool:
        results = list(pool.map(buy, range(40)))
    accepted = [r for r in results if r.status == 202]
    for r in results:
        if r.status != 202:
            assert_error(r, 429, "rate_limited")
            assert int(r.headers["retry-after"]) >= 1
    assert accepted, "no order got through"
    assert {row["id"] for row in shop.query("SELECT id FROM orders")} == {r.json()["id"] for r in accepted}
    assert shop.query("SELECT stock FROM products WHERE sku = 'MUG-01'") == [{"stock": 1000 - len(accepted)}]
