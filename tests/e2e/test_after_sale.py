"""After the sale (SPEC section 9): an owner cancels an order before or after
its payment, refunds all or part of it (by amount or by lines, with or without
restocking), each refund with exactly one credit note, and marks it shipped.
Black-box: the admin API, the customer's status page, the mails, the owner's
views, and a fake Stripe that counts every refund."""

from __future__ import annotations

import collections
import re
import subprocess
import threading

import pytest

from shop import crash_lease, order, wait_for
from side_effect_helpers import CUSTOMER, charges_for, live, mails_to, refund_posts, text_of
from worker_helpers import attachments, read_mail, stock

VAT = {"invoice": {"tax_rate_percent": 19}}


def paid_order(shop, sku="MUG-01", qty=2, **extra) -> str:
    return paid_order_of(shop, order(sku=sku, qty=qty, **extra))


def paid_order_of(shop, body) -> str:
    r = shop.post_order(body)
    assert r.status == 202, r
    order_id = r.json()["id"]
    shop.wait_for_status(order_id, "completed")
    return order_id


def cancel(shop, order_id, reason="customer asked"):
    return shop.admin("POST", f"/admin/orders/{order_id}/cancel", {"reason": reason})


def refund(shop, order_id, body, key=None):
    headers = {"Authorization": "Bearer test-admin-token"}
    if key:
        headers["Idempotency-Key"] = key
    return shop.request("POST", f"/admin/orders/{order_id}/refunds", body=body, headers=headers)


def whole_order(shop, order_id) -> dict:
    r = shop.admin("GET", f"/admin/orders/{order_id}")
    assert r.status == 200, r
    return r.json()


def wait_refunds_settled(shop, order_id, n=None) -> list[dict]:
    def settled():
        refunds = whole_order(shop, order_id)["refunds"]
        done = refunds and all(r["state"] != "pending" for r in refunds) and (n is None or len(refunds) == n)
        return refunds if done else None
    return wait_for(settled, timeout=20, message=f"the refunds of {order_id} to settle")


def credit_note_numbers(shop) -> list[str]:
    return [r["number"] for r in shop.query("SELECT number FROM credit_notes ORDER BY seq")]


def pdf_text(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, timeout=30, check=True)
    return done.stdout.decode("utf-8")


def subjects(shop, address=CUSTOMER) -> list[str]:
    out = []
    for path in shop.mails():
        msg = read_mail(path)
        if any(a.addr_spec == address for a in msg["To"].addresses):
            out.append(str(msg["Subject"]))
    return sorted(out)


# --- cancel -----------------------------------------------------------------

def test_cancel_before_the_payment_started_stops_it_gives_the_stock_back_and_tells_the_customer(shop_factory):
    # One executor, busy with a slow payment: the next order's payment waits its turn.
    shop = shop_factory(config={"worker": {"concurrency": 1}, "payment": {"test_latency_ms": 4000}})
    busy = shop.post_order(order(qty=1)).json()["id"]
    waiting = shop.post_order(order(qty=3)).json()["id"]
    wait_for(lambda: shop.query("SELECT state FROM outbox WHERE order_id = ? AND kind = 'payment.charge'",
                                busy)[0]["state"] == "running", message="the first payment to run")
    assert stock(shop, "MUG-01") == 50 - 1 - 3

    r = cancel(shop, waiting)
    assert r.status == 202, r
    assert r.json()["status"] == "cancelled"
    shop.wait_for_status(busy, "completed", timeout=30)
    shop.wait_until_idle()

    status = shop.order_status(waiting)
    assert status["status"] == "cancelled"
    assert status["steps"]["payment"]["state"] == "discarded"
    assert status["steps"]["inventory"] == {"state": "done", "attempts": 1, "kind": "inventory.release"}
    assert status["steps"]["invoice"]["state"] == "skipped"
    assert status["refunded_cents"] == 0
    assert stock(shop, "MUG-01") == 50 - 1
    assert shop.query("SELECT count(*) AS n FROM refunds")[0]["n"] == 0
    [mail] = [m for m in (read_mail(p) for p in shop.mails()) if waiting in text_of(m)]
    assert "cancelled" in mail["Subject"].lower() and "Nothing was charged." in text_of(mail)
    assert shop.query("SELECT cancel_reason FROM orders WHERE id = ?", waiting)[0]["cancel_reason"] == "customer asked"


