"""The dashboard's doors (SPEC section 3, GET /admin/), tried with a plain HTTP
client the way an attacker's page or script would: who gets in, what a
forged form can do (nothing), and what a customer's name can do (nothing)."""
import datetime
import hashlib

import pytest

from dashboard_client import COOKIE_NAME, Owner, session_cookie_of, text_of
from shop import ADMIN_TOKEN, one_completed_and_one_declined, order, wait_for

SCRIPT_NAME = "<script>alert(1)</script>"
ESCAPED_NAME = "&lt;script&gt;alert(1)&lt;/script&gt;"
SOME_ID = "01a22098-092d-7001-8a0e-1ec08120f7e1"

PAGES = ["/admin/", "/admin/ui/orders", "/admin/ui/orders?q=ann&status=completed", f"/admin/ui/orders/{SOME_ID}",
         "/admin/ui/jobs", "/admin/ui/jobs?kind=payment.charge", "/admin/ui/products"]


def actions(job_id: str, order_id: str = SOME_ID) -> list[tuple[str, dict]]:
    """Every state-changing form, with fields that would work for a signed-in owner
    (the after-sale ones on `order_id`, a paid order)."""
    return [
        (f"/admin/ui/jobs/{job_id}/retry", {}),
        (f"/admin/ui/jobs/{job_id}/discard", {}),
        ("/admin/ui/jobs/bulk", {"action": "retry", "kind": ""}),
        ("/admin/ui/products/MUG-01", {"name": "Stolen mug", "price": "0.01", "stock": "0", "seen_stock": "50"}),
        (f"/admin/ui/orders/{order_id}/refunds", {"amount": "1.00", "reason": "forged"}),
        (f"/admin/ui/orders/{order_id}/shipment", {"carrier": "Forged", "tracking_number": "1"}),
        (f"/admin/ui/orders/{order_id}/cancel", {"reason": "forged"}),
        ("/admin/sign-out", {}),
    ]


def iso_minutes_ago(minutes: int) -> str:
    """A time as shopd stores it (ISO-8601 UTC with milliseconds)."""
    t = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=minutes)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def shop_state(shop) -> list:
    """Everything an action could change: jobs, products, sessions, orders, refunds, shipments."""
    jobs = shop.query("SELECT id, state, attempts FROM outbox ORDER BY id")
    products = shop.query("SELECT sku, name, price_cents, stock FROM products ORDER BY sku")
    sessions = shop.query("SELECT id_hash FROM admin_sessions ORDER BY id_hash")
    orders = shop.query("SELECT id, status, cancelled_at FROM orders ORDER BY id")
    refunds = shop.query("SELECT id FROM refunds ORDER BY id")
    shipments = shop.query("SELECT order_id FROM shipments ORDER BY order_id")
    return [jobs, products, sessions, orders, refunds, shipments]


def dead_payment(shop) -> tuple[str, str]:
    """A completed order's id and a declined order's dead payment job."""
    completed, declined = one_completed_and_one_declined(shop)
    return completed, shop.query("SELECT id FROM outbox WHERE order_id = ? AND kind = 'payment.charge'",
                                 declined)[0]["id"]


def test_without_a_session_every_page_redirects_to_sign_in_and_every_action_answers_403(shop):
    paid, job_id = dead_payment(shop)
    signed_in = Owner(shop).sign_in()  # a real session exists, but the requests below do not carry it
    before = shop_state(shop)
    strangers = [Owner(shop)]
    forged = Owner(shop)
    forged.cookie = "ab" * 32  # the right shape, no such session
    strangers.append(forged)
    for stranger in strangers:
        for path in PAGES:
            r = stranger.get(path)
            assert r.status == 303, (path, r)
            assert r.headers["location"].startswith("/admin/sign-in"), (path, r.headers)
        for path, fields in actions(job_id, paid):
            # Even the CSRF token of the real session does not help without its cookie.
            r = stranger.post_form(path, {"csrf": signed_in.csrf, **fields})
            assert r.status == 403, (path, r)
    assert shop_state(shop) == before
    assert shop.query("SELECT state FROM outbox WHERE id = ?", job_id)[0]["state"] == "dead"


