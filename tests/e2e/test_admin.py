"""The owner's admin API (SPEC section 3 "Admin"): who may use it, the lists
with cursor pagination, a job's full history, retrying a dead job, and
changing the catalog."""
import re

import pytest

from shop import ADMIN_TOKEN, OrderStream, one_completed_and_one_declined, order, post_orders, wait_for

ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
JOB_KEYS = {"id", "order_id", "kind", "state", "attempts", "max_attempts", "run_at", "last_error",
            "created_at", "updated_at"}

# Plenty of stock so that many orders fit.
BIG_STOCK = {"products": [{"sku": "MUG-01", "name": "Coffee mug", "price_cents": 1200, "stock": 100000}]}


def assert_error(r, status, code, field=None):
    assert r.status == status, r
    err = r.json()["error"]
    assert err["code"] == code, r
    assert isinstance(err["message"], str) and err["message"]
    if field is not None:
        assert err.get("field") == field, r


def stock_of(shop, sku):
    return {p["sku"]: p for p in shop.get_json("/products")["data"]}[sku]["stock"]


def jobs_of(shop, order_id):
    """The order's jobs by kind (alerts excluded), read as an owner's sqlite3 would."""
    rows = shop.query("SELECT * FROM outbox WHERE order_id = ? AND kind <> 'alert.team'", order_id)
    return {r["kind"]: r for r in rows}


