"""The shortest path a new user takes: start, order, see it completed."""
import pytest

from shop import order


@pytest.mark.sanitize
def test_demo_order_is_received_at_once_and_completes_in_the_background(shop):
    r = shop.post_order(order())
    assert r.status == 202, r
    body = r.json()
    assert body["status"] == "received"
    assert body["total_cents"] == 2400 and body["currency"] == "EUR"
    assert r.headers["location"] == f"/orders/{body['id']}" == body["status_url"]
    done = shop.wait_for_status(body["id"], "completed")
    assert {name: step["state"] for name, step in done["steps"].items()} == {
        "payment": "done", "inventory": "done", "invoice": "done", "email": "done"}
    assert done["steps"]["invoice"]["number"] == "INV-000001"
    assert len(shop.mails()) == 1
    assert shop.get(f"/orders/{body['id']}/invoice").body.startswith(b"%PDF-")
