"""The invoice as the customer and a tax office read it: the PDF served by
GET /orders/{id}/invoice, turned into text with pdftotext (Debian's
poppler-utils), and the mail folder as the owner sees it."""

import subprocess

from shop import one_completed_and_one_declined, order

SELLER = {
    "shop": {"name": "Test Shop", "address": "Test Shop ApS\nVestergade 1\n5970 Aeroeskoebing\nDenmark"},
    "invoice": {"seller_tax_id": "DK12345678", "tax_rate_percent": 25},
}


def pdf_text(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, timeout=30, check=True)
    return done.stdout.decode("utf-8")


def invoice_text(shop, body: dict) -> tuple[str, str]:
    order_id = shop.post_order(body).json()["id"]
    shop.wait_for_status(order_id, "completed")
    r = shop.get(f"/orders/{order_id}/invoice")
    assert r.status == 200 and r.body.startswith(b"%PDF-"), r
    return order_id, pdf_text(r.body)


def test_the_invoice_names_seller_with_tax_id_and_buyer_once_with_the_countrys_full_name(shop_factory):
    shop = shop_factory(config=SELLER)
    order_id, text = invoice_text(shop, order(name="Ann Example"))

    assert text.count("Ann Example") == 1
    assert "Test Shop ApS" in text and "VAT ID: DK12345678" in text
    assert "Germany" in text
    assert "DE" not in text.split()  # the country's name, not its code
    assert order_id in text and "INV-000001" in text
    assert "Invoice date:" in text and "Order date:" in text
    # One line per VAT rate: the rate, the taxable amount and the tax (24.00 incl. 25 % = 19.20 + 4.80).
    assert "Net amount" in text and "19.20 EUR" in text
    assert "VAT 25 % of 19.20 EUR" in text and "4.80 EUR" in text


def test_names_in_any_european_script_print_as_written(shop_factory):
    shop = shop_factory(config=SELLER)
    address = {"line1": "c/o \u041f\u0451\u0442\u0440 \u0418\u0432\u0430\u043d\u043e\u0432",  # Пётр Иванов
               "city": "\u0391\u03b8\u03ae\u03bd\u03b1", "postal_code": "10558", "country": "GR"}  # Αθήνα
    _, text = invoice_text(shop, order(name="Zo\u00eb \u00c6r\u00f8sk\u00f8bing", shipping_address=address))

    assert text.count("Zo\u00eb \u00c6r\u00f8sk\u00f8bing") == 1
    assert "\u041f\u0451\u0442\u0440 \u0418\u0432\u0430\u043d\u043e\u0432" in text
    assert "10558 \u0391\u03b8\u03ae\u03bd\u03b1" in text
    assert "Greece" in text
    assert "?" not in text


def test_mail_files_are_named_after_the_order_and_the_kind_of_mail(shop):
    ok, declined = one_completed_and_one_declined(shop)
    [alert_job] = shop.query("SELECT id FROM outbox WHERE order_id = ? AND kind = 'alert.team'", declined)

    assert sorted(p.name for p in shop.mails()) == sorted([
        f"{ok}.confirmation.eml",
        f"{declined}.payment_failed.eml",
        f"{declined}.alert.{alert_job['id']}.eml",
    ])