def walk(shop, path, limit, between_pages=None):
    """Follows next_cursor from the first page to the last; returns the pages."""
    pages, cursor = [], None
    for _ in range(1000):
        sep = "&" if "?" in path else "?"
        url = f"{path}{sep}limit={limit}" + (f"&after={cursor}" if cursor else "")
        r = shop.admin("GET", url)
        assert r.status == 200, r
        body = r.json()
        pages.append(body["data"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        if between_pages:
            between_pages()
    raise AssertionError("pagination never ended")


# --- who may use it ------------------------------------------------------

ADMIN_ROUTES = [
    ("GET", "/admin/orders", None),
    ("GET", "/admin/jobs", None),
    ("GET", "/admin/jobs/01a22098-092d-7001-8a0e-1ec08120f7e1", None),
    ("POST", "/admin/jobs/01a22098-092d-7001-8a0e-1ec08120f7e1/retry", None),
    ("PUT", "/admin/products/MUG-01", {"name": "Stolen mug", "price_cents": 1, "stock": 0}),
]


def test_admin_routes_answer_401_without_a_token_or_with_a_wrong_one_and_change_nothing(shop):
    for method, path, body in ADMIN_ROUTES:
        no_header = shop.request(method, path, body=body)
        assert_error(no_header, 401, "unauthorized")
        assert no_header.headers.get("www-authenticate", "").startswith("Bearer")
        for wrong in ["wrong-token", ADMIN_TOKEN[:-1], ADMIN_TOKEN + "x", ADMIN_TOKEN.upper(), ""]:
            assert_error(shop.admin(method, path, body, token=wrong), 401, "unauthorized")
        # The right token in the wrong scheme is not accepted either.
        basic = shop.request(method, path, body=body, headers={"Authorization": f"Basic {ADMIN_TOKEN}"})
        assert_error(basic, 401, "unauthorized")
    # The unauthorized PUT did not touch the catalog.
    mug = {p["sku"]: p for p in shop.get_json("/products")["data"]}["MUG-01"]
    assert (mug["name"], mug["price_cents"], mug["stock"]) == ("Coffee mug", 1200, 50)


def test_admin_routes_answer_200_with_the_right_token(shop):
    orders = shop.admin("GET", "/admin/orders")
    assert orders.status == 200, orders
    assert orders.json() == {"data": [], "next_cursor": None}
    jobs = shop.admin("GET", "/admin/jobs")
    assert jobs.status == 200, jobs
    assert jobs.json() == {"data": [], "next_cursor": None}


@pytest.mark.parametrize("token_env", [None, ""], ids=["unset", "empty"])
def test_admin_api_is_disabled_with_403_while_the_token_variable_is_unset_or_empty(shop_factory, token_env):
    shop = shop_factory(env={"SHOPD_ADMIN_TOKEN": token_env})
    for method, path, body in ADMIN_ROUTES:
        for token in [ADMIN_TOKEN, "", "anything"]:
            assert_error(shop.admin(method, path, body, token=token), 403, "admin_disabled")
        assert_error(shop.request(method, path, body=body), 403, "admin_disabled")
    # The public API keeps working.
    assert shop.post_order(order()).status == 202


# --- orders, newest first, with a cursor ---------------------------------

def test_walking_120_orders_50_at_a_time_lists_each_once_newest_first_and_ends_with_a_null_cursor(shop_factory):
    shop = shop_factory(config=BIG_STOCK)
    created = post_orders(shop, 120)
    pages = walk(shop, "/admin/orders", 50)
    assert [len(p) for p in pages] == [50, 50, 20]
    listed = [o["id"] for page in pages for o in page]
    assert listed == created[::-1]  # every order once, newest first
    first = pages[0][0]
    assert set(first) >= {"id", "status", "total_cents", "currency", "created_at"}
    assert first["total_cents"] == 1200 and first["currency"] == "EUR"
    assert ISO_TIME.match(first["created_at"])
    times = [o["created_at"] for page in pages for o in page]
    assert times == sorted(times, reverse=True)


def test_orders_arriving_during_the_walk_do_not_shift_pages(shop_factory):
    shop = shop_factory(config=BIG_STOCK)
    before = post_orders(shop, 120)
    with OrderStream(shop) as stream:
        arrived = stream.accepted

        # Between pages, wait until new orders really came in.
        def more_arrived():
            seen = len(arrived)
            wait_for(lambda: len(arrived) >= seen + 3, message="new orders during the walk")

        more_arrived()
        pages = walk(shop, "/admin/orders", 50, between_pages=more_arrived)
    assert not stream.failures, stream.failures[:3]
    listed = [o["id"] for page in pages for o in page]
    assert len(listed) == len(set(listed)), "an order was listed twice"
    assert listed == sorted(listed, reverse=True)
    listed_set, before_set = set(listed), set(before)
    assert all(i in listed_set for i in before), "an order that existed before the walk was skipped"
    # Anything else listed is an order that really arrived meanwhile.
    assert listed_set - before_set <= set(arrived)
    assert len(arrived) >= 3 * len(pages)


def test_a_bad_limit_or_cursor_is_a_400_naming_the_parameter(shop):
    for q in ["limit=0", "limit=201", "limit=ten", "limit=-1"]:
        assert_error(shop.admin("GET", f"/admin/orders?{q}"), 400, "invalid_request", "limit")
        assert_error(shop.admin("GET", f"/admin/jobs?{q}"), 400, "invalid_request", "limit")
    assert_error(shop.admin("GET", "/admin/orders?after=not-an-id"), 400, "invalid_request", "after")
    assert_error(shop.admin("GET", "/admin/jobs?after=1%27%20OR%201=1"), 400, "invalid_request", "after")


# --- jobs ----------------------------------------------------------------

def test_jobs_list_filters_by_state_and_shows_each_job_in_the_spec_shape(shop):
    ok, declined = one_completed_and_one_declined(shop)

    dead = shop.admin("GET", "/admin/jobs?state=dead")
    assert dead.status == 200, dead
    body = dead.json()
    assert body["next_cursor"] is None
    assert [(j["order_id"], j["kind"]) for j in body["data"]] == [(declined, "payment.charge")]
    job = body["data"][0]
    assert set(job) >= JOB_KEYS
    assert job["state"] == "dead" and job["attempts"] == 1 and job["max_attempts"] == 5
    assert "declined" in job["last_error"].lower()
    for key in ("run_at", "created_at", "updated_at"):
        assert ISO_TIME.match(job[key]), job

    done = shop.admin("GET", "/admin/jobs?state=done&limit=200").json()["data"]
    assert {j["state"] for j in done} == {"done"}
    assert {j["kind"] for j in done if j["order_id"] == ok} == {
        "payment.charge", "inventory.commit", "invoice.generate", "email.confirmation"}
    assert {j["kind"] for j in done if j["order_id"] == declined} >= {"inventory.release", "email.payment_failed",
                                                                     "alert.team"}
    assert all(set(j) >= JOB_KEYS and j["last_error"] is None for j in done if j["order_id"] == ok)

    # Every job, walked two at a time, matches the database exactly once each.
    listed = [j["id"] for page in walk(shop, "/admin/jobs", 2) for j in page]
    assert sorted(listed) == sorted(r["id"] for r in shop.query("SELECT id FROM outbox"))
    assert len(listed) == len(set(listed))

    assert shop.admin("GET", "/admin/jobs?state=retrying").json() == {"data": [], "next_cursor": None}
    assert_error(shop.admin("GET", "/admin/jobs?state=stuck"), 400, "invalid_request", "state")


def test_job_detail_shows_every_attempt_with_time_duration_and_error(shop):
    oid = shop.post_order(order(token="pm_card_transient")).json()["id"]
    shop.wait_for_status(oid, "completed", timeout=30)
    payment = jobs_of(shop, oid)["payment.charge"]

    r = shop.admin("GET", f"/admin/jobs/{payment['id']}")
    assert r.status == 200, r
    job = r.json()
    assert set(job) >= JOB_KEYS | {"job_attempts"}
    assert job["attempts"] == 3  # the count of the job shape, as in the list
    assert job["id"] == payment["id"] and job["order_id"] == oid and job["state"] == "done"
    attempts = job["job_attempts"]
    assert [a["attempt"] for a in attempts] == [1, 2, 3]
    assert [a["outcome"] for a in attempts] == ["transient", "transient", "ok"]
    for a in attempts:
        assert ISO_TIME.match(a["started_at"]) and ISO_TIME.match(a["finished_at"]), a
        assert a["started_at"] <= a["finished_at"]
        assert isinstance(a["duration_ms"], int) and a["duration_ms"] >= 0, a
    assert [a["started_at"] for a in attempts] == sorted(a["started_at"] for a in attempts)
    for a in attempts[:2]:
        assert a["error"]["code"] and a["error"]["message"], a
        assert a["error"]["where"], "the attempt should say where in the code it failed"
    assert attempts[2]["error"] is None
    # The same history an owner sees in sqlite3.
    assert len(shop.query("SELECT 1 FROM job_attempts WHERE job_id = ?", payment["id"])) == 3

    assert_error(shop.admin("GET", "/admin/jobs/01a22098-092d-7001-8a0e-1ec08120f7e1"), 404, "not_found")


def decline_and_wait(shop, qty=2):
    """An order whose card is declined, once its stock is back on sale; returns (order id, dead payment job)."""
    oid = shop.post_order(order(qty=qty, token="pm_card_chargeDeclined")).json()["id"]
    shop.wait_for_status(oid, "payment_failed")
    wait_for(lambda: jobs_of(shop, oid).get("inventory.release", {}).get("state") == "done",
             message="the reservation to be released")
    return oid, jobs_of(shop, oid)["payment.charge"]


def test_retrying_a_dead_payment_when_the_stock_is_gone_keeps_it_dead_with_out_of_stock(shop):
    oid, payment = decline_and_wait(shop)
    assert stock_of(shop, "MUG-01") == 50
    r = shop.admin("PUT", "/admin/products/MUG-01", {"name": "Coffee mug", "price_cents": 1200, "stock": 0})
    assert r.status == 200, r

    retry = shop.admin("POST", f"/admin/jobs/{payment['id']}/retry")
    assert_error(retry, 409, "out_of_stock")
    job = shop.admin("GET", f"/admin/jobs/{payment['id']}").json()
    assert job["state"] == "dead" and len(job["job_attempts"]) == 1  # it did not run again
    assert "out_of_stock" in job["last_error"]
    assert shop.admin("GET", "/admin/jobs?state=dead").json()["data"][0]["last_error"] == job["last_error"]
    assert stock_of(shop, "MUG-01") == 0
    assert shop.order_status(oid)["status"] == "payment_failed"


def test_retrying_a_dead_payment_reserves_its_stock_again_and_gives_it_back_if_it_dies_again(shop):
    oid, payment = decline_and_wait(shop, qty=2)
    assert stock_of(shop, "MUG-01") == 50

    retry = shop.admin("POST", f"/admin/jobs/{payment['id']}/retry")
    assert retry.status == 200, retry
    assert retry.json()["id"] == payment["id"]

    # The test card is declined again. Attempts were reset, so the job dies
    # after one more attempt (not two), with both attempts in its history...
    def dead_again():
        j = shop.admin("GET", f"/admin/jobs/{payment['id']}").json()
        return j if j["state"] == "dead" and len(j["job_attempts"]) == 2 else None
    job = wait_for(dead_again, message="the retried payment to die again")
    assert [a["outcome"] for a in job["job_attempts"]] == ["permanent", "permanent"]
    assert job["attempts"] == 1  # reset by the retry, then one more attempt
    assert jobs_of(shop, oid)["payment.charge"]["attempts"] == 1
    assert shop.wait_for_status(oid, "payment_failed")
    # ...and the stock it re-reserved goes back on sale.
    wait_for(lambda: stock_of(shop, "MUG-01") == 50, message="stock to be released again")
    moves = shop.query("SELECT reason, qty_delta FROM stock_ledger WHERE order_id = ? ORDER BY id", oid)
    assert [(m["reason"], m["qty_delta"]) for m in moves] == [
        ("reserve", -2), ("release", 2), ("reserve", -2), ("release", 2)]


def test_retrying_a_job_that_is_not_dead_is_a_409_and_changes_nothing(shop):
    oid = shop.post_order(order()).json()["id"]
    shop.wait_for_status(oid, "completed")
    payment = jobs_of(shop, oid)["payment.charge"]
    assert_error(shop.admin("POST", f"/admin/jobs/{payment['id']}/retry"), 409, "job_not_dead")
    assert jobs_of(shop, oid)["payment.charge"] == payment
    assert shop.order_status(oid)["status"] == "completed"
    assert_error(shop.admin("POST", "/admin/jobs/01a22098-092d-7001-8a0e-1ec08120f7e1/retry"), 404, "not_found")


# --- the catalog ---------------------------------------------------------

def test_put_product_creates_then_updates_and_the_catalog_and_new_orders_follow(shop):
    created = shop.admin("PUT", "/admin/products/CAP-01", {"name": "Cap", "price_cents": 1500, "stock": 3})
    assert created.status == 201, created
    assert created.json() == {"sku": "CAP-01", "name": "Cap", "price_cents": 1500, "stock": 3}
    catalog = {p["sku"]: p for p in shop.get_json("/products")["data"]}
    assert catalog["CAP-01"] == {"sku": "CAP-01", "name": "Cap", "price_cents": 1500, "stock": 3}

    updated = shop.admin("PUT", "/admin/products/CAP-01", {"name": "Cap, blue", "price_cents": 1700, "stock": 5})
    assert updated.status == 200, updated
    catalog = {p["sku"]: p for p in shop.get_json("/products")["data"]}
    assert catalog["CAP-01"] == {"sku": "CAP-01", "name": "Cap, blue", "price_cents": 1700, "stock": 5}
    assert catalog["MUG-01"]["stock"] == 50  # others untouched

    # Intake uses the new price and stock at once.
    r = shop.post_order(order(sku="CAP-01", qty=5))
    assert r.status == 202, r
    assert r.json()["total_cents"] == 5 * 1700
    assert stock_of(shop, "CAP-01") == 0
    assert_error(shop.post_order(order(sku="CAP-01", qty=1)), 409, "out_of_stock")


@pytest.mark.parametrize("body,field", [
    ({"price_cents": 100, "stock": 1}, "name"),
    ({"name": "", "price_cents": 100, "stock": 1}, "name"),
    ({"name": "x" * 201, "price_cents": 100, "stock": 1}, "name"),
    ({"name": "Cap", "stock": 1}, "price_cents"),
    ({"name": "Cap", "price_cents": -1, "stock": 1}, "price_cents"),
    ({"name": "Cap", "price_cents": 12.5, "stock": 1}, "price_cents"),
    ({"name": "Cap", "price_cents": "100", "stock": 1}, "price_cents"),
    ({"name": "Cap", "price_cents": 100}, "stock"),
    ({"name": "Cap", "price_cents": 100, "stock": -3}, "stock"),
    ({"name": "Cap", "price_cents": 100, "stock": "many"}, "stock"),
])
def test_put_product_with_an_invalid_field_is_a_400_naming_it_and_stores_nothing(shop, body, field):
    before = shop.get_json("/products")
    assert_error(shop.admin("PUT", "/admin/products/MUG-01", body), 400, "invalid_request", field)
    assert_error(shop.admin("PUT", "/admin/products/NEW-01", body), 400, "invalid_request", field)
    assert shop.get_json("/products") == before


def test_put_product_rejects_a_bad_sku_or_a_body_that_is_not_json(shop):
    before = shop.get_json("/products")
    good = {"name": "Cap", "price_cents": 100, "stock": 1}
    assert_error(shop.admin("PUT", "/admin/products/" + "S" * 65, good), 400, "invalid_request", "sku")
    raw = shop.request("PUT", "/admin/products/CAP-01", raw=b"{not json",
                       headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"})
    assert_error(raw, 400, "invalid_json")
    form = shop.request("PUT", "/admin/products/CAP-01", raw=b"name=Cap",
                        headers={"Authorization": f"Bearer {ADMIN_TOKEN}",
                                 "Content-Type": "application/x-www-form-urlencoded"})
    assert_error(form, 415, "unsupported_media_type")
    assert shop.get_json("/products") == before