def test_cancel_while_the_charge_is_in_flight_refunds_it_once_when_stripe_charges(shop_factory, stripe, sink):
    stripe.set_mode("slow", delay=2.0)
    shop = shop_factory(**live(stripe, sink))
    order_id = shop.post_order(order(qty=2)).json()["id"]
    wait_for(lambda: stripe.in_flight(f"shopd-order-{order_id}"), message="the charge to be at Stripe")

    r = cancel(shop, order_id)
    assert r.status == 202 and r.json()["status"] == "cancelled", r
    stripe.set_mode("ok")
    [done] = wait_refunds_settled(shop, order_id, 1)
    shop.wait_until_idle()

    [charge] = charges_for(stripe, order_id)
    [refunded] = stripe.refunds_for(charge["id"])
    assert refunded["amount"] == 2400 and refunded["metadata"]["refund_id"] == done["id"]
    assert done["state"] == "succeeded" and done["origin"] == "cancel" and done["restock"] is True
    status = shop.order_status(order_id)
    assert status["status"] == "cancelled" and status["refunded_cents"] == 2400
    assert stock(shop, "MUG-01") == 50
    assert len(credit_note_numbers(shop)) == 1
    # Told once that it is cancelled, once about the refund; never that it was confirmed.
    mails = [str(m["Subject"]) for m in mails_to(sink, CUSTOMER)]
    assert sorted(s.split(" - ")[0] for s in mails) == ["Order cancelled", "Refund of 24.00 EUR"], mails


def test_cancel_while_the_charge_is_in_flight_and_the_card_is_declined_releases_the_stock(shop_factory, stripe, sink):
    stripe.set_mode("slow", delay=2.0)
    shop = shop_factory(**live(stripe, sink))
    order_id = shop.post_order(order(qty=2, token="pm_card_chargeDeclined")).json()["id"]
    wait_for(lambda: stripe.in_flight(f"shopd-order-{order_id}"), message="the charge to be at Stripe")
    assert cancel(shop, order_id).status == 202
    stripe.set_mode("ok")
    wait_for(lambda: shop.order_status(order_id)["steps"]["inventory"]["state"] == "done", timeout=20,
             message="the stock to be released")
    shop.wait_until_idle()
    assert shop.order_status(order_id)["status"] == "cancelled"
    assert stock(shop, "MUG-01") == 50
    assert stripe.refund_count() == 0
    mails = [str(m["Subject"]) for m in mails_to(sink, CUSTOMER)]
    assert [s.split(" - ")[0] for s in mails] == ["Order cancelled"], mails


@pytest.mark.sanitize
def test_cancel_after_payment_refunds_in_full_restocks_and_issues_a_credit_note(shop_factory):
    shop = shop_factory()
    order_id = paid_order(shop, qty=3)
    assert stock(shop, "MUG-01") == 47

    r = cancel(shop, order_id)
    assert r.status == 202 and r.json()["status"] == "cancelled", r
    [done] = wait_refunds_settled(shop, order_id, 1)
    assert (done["state"], done["amount_cents"], done["credit_note"]) == ("succeeded", 3600, "CN-000001")
    shop.wait_until_idle()
    status = shop.order_status(order_id)
    assert (status["status"], status["refunded_cents"]) == ("cancelled", 3600)
    assert stock(shop, "MUG-01") == 50
    overview = shop.query("SELECT status, refunded FROM order_overview WHERE id = ?", order_id)[0]
    assert overview == {"status": "cancelled", "refunded": "36.00 EUR"}


@pytest.mark.parametrize("already", ["cancelled", "refunded", "payment_failed"])
def test_cancel_refuses_an_order_already_cancelled_refunded_or_failed(shop_factory, already):
    shop = shop_factory()
    if already == "payment_failed":
        order_id = shop.post_order(order(token="pm_card_chargeDeclined")).json()["id"]
        shop.wait_for_status(order_id, "payment_failed")
    else:
        order_id = paid_order(shop)
        first = cancel(shop, order_id) if already == "cancelled" else refund(shop, order_id, {"amount_cents": 2400})
        assert first.status == 202, first
        shop.wait_for_status(order_id, already)
    r = cancel(shop, order_id)
    assert r.status == 409 and r.json()["error"]["code"] == "not_cancellable", r