def test_the_sign_in_page_brings_the_owner_back_to_the_page_they_asked_for(shop):
    stranger = Owner(shop)
    r = stranger.get("/admin/ui/orders?status=completed")
    assert r.headers["location"] == "/admin/sign-in?next=%2Fadmin%2Fui%2Forders%3Fstatus%3Dcompleted"
    form = text_of(stranger.get(r.headers["location"]))
    assert 'name="next" value="/admin/ui/orders?status=completed"' in form
    signed = stranger.post_form("/admin/sign-in", {"token": ADMIN_TOKEN, "next": "/admin/ui/orders?status=completed"})
    assert signed.status == 303 and signed.headers["location"] == "/admin/ui/orders?status=completed"
    # Only a dashboard path: never another site.
    for elsewhere in ["https://evil.example/", "//evil.example/admin/", "/admin/../orders", "/orders"]:
        r = Owner(shop).post_form("/admin/sign-in", {"token": ADMIN_TOKEN, "next": elsewhere})
        assert r.status == 303 and r.headers["location"] == "/admin/", (elsewhere, r.headers)


@pytest.mark.sanitize
def test_a_cross_site_form_post_without_the_csrf_token_is_refused_and_changes_nothing(shop):
    paid, job_id = dead_payment(shop)
    owner = Owner(shop).sign_in()
    other = Owner(shop).sign_in()
    before = shop_state(shop)
    for path, fields in actions(job_id, paid):
        attempts = [
            {**fields},                                 # a cross-site form cannot know the token
            {**fields, "csrf": ""},
            {**fields, "csrf": "0" * 64},
            {**fields, "csrf": other.csrf},             # another session's token is not this one's
            {**fields, "csrf": owner.csrf[:-1]},
        ]
        for body in attempts:
            r = owner.post_form(path, body)
            assert r.status == 403, (path, body, r)
        # The right token, but the browser says the form came from another site.
        r = owner.post_form(path, {**fields, "csrf": owner.csrf}, headers={"Sec-Fetch-Site": "cross-site"})
        assert r.status == 403, (path, r)
    assert shop_state(shop) == before
    # The same button with the token works: the payment runs again (and, declined
    # again, may already be dead again, with one more failed attempt).
    def failed_attempts():
        return shop.query("SELECT count(*) AS n FROM job_attempts WHERE job_id = ?", job_id)[0]["n"]

    tried = failed_attempts()
    r = owner.act(f"/admin/ui/jobs/{job_id}/retry", {"back": "/admin/ui/jobs"})
    assert r.headers["location"] == "/admin/ui/jobs?notice=retried"
    wait_for(lambda: failed_attempts() > tried, message="the retried payment to run again")


def test_the_session_cookie_is_httponly_samesite_strict_and_not_secure_over_plain_http(shop):
    r = Owner(shop).post_form("/admin/sign-in", {"token": ADMIN_TOKEN})
    assert r.status == 303, r
    parts = [p.strip() for p in r.headers["set-cookie"].split(";")]
    assert parts[0].startswith(f"{COOKIE_NAME}=")
    assert "HttpOnly" in parts and "SameSite=Strict" in parts and "Path=/admin" in parts
    assert "Secure" not in parts


def test_the_session_cookie_is_secure_when_the_shop_is_public_over_https(shop_factory):
    shop = shop_factory(config={"shop": {"public_url": "https://shop.example"}})
    r = Owner(shop).post_form("/admin/sign-in", {"token": ADMIN_TOKEN})
    parts = [p.strip() for p in r.headers["set-cookie"].split(";")]
    assert "Secure" in parts and "HttpOnly" in parts and "SameSite=Strict" in parts


def test_the_database_holds_only_a_hash_of_the_session_id(shop):
    owner = Owner(shop).sign_in()
    rows = shop.query("SELECT * FROM admin_sessions")
    assert [r["id_hash"] for r in rows] == [hashlib.sha256(owner.cookie.encode()).hexdigest()]
    assert owner.cookie not in repr(rows)


def test_a_wrong_token_signs_nobody_in(shop):
    for wrong in ["", "wrong", ADMIN_TOKEN + "x", ADMIN_TOKEN[:-1], ADMIN_TOKEN.upper()]:
        r = Owner(shop).post_form("/admin/sign-in", {"token": wrong})
        assert r.status == 401, (wrong, r)
        assert session_cookie_of(r) is None
        assert "not the admin token" in text_of(r)
    assert shop.query("SELECT count(*) AS n FROM admin_sessions")[0]["n"] == 0


