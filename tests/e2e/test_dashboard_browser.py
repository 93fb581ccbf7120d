"""The owner's dashboard in a real browser (headless chromium) against a real
shopd: sign in, find the order just posted, read an order's story, retry a
dead job and watch it complete, discard another, read the alerts, edit
stock, sign out.

Each page is saved as a screenshot in build/screenshots/ (not committed); a
few of them illustrate the README (docs/img/)."""
import pytest

from browser import Browser
from shop import ADMIN_TOKEN, order, wait_for

# The relay refuses mail for good: confirmation emails die (and the team's alert emails with them).
REFUSE = "550 5.1.1 Mailbox unavailable"

pytestmark = pytest.mark.timeout(240)


def smtp_shop(shop_factory, sink):
    # Each team alert on its own (no storm digest), so no alert waits for a digest window.
    return shop_factory(config={"email": {"transport": "smtp", "smtp_url": sink.url, "timeout_seconds": 5},
                                "alerts": {"digest_seconds": 0}})


def job_state(shop, order_id, kind):
    return shop.query("SELECT state FROM outbox WHERE order_id = ? AND kind = ?", order_id, kind)[0]["state"]


def order_with_dead_email(shop, name, email):
    oid = shop.post_order(order(name=name, email=email)).json()["id"]
    shop.wait_for_status(oid, "needs_attention")
    return oid


@pytest.mark.sqlite_only(reason="drives Chromium through the pages; the pages' queries run on both engines in "
                                "test_dashboard_pages.py")