def test_a_shipped_order_cannot_be_cancelled(shop):
    order_id = paid_order(shop)
    assert shop.admin("POST", f"/admin/orders/{order_id}/shipment", {"carrier": "DHL", "tracking_number": "1"}).status == 200
    r = cancel(shop, order_id)
    assert r.status == 409 and r.json()["error"]["code"] == "already_shipped", r
    assert shop.order_status(order_id)["status"] == "completed"


def test_the_after_sale_routes_need_the_admin_token_and_an_order(shop):
    order_id = paid_order(shop)
    for path, body in [("cancel", {}), ("refunds", {"amount_cents": 1}), ("shipment", {"carrier": "x", "tracking_number": "1"})]:
        r = shop.request("POST", f"/admin/orders/{order_id}/{path}", body=body)
        assert r.status == 401, r
        missing = shop.admin("POST", f"/admin/orders/01a22095-e8f2-7323-ac5b-ab141d9565db/{path}", body)
        assert missing.status == 404 and missing.json()["error"]["code"] == "not_found", missing
    assert shop.request("GET", f"/admin/orders/{order_id}").status == 401
    assert shop.order_status(order_id)["status"] == "completed"


# --- refunds ----------------------------------------------------------------

def test_a_full_refund_makes_the_order_refunded_with_one_credit_note(shop_factory):
    shop = shop_factory(config=VAT)
    order_id = paid_order(shop)
    r = refund(shop, order_id, {"amount_cents": 2400, "reason": "broken"})
    assert r.status == 202, r
    body = r.json()
    assert body["state"] == "pending" and body["amount_cents"] == 2400 and body["id"]
    [done] = wait_refunds_settled(shop, order_id, 1)
    assert done["state"] == "succeeded" and done["reason"] == "broken"
    shop.wait_for_status(order_id, "refunded")
    assert shop.order_status(order_id)["refunded_cents"] == 2400
    assert stock(shop, "MUG-01") == 48  # an amount names no goods: nothing back on sale
    assert credit_note_numbers(shop) == ["CN-000001"]


def test_partial_refunds_by_amount_and_by_lines_up_to_the_rest_and_not_one_cent_more(shop_factory):
    shop = shop_factory()
    r = shop.post_order(order(items=[{"sku": "MUG-01", "qty": 3}, {"sku": "TEE-01", "qty": 1}]))
    order_id = r.json()["id"]
    shop.wait_for_status(order_id, "completed")  # 3 x 12.00 + 25.00 = 61.00
    assert stock(shop, "MUG-01") == 47

    assert refund(shop, order_id, {"amount_cents": 500}).status == 202
    by_lines = refund(shop, order_id, {"items": [{"sku": "MUG-01", "qty": 1}], "restock": True})
    assert by_lines.status == 202 and by_lines.json()["amount_cents"] == 1200, by_lines
    wait_refunds_settled(shop, order_id, 2)
    shop.wait_until_idle()
    status = shop.order_status(order_id)
    assert status["status"] == "completed" and status["refunded_cents"] == 1700  # partial: the status stays
    assert stock(shop, "MUG-01") == 48

    # Not more of a line than is left, nor more money than is left.
    too_many = refund(shop, order_id, {"items": [{"sku": "MUG-01", "qty": 3}]})
    assert too_many.status == 409 and too_many.json()["error"]["code"] == "refund_exceeds_payment", too_many
    assert too_many.json()["error"]["field"] == "items[0].qty"
    rest = 6100 - 1700
    over = refund(shop, order_id, {"amount_cents": rest + 1})
    assert over.status == 409 and over.json()["error"]["code"] == "refund_exceeds_payment", over
    # The rest, while it is still pending, counts: a second ask for one cent is refused at once.
    assert refund(shop, order_id, {"amount_cents": rest}).status == 202
    again = refund(shop, order_id, {"amount_cents": 1})
    assert again.status == 409 and again.json()["error"]["code"] == "refund_exceeds_payment", again
    wait_refunds_settled(shop, order_id, 3)
    shop.wait_for_status(order_id, "refunded")
    assert shop.order_status(order_id)["refunded_cents"] == 6100
    assert credit_note_numbers(shop) == ["CN-000001", "CN-000002", "CN-000003"]
    ledger = shop.query("SELECT sku, qty_delta FROM stock_ledger WHERE order_id = ? AND reason = 'restock'", order_id)
    assert ledger == [{"sku": "MUG-01", "qty_delta": 1}]
    sold = {r["sku"]: r["sold"] for r in shop.query("SELECT sku, sold FROM stock_overview")}
    assert sold == {"MUG-01": 2, "TEE-01": 1}


