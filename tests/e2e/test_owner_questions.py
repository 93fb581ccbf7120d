"""README "Questions an owner asks": every sqlite3 line works and answers right on a shop with known orders."""

from __future__ import annotations

import re
import shlex
import subprocess

import pytest

from shop import REPO, order


def readme_questions() -> list[tuple[str, list[str]]]:
    text = (REPO / "README.md").read_text()
    section = text.split("## Questions an owner asks\n", 1)[1]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    questions, question = [], ""
    for line in block.strip().splitlines():
        if line.startswith("#"):
            question = line.lstrip("# ")
        else:
            questions.append((question, shlex.split(line)))
    return questions


def ask(shop, argv: list[str], cwd) -> str:
    assert argv[0] == "sqlite3" and "var/shop.db" in argv
    argv = [str(shop.db_path) if a == "var/shop.db" else a for a in argv]
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and not done.stderr, (argv, done.stderr)
    return done.stdout


@pytest.mark.sqlite_only(reason="runs the README's sqlite3 command lines against the shop's file")
def test_every_question_in_the_readme_is_answered_on_a_shop_with_known_orders(shop, tmp_path):
    zoe_paid = shop.post_order(order(qty=2, email="zoe@example.com", name="Zoë Ærøskøbing")).json()["id"]
    zoe_declined = shop.post_order(order(qty=1, email="zoe@example.com", name="Zoë Ærøskøbing",
                                         token="pm_card_chargeDeclined")).json()["id"]
    other = shop.post_order(order(qty=1, token="pm_card_transient")).json()["id"]
    shop.wait_for_status(zoe_paid, "completed")
    shop.wait_for_status(other, "completed")
    shop.wait_for_status(zoe_declined, "payment_failed")
    admin = {"Authorization": "Bearer test-admin-token"}
    assert shop.request("POST", f"/admin/orders/{other}/refunds", body={"amount_cents": 500, "reason": "late"},
                        headers=admin).status == 202
    assert shop.request("POST", f"/admin/orders/{zoe_paid}/shipment", body={"carrier": "DHL", "tracking_number": "1"},
                        headers=admin).status == 200
    shop.wait_until_idle()

    questions = readme_questions()
    assert len(questions) >= 8
    answers = {q: ask(shop, argv, tmp_path) for q, argv in questions}

    def answer(fragment: str) -> str:
        [text] = [a for q, a in answers.items() if fragment in q]
        return text

    today = answer("What came in today")
    for order_id in (zoe_paid, zoe_declined, other):
        assert order_id in today
    assert "Zoë Ærøskøbing" in today and "payment_failed" in today and "completed" in today

    # The two paid orders: 2 mugs and 1 mug at 12.00 EUR (the declined one is not revenue).
    [price] = shop.query("SELECT price_cents FROM products WHERE sku = 'MUG-01'")
    revenue = answer("How much did I sell")
    assert re.search(rf"│\s*EUR\s*│\s*2\s*│\s*{3 * price['price_cents']}\s*│", revenue), revenue

    refunded = answer("What did I refund this month")
    assert other in refunded and "CN-000001" in refunded and "500" in refunded and "late" in refunded
    assert zoe_paid not in refunded

    not_shipped = answer("paid but not shipped")
    assert other in not_shipped and "5.00 EUR" in not_shipped
    assert zoe_paid not in not_shipped and zoe_declined not in not_shipped

    assert zoe_declined in answer("What needs me")
    assert "pm_card" not in answer("What needs me")

    stock = answer("What is on sale")
    [row] = [line for line in stock.splitlines() if "MUG-01" in line]
    assert re.search(r"│\s*0\s*│\s*3\s*│\s*$", row), row  # nothing reserved, 3 sold

    hers = answer("A customer writes in")
    assert zoe_paid in hers and zoe_declined in hers and other not in hers

    attempts = answer("Every attempt the worker made")
    assert "payment.charge" in attempts and "permanent" in attempts and "402" in attempts

    backlog = answer("How far behind")
    assert "done" in backlog and "pending" not in backlog

    pdf = tmp_path / "INV-000001.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