def test_an_owner_signs_in_follows_orders_fixes_dead_jobs_edits_stock_and_signs_out(shop_factory, sink):
    shop = smtp_shop(shop_factory, sink)
    sink.set_reply(REFUSE)
    retried = order_with_dead_email(shop, "Zoë Ærøskøbing", "zoe@example.com")
    discarded = order_with_dead_email(shop, "Bob Builder", "bob@example.com")
    shop.wait_until_idle()
    sink.set_reply(None)  # the relay is fixed: a retry now goes through

    with Browser(shop) as b:
        # Signed out, the dashboard sends the owner to sign in.
        b.open("/admin/")
        b.wait_until(lambda: b.path.startswith("/admin/sign-in"), message="the sign-in page")
        b.screenshot("sign-in")
        b.fill("#token", ADMIN_TOKEN)
        b.click("#sign-in")
        b.wait_until(lambda: b.path == "/admin/" and b.text("h1") == "Overview", message="the overview")
        attention = b.text("#attention")
        assert "Zoë Ærøskøbing" in attention and "Bob Builder" in attention
        assert b.text("#attention-count .value") == "2"
        b.screenshot("overview")

        # An order that was just posted shows up in the orders list.
        fresh = shop.post_order(order(name="Ann Fresh", email="ann.fresh@example.com")).json()["id"]
        b.click("header a[href='/admin/ui/orders']")
        b.wait_until(lambda: b.find_all(f"tr[data-order-id='{fresh}']"), message="the new order in the list")
        assert "Ann Fresh" in b.text(f"tr[data-order-id='{fresh}']")
        b.fill("#search-q", "Ærøskøbing")
        b.find("#search-q").submit()
        b.wait_until(lambda: len(b.find_all("#orders tbody tr")) == 1, message="the search result")
        assert "Zoë Ærøskøbing" in b.text("#orders")
        b.screenshot("orders")

        # Its story: the steps, and the attempt that failed, with its error and where.
        b.click(f"tr[data-order-id='{retried}'] a")
        b.wait_until(lambda: b.find_all("#timeline"), message="the order page")
        assert b.text("#customer-name") == "Zoë Ærøskøbing"
        payment = b.find("#timeline li[data-kind='payment.charge']")
        assert payment.get_attribute("data-state") == "done"
        email = b.find("#timeline li[data-kind='email.confirmation']")
        assert email.get_attribute("data-state") == "dead"
        assert "smtp_550" in email.text and "rejected" in email.text  # the error, as the relay's code says it
        assert "mail_smtp.cpp" in email.text                           # and where in shopd it failed
        assert b.text("[data-step='email']").endswith("dead")
        assert b.text("#invoice-link").startswith("INV-")
        b.full_screenshot("order-with-dead-email")

        # Retry the dead email from the page and watch the order complete.
        b.click("#timeline li[data-kind='email.confirmation'] button[data-action='retry']")
        b.wait_until(lambda: "Job retried" in b.text("main"), message="the retry notice")
        b.wait_until(lambda: b.find("#timeline li[data-kind='email.confirmation']").get_attribute("data-state") == "done",
                     timeout=30, message="the retried email to be done (the page refreshes itself)")
        b.wait_until(lambda: b.text("#order-summary").startswith("Status\ncompleted"), message="the order completed")
        assert job_state(shop, retried, "email.confirmation") == "done"
        b.full_screenshot("order-completed")

        # Discard the other order's dead email from the dead jobs page.
        b.click("header a[href='/admin/ui/jobs']")
        b.wait_until(lambda: b.find_all("#dead-jobs"), message="the dead jobs page")
        b.screenshot("dead-jobs")
        row = f"#dead-jobs tr[data-kind='email.confirmation']"
        assert len(b.find_all(row)) == 1
        b.click(f"{row} button[data-action='discard']")
        b.wait_until(lambda: "Job discarded" in b.text("main"), message="the discard notice")
        assert not b.find_all(row)
        assert job_state(shop, discarded, "email.confirmation") == "discarded"

        # The team was alerted of each dead email, and the alerts could not be delivered either (same relay).
        b.click("header a[href='/admin/ui/alerts']")
        b.wait_until(lambda: b.find_all("#alerts"), message="the alerts page")
        rows = b.find_all("#alerts tbody tr")
        assert len(rows) == 2 and all(r.get_attribute("data-undelivered") == "yes" for r in rows)
        assert "email.confirmation" in rows[0].text and "failed" in rows[0].text
        assert b.text("#undelivered-filter") == "Not delivered (2)"
        b.screenshot("alerts")

        # Change a product's stock.
        b.click("header a[href='/admin/ui/products']")
        b.wait_until(lambda: b.find_all("tr[data-sku='TEE-01']"), message="the products page")
        b.fill("tr[data-sku='TEE-01'] input[name='stock']", "42")
        b.click("tr[data-sku='TEE-01'] button[type='submit']")
        b.wait_until(lambda: "Product saved" in b.text("main"), message="the saved notice")
        assert b.find("tr[data-sku='TEE-01'] input[name='stock']").get_attribute("value") == "42"
        assert {p["sku"]: p["stock"] for p in shop.get_json("/products")["data"]}["TEE-01"] == 42
        b.screenshot("products")

        # On a phone, the order page still reads.
        b.resize(390, 844)
        b.open(f"/admin/ui/orders/{retried}")
        b.wait_until(lambda: b.find_all("#timeline"), message="the order page on a phone")
        width = b.driver.execute_script("return document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width}px wide on a 390px screen"
        b.screenshot("order-on-a-phone")
        b.resize(1200, 900)

        assert b.console_errors() == []

        # Sign out: every page now leads back to the sign-in page.
        b.click("#sign-out")
        b.wait_until(lambda: b.path.startswith("/admin/sign-in") and "signed out" in b.text("main"),
                     message="the signed-out page")
        for path in ["/admin/", "/admin/ui/orders", f"/admin/ui/orders/{retried}", "/admin/ui/products"]:
            b.open(path)
            b.wait_until(lambda: b.path.startswith("/admin/sign-in"), message=f"{path} to redirect to sign-in")
            assert b.find_all("#token")
    wait_for(lambda: shop.query("SELECT count(*) AS n FROM admin_sessions")[0]["n"] == 0,
             message="the session to be gone from the database")