def test_the_same_idempotency_key_twice_makes_one_refund(shop_factory):
    shop = shop_factory()
    order_id = paid_order(shop)
    first = refund(shop, order_id, {"amount_cents": 700}, key="refund-7")
    second = refund(shop, order_id, {"amount_cents": 700}, key="refund-7")
    assert first.status == second.status == 202
    assert second.headers.get("idempotent-replayed") == "true"
    assert second.json() == first.json()
    other = refund(shop, order_id, {"amount_cents": 800}, key="refund-7")
    assert other.status == 422 and other.json()["error"]["code"] == "idempotency_key_reused", other
    wait_refunds_settled(shop, order_id, 1)
    assert shop.order_status(order_id)["refunded_cents"] == 700


def test_an_order_not_paid_cannot_be_refunded_and_bad_asks_are_400(shop_factory):
    shop = shop_factory(config={"payment": {"test_latency_ms": 3000}})
    order_id = shop.post_order(order()).json()["id"]
    r = refund(shop, order_id, {"amount_cents": 100})
    assert r.status == 409 and r.json()["error"]["code"] == "not_paid", r
    for body, field in [({}, "amount_cents"), ({"amount_cents": 0}, "amount_cents"),
                        ({"amount_cents": 100, "items": [{"sku": "MUG-01", "qty": 1}]}, "amount_cents"),
                        ({"amount_cents": 100, "restock": True}, "restock"),
                        ({"items": [{"sku": "MUG-01", "qty": 0}]}, "items[0].qty"),
                        ({"amount_cents": "5"}, "amount_cents")]:
        bad = refund(shop, order_id, body)
        assert bad.status == 400 and bad.json()["error"]["field"] == field, (body, bad)
    assert shop.query("SELECT count(*) AS n FROM refunds")[0]["n"] == 0


def test_stripe_gets_one_refund_per_refund_with_its_metadata_and_a_stable_idempotency_key(shop_factory, stripe, sink):
    shop = shop_factory(**live(stripe, sink))
    order_id = paid_order(shop)
    stripe.fail_next(2, "500")  # the first two attempts fail: the retries keep the key
    refund_id = refund(shop, order_id, {"amount_cents": 1000}).json()["id"]
    wait_refunds_settled(shop, order_id, 1)
    [charge] = charges_for(stripe, order_id)
    [made] = stripe.refunds_for(charge["id"])
    assert made["amount"] == 1000
    posts = refund_posts(stripe, order_id)
    assert len(posts) == 3
    assert {p["idempotency_key"] for p in posts} == {f"shopd-refund-{refund_id}"}
    assert posts[-1]["params"] == {"payment_intent": charge["id"], "amount": "1000", "metadata[order_id]": order_id,
                                   "metadata[refund_id]": refund_id}
    assert whole_order(shop, order_id)["refunds"][0]["state"] == "succeeded"


def test_a_refund_stripe_refuses_fails_alerts_the_team_and_tells_the_customer_nothing(shop_factory, stripe, sink):
    shop = shop_factory(**live(stripe, sink))
    order_id = paid_order(shop)
    [charge] = charges_for(stripe, order_id)
    stripe.refunds.append({"id": "re_elsewhere", "amount": 2400, "payment_intent": charge["id"],
                           "currency": "eur", "status": "succeeded", "metadata": {}})  # refunded in Stripe's dashboard
    refund(shop, order_id, {"amount_cents": 1000})
    [failed] = wait_refunds_settled(shop, order_id, 1)
    assert failed["state"] == "failed"
    shop.wait_for_status(order_id, "needs_attention")
    wait_for(lambda: mails_to(sink, "team@shop.test"), timeout=20, message="the team alert")
    assert "payment.refund" in str(mails_to(sink, "team@shop.test")[0]["Subject"])
    assert [str(m["Subject"]).split(" - ")[0] for m in mails_to(sink, CUSTOMER)] == ["Order confirmed"]