def test_after_ten_wrong_tokens_sign_in_is_paused_even_for_the_right_one(shop):
    for _ in range(10):
        assert Owner(shop).post_form("/admin/sign-in", {"token": "guess"}).status == 401
    r = Owner(shop).post_form("/admin/sign-in", {"token": ADMIN_TOKEN})
    assert r.status == 429 and r.headers["retry-after"] == "60"
    assert session_cookie_of(r) is None
    # The API with the bearer token is not affected.
    assert shop.admin("GET", "/admin/orders").status == 200


def test_signing_out_ends_the_session_on_the_server_not_only_in_the_browser(shop):
    owner = Owner(shop).sign_in()
    r = owner.act("/admin/sign-out")
    assert r.headers["location"] == "/admin/sign-in?notice=signed_out"
    assert "Max-Age=0" in r.headers["set-cookie"]
    # A copy of the old cookie is worth nothing now.
    assert owner.get("/admin/").status == 303
    assert owner.post_form("/admin/ui/products/MUG-01", {"csrf": owner.csrf, "name": "x", "price": "1",
                                                         "stock": "1", "seen_stock": "50"}).status == 403
    assert shop.query("SELECT count(*) AS n FROM admin_sessions")[0]["n"] == 0


def test_a_session_idle_for_an_hour_or_older_than_12_hours_ends(shop):
    idle, old, fresh = Owner(shop).sign_in(), Owner(shop).sign_in(), Owner(shop).sign_in()

    def set_times(owner, created_minutes_ago, seen_minutes_ago):
        digest = hashlib.sha256(owner.cookie.encode()).hexdigest()
        assert shop.execute("UPDATE admin_sessions SET created_at = ?, last_seen_at = ? WHERE id_hash = ?",
                            iso_minutes_ago(created_minutes_ago), iso_minutes_ago(seen_minutes_ago), digest) == 1

    set_times(idle, 61, 61)
    set_times(old, 721, 1)
    assert idle.get("/admin/").status == 303
    assert old.get("/admin/").status == 303
    assert fresh.get("/admin/").status == 200


def test_a_customer_named_like_a_script_shows_as_text_on_every_page(shop):
    oid = shop.post_order(order(name=SCRIPT_NAME, token="pm_card_chargeDeclined")).json()["id"]
    shop.wait_for_status(oid, "payment_failed")
    owner = Owner(shop).sign_in()
    for path in ["/admin/", "/admin/ui/orders", f"/admin/ui/orders?q={SCRIPT_NAME}", f"/admin/ui/orders/{oid}"]:
        r = owner.get(path)
        assert r.status == 200, (path, r)
        html = text_of(r)
        assert ESCAPED_NAME in html, path
        assert SCRIPT_NAME not in html, path
        assert "<script>" not in html.replace('<script src="/admin/assets/dashboard.js" defer="defer">', ""), path
        # And had escaping failed, the browser would still refuse to run inline script.
        assert "script-src 'self'" in r.headers["content-security-policy"]
        assert r.headers["cache-control"] == "no-store"


def test_the_bearer_api_ignores_the_session_cookie_and_the_pages_ignore_the_bearer_token(shop):
    owner = Owner(shop).sign_in()
    assert owner.get("/admin/orders").status == 401
    r = shop.request("GET", "/admin/", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert r.status == 303 and r.headers["location"].startswith("/admin/sign-in")
    assert shop.admin("GET", "/admin/orders").status == 200


@pytest.mark.parametrize("token_env", [None, ""], ids=["unset", "empty"])
def test_while_the_admin_token_is_unset_the_dashboard_says_the_admin_area_is_disabled(shop_factory, token_env):
    shop = shop_factory(env={"SHOPD_ADMIN_TOKEN": token_env})
    for path in ["/admin/", "/admin/sign-in", "/admin/ui/orders"]:
        r = shop.get(path)
        assert r.status == 403, (path, r)
        assert "admin area is disabled" in text_of(r)
        assert "SHOPD_ADMIN_TOKEN" in text_of(r)
    for token in ["", "anything"]:
        r = Owner(shop).post_form("/admin/sign-in", {"token": token})
        assert r.status == 403 and session_cookie_of(r) is None