@pytest.mark.sanitize
def test_sigkill_while_the_refund_call_is_in_flight_refunds_once_with_one_credit_note(shop_factory, stripe, sink, backend):
    shop = shop_factory(**live(stripe, sink, config={"worker": {"lease_seconds": crash_lease(backend)}}))
    order_id = paid_order(shop)
    [charge] = charges_for(stripe, order_id)
    stripe.next_answers("charge_then_hang")  # the refund happens; its answer never comes
    refund(shop, order_id, {"amount_cents": 1500})
    wait_for(lambda: stripe.refunds_for(charge["id"]), message="the refund to happen at Stripe")
    shop.kill()
    shop.start()
    [done] = wait_refunds_settled(shop, order_id, 1)
    assert done["state"] == "succeeded"
    assert len(stripe.refunds_for(charge["id"])) == 1
    assert credit_note_numbers(shop) == ["CN-000001"]
    shop.wait_until_idle()
    assert shop.order_status(order_id)["refunded_cents"] == 1500
    refund_mails = [m for m in mails_to(sink, CUSTOMER) if "Refund" in str(m["Subject"])]
    assert len(refund_mails) == 1


# --- credit notes -------------------------------------------------------------

def test_the_credit_note_names_the_invoice_it_corrects_with_negative_amounts_and_vat(shop_factory):
    shop = shop_factory(config=VAT)
    order_id = paid_order(shop, qty=3)
    invoice = shop.order_status(order_id)["steps"]["invoice"]["number"]
    refund(shop, order_id, {"items": [{"sku": "MUG-01", "qty": 2}], "restock": True})
    [done] = wait_refunds_settled(shop, order_id, 1)
    number = done["credit_note"]
    shop.wait_until_idle()

    r = shop.get(f"/orders/{order_id}/credit-notes/{number}")
    assert r.status == 200 and r.headers["content-type"] == "application/pdf" and r.body.startswith(b"%PDF-"), r
    assert r.headers["cache-control"] == "private, no-store"
    text = pdf_text(r.body)
    invoice_date = shop.query("SELECT issued_at FROM invoices WHERE order_id = ?", order_id)[0]["issued_at"][:10]
    assert f"Credit note {number}" in text
    assert f"Corrects invoice {invoice} of {invoice_date}" in text
    assert "Coffee mug" in text and "-24.00 EUR" in text  # 2 x 12.00, negative
    # VAT 19 % contained in 24.00: 3.83; net 20.17 — negative like the rest.
    assert "-3.83 EUR" in text and "VAT 19 % of -20.17 EUR" in text
    assert shop.get(f"/orders/{order_id}/credit-notes/CN-999999").status == 404

    # The customer's email carries the same document.
    [mail] = [m for m in (read_mail(p) for p in shop.mails()) if "Refund" in str(m["Subject"])]
    [(name, kind, data)] = attachments(mail)
    assert (name, kind, data) == (f"{number}.pdf", "application/pdf", r.body)
    assert number in text_of(mail) and invoice in text_of(mail)


GERMAN_SHOP = {
    "shop": {"name": "Kaffeehaus Berlin", "locale": "de"},
    "tax": {"country": "DE"},
    "shipping": [{"countries": ["*"], "price_cents": 490}],
    "products": [
        {"sku": "BOOK-01", "name": "Coffee cook book", "price_cents": 2140, "stock": 50, "vat_category": "reduced"},
        {"sku": "MUG-01", "name": "Coffee mug", "price_cents": 1190, "stock": 50},
    ],
}


def test_a_german_shop_credits_an_amount_over_its_rates_and_a_cancel_every_line_and_the_shipping(shop_factory):
    shop = shop_factory(config=GERMAN_SHOP)
    body = order(items=[{"sku": "BOOK-01", "qty": 1}, {"sku": "MUG-01", "qty": 2}])
    order_id = paid_order_of(shop, body)  # 21.40 (7 %) + 23.80 (19 %) + 4.90 shipping (19 %) = 50.10
    refund(shop, order_id, {"amount_cents": 1000})
    [first] = wait_refunds_settled(shop, order_id, 1)
    shop.wait_until_idle()
    text = pdf_text(shop.get(f"/orders/{order_id}/credit-notes/{first['credit_note']}").body)
    invoice = shop.order_status(order_id)["steps"]["invoice"]["number"]
    assert f"Rechnungskorrektur {first['credit_note']}" in text and f"Korrigiert Rechnung {invoice}" in text
    # 10.00 split over the rates in proportion to their gross: 7 % on 21.40 of 50.10, 19 % on the rest.
    assert "Erstattung" in text and "-4.27 EUR" in text and "-5.73 EUR" in text and "-10.00 EUR" in text
    assert re.search(r"7\s?%", text) and "19 %" in text

    # The cancel of another paid order credits every line and the shipping, as they were invoiced.
    other = paid_order_of(shop, body)
    assert cancel(shop, other).status == 202
    [whole] = wait_refunds_settled(shop, other, 1)
    shop.wait_until_idle()
    assert whole["amount_cents"] == 5010
    text = pdf_text(shop.get(f"/orders/{other}/credit-notes/{whole['credit_note']}").body)
    assert "Versand" in text and "Coffee cook book" in text and "Coffee mug" in text and "-50.10 EUR" in text
    assert "Erstattung" not in text
    assert shop.order_status(other)["status"] == "cancelled"
    mails = {str(m["Subject"]).split(" - ")[0] for m in (read_mail(p) for p in shop.mails())}
    assert {"Bestellung storniert", "Erstattung von 10.00 EUR", "Erstattung von 50.10 EUR"} <= mails, mails


# --- shipment ---------------------------------------------------------------

def test_a_shipment_emails_the_tracking_link_and_shows_on_the_status_page(shop):
    order_id = paid_order(shop)
    r = shop.admin("POST", f"/admin/orders/{order_id}/shipment",
                   {"carrier": "DHL", "tracking_number": "JJD000390007", "tracking_url": "https://dhl.example/t/JJD000390007"})
    assert r.status == 200, r
    shipment = shop.order_status(order_id)["shipment"]
    assert shipment["carrier"] == "DHL" and shipment["tracking_number"] == "JJD000390007"
    assert shipment["tracking_url"] == "https://dhl.example/t/JJD000390007" and shipment["shipped_at"]
    shop.wait_until_idle()
    [mail] = [m for m in (read_mail(p) for p in shop.mails()) if "shipped" in str(m["Subject"]).lower()]
    assert "https://dhl.example/t/JJD000390007" in text_of(mail) and "JJD000390007" in text_of(mail)
    again = shop.admin("POST", f"/admin/orders/{order_id}/shipment", {"carrier": "UPS", "tracking_number": "2"})
    assert again.status == 409 and again.json()["error"]["code"] == "already_shipped", again
    bad = shop.admin("POST", f"/admin/orders/{order_id}/shipment",
                     {"carrier": "DHL", "tracking_number": "3", "tracking_url": "javascript:alert(1)"})
    assert bad.status in (400, 409)
    row = shop.query("SELECT shipped_at FROM order_overview WHERE id = ?", order_id)[0]
    assert row["shipped_at"] == shipment["shipped_at"]


def test_an_unpaid_or_cancelled_order_is_not_shipped(shop_factory):
    shop = shop_factory(config={"payment": {"test_latency_ms": 3000}})
    order_id = shop.post_order(order()).json()["id"]
    r = shop.admin("POST", f"/admin/orders/{order_id}/shipment", {"carrier": "DHL", "tracking_number": "1"})
    assert r.status == 409 and r.json()["error"]["code"] == "not_paid", r
    bad = shop.admin("POST", f"/admin/orders/{order_id}/shipment", {"carrier": "", "tracking_number": "1"})
    assert bad.status == 400 and bad.json()["error"]["field"] == "carrier", bad


# --- the owner's numbers ------------------------------------------------------

def test_revenue_daily_counts_refunds_on_the_day_the_money_went_back(shop_factory):
    shop = shop_factory()
    first = paid_order(shop, qty=2)
    paid_order(shop, qty=1)
    refund(shop, first, {"amount_cents": 1000})
    wait_refunds_settled(shop, first, 1)
    day = shop.query("SELECT succeeded_at FROM refunds")[0]["succeeded_at"][:10]
    [row] = shop.query("SELECT * FROM revenue_daily WHERE day = ?", day)
    assert (row["orders"], row["revenue_cents"], row["refunded_cents"], row["net_cents"]) == (2, 3600, 1000, 2600)


def test_the_whole_order_shows_customer_items_jobs_refunds_credit_notes_and_shipment(shop):
    order_id = paid_order(shop)
    refund(shop, order_id, {"items": [{"sku": "MUG-01", "qty": 1}]})
    wait_refunds_settled(shop, order_id, 1)
    shop.admin("POST", f"/admin/orders/{order_id}/shipment", {"carrier": "DHL", "tracking_number": "1"})
    shop.wait_until_idle()
    o = whole_order(shop, order_id)
    assert o["customer"] == {"email": CUSTOMER, "name": "Ann Example"}
    assert o["shipping_address"]["city"] == "Berlin"
    assert o["items"][0]["name"] == "Coffee mug"
    assert {j["kind"] for j in o["jobs"]} >= {"payment.refund", "credit_note.generate", "email.refunded", "email.shipped"}
    [r] = o["refunds"]
    assert r["items"] == [{"sku": "MUG-01", "qty": 1, "amount_cents": 1200}] and r["credit_note"] == "CN-000001"
    [note] = o["credit_notes"]
    assert note["number"] == "CN-000001" and note["invoice_number"] == o["invoice"]["number"]
    assert o["shipment"]["carrier"] == "DHL" and o["refunded_cents"] == 1200


# --- several nodes ------------------------------------------------------------

@pytest.mark.postgres_only
def test_credit_note_numbers_stay_gapless_across_concurrent_refunds_on_two_nodes(shop_factory):
    config = {"worker": {"concurrency": 4}}
    a = shop_factory(config=config, subdir="node0")
    b = shop_factory(config=config, subdir="node1", database_url=a.database_url)
    orders = [paid_order(a if i % 2 else b, qty=1) for i in range(12)]
    barrier = threading.Barrier(len(orders))
    results = collections.Counter()

    def ask(i, order_id):
        barrier.wait()
        node = a if i % 2 else b
        results[refund(node, order_id, {"amount_cents": 600}).status] += 1
        results[refund(node, order_id, {"amount_cents": 600}).status] += 1

    threads = [threading.Thread(target=ask, args=(i, o)) for i, o in enumerate(orders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == {202: 2 * len(orders)}
    a.wait_until_idle(timeout=60)
    seqs = [r["seq"] for r in a.query("SELECT seq FROM credit_notes ORDER BY seq")]
    assert seqs == list(range(1, 2 * len(orders) + 1))
    assert all(a.order_status(o)["status"] == "refunded" for o in orders)


# --- the command line -----------------------------------------------------------

def test_the_cli_cancels_refunds_and_ships_while_the_server_runs(shop):
    first = paid_order(shop, qty=3)
    out = shop.cli("orders", "refund", first, "--item", "MUG-01:1", "--restock", "--reason", "chipped")
    assert out.returncode == 0, out.stderr
    assert "of 12.00 EUR" in out.stdout and "pending" in out.stdout
    out = shop.cli("orders", "refund", first, "--amount", "100")
    assert out.returncode == 0, out.stderr
    too_much = shop.cli("orders", "refund", first, "--amount", "999999")
    assert too_much.returncode == 1 and "refund_exceeds_payment" in too_much.stderr
    assert shop.cli("orders", "refund", first).returncode == 2  # neither --amount nor --item
    assert shop.cli("orders", "refund", first, "--item", "MUG-01").returncode == 2
    wait_refunds_settled(shop, first, 2)
    assert shop.order_status(first)["refunded_cents"] == 1300

    out = shop.cli("orders", "ship", first, "--carrier", "DHL", "--tracking", "JJD1", "--url", "https://dhl.example/JJD1")
    assert out.returncode == 0, out.stderr
    assert shop.order_status(first)["shipment"]["tracking_number"] == "JJD1"
    shipped = shop.cli("orders", "cancel", first)
    assert shipped.returncode == 1 and "already_shipped" in shipped.stderr

    second = paid_order(shop, qty=1)
    out = shop.cli("orders", "cancel", second, "--reason", "changed mind")
    assert out.returncode == 0, out.stderr
    assert "cancelled" in out.stdout and "refund" in out.stdout
    wait_refunds_settled(shop, second, 1)
    shop.wait_for_status(second, "cancelled")
    assert shop.order_status(second)["refunded_cents"] == 1200
    unknown = shop.cli("orders", "cancel", "01a22095-e8f2-7323-ac5b-ab141d9565db")
    assert unknown.returncode == 1 and "not_found" in unknown.stderr
    shop.wait_until_idle()
    check = shop.cli("check")
    assert "credit notes: 3 (CN-000001 to CN-000003, no gaps)" in check.stdout, check.stdout
