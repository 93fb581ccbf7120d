"""Invoices and emails a shop in any EU country can send (SPEC section 12,
issue 21): VAT per product and destination, shipping, reverse charge and
OSS, the customer's language, and texts the owner writes. Invoices are read
as a customer and a tax office read them: the PDF served by
GET /orders/{id}/invoice, turned into text with pdftotext."""

from __future__ import annotations

import email
import email.policy
import re
import subprocess

import pytest

from shop import REPO, crash_lease, order, serve_and_fail, wait_for

GERMAN_SHOP = {
    "shop": {"name": "Kaffeehaus Berlin", "address": "Kaffeehaus GmbH\nMusterstrasse 1\n10115 Berlin\nGermany"},
    "invoice": {"seller_tax_id": "DE123456789",
                "legal_lines": ["Kaffeehaus GmbH, Amtsgericht Berlin-Charlottenburg HRB 123456",
                                "Managing director: Anna Beispiel"]},
    "tax": {"country": "DE"},
    "shipping": [{"countries": ["DE"], "price_cents": 490},
                 {"countries": ["*"], "price_cents": 1290}],
    "products": [
        {"sku": "BOOK-01", "name": "Coffee cook book", "price_cents": 2140, "stock": 50, "vat_category": "reduced"},
        {"sku": "MUG-01", "name": "Coffee mug", "price_cents": 1190, "stock": 50},
    ],
}

PARIS = {"line1": "1 rue de la Paix", "city": "Paris", "postal_code": "75002", "country": "FR"}
FRENCH_VAT_ID = "FR40303265045"


def german_shop(**overrides) -> dict:
    config = {k: (dict(v) if isinstance(v, dict) else v) for k, v in GERMAN_SHOP.items()}
    for key, value in overrides.items():
        config[key] = {**config.get(key, {}), **value} if isinstance(value, dict) else value
    return config


def cart(**extra) -> dict:
    """One book (7 % in Germany) and two mugs (19 %)."""
    return order(items=[{"sku": "BOOK-01", "qty": 1}, {"sku": "MUG-01", "qty": 2}], **extra)


def pdf_text(pdf: bytes, layout: bool = False) -> str:
    args = ["pdftotext"] + (["-layout"] if layout else []) + ["-", "-"]
    return subprocess.run(args, input=pdf, capture_output=True, timeout=30, check=True).stdout.decode("utf-8")


def completed_invoice(shop, body: dict) -> tuple[dict, str, str]:
    """Places the order, waits until it is completed; returns the 202's body,
    the invoice's text and its text with the layout kept."""
    r = shop.post_order(body)
    assert r.status == 202, r
    accepted = r.json()
    shop.wait_for_status(accepted["id"], "completed")
    invoice = shop.get(f"/orders/{accepted['id']}/invoice")
    assert invoice.status == 200 and invoice.body.startswith(b"%PDF-"), invoice
    return accepted, pdf_text(invoice.body), pdf_text(invoice.body, layout=True)


def row(text: str, *cells: str) -> bool:
    """Whether one line of the layout text holds these cells, in this order
    (pdftotext may or may not keep the narrow space in "7 %")."""
    pattern = r"\s+".join(re.escape(c).replace(r"\ %", r"\s?%") for c in cells)
    return any(re.search(pattern, line) for line in text.splitlines())


def part(mail: email.message.EmailMessage, kind: str) -> str:
    """The text of the mail's "plain" or "html" part, with Python's line breaks."""
    return mail.get_body(preferencelist=(kind,)).get_content().replace("\r\n", "\n")


def confirmation_mail(shop, order_id: str) -> email.message.EmailMessage:
    path = shop.mail_dir() / f"{order_id}.confirmation.eml"
    wait_for(path.exists, message="the confirmation email")
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


# --- the four tax cases of a German shop ---------------------------------------------------------

@pytest.mark.sanitize
def test_a_german_consumer_pays_7_and_19_percent_and_shipping_and_the_charge_is_the_invoice_total(shop_factory):
    shop = shop_factory(config=german_shop())
    accepted, text, layout = completed_invoice(shop, cart())

    # 21.40 (7 %) + 2 x 11.90 (19 %) + 4.90 shipping (19 %), prices include VAT.
    assert accepted["total_cents"] == 5010
    assert row(layout, "Coffee cook book", "1", "21.40 EUR", "7 %", "21.40 EUR")
    assert row(layout, "Coffee mug", "2", "11.90 EUR", "19 %", "23.80 EUR")
    assert row(layout, "Shipping", "1", "4.90 EUR", "19 %", "4.90 EUR")
    # The summary per rate: net, VAT, gross.
    assert row(layout, "7 %", "20.00 EUR", "1.40 EUR", "21.40 EUR")
    assert row(layout, "19 %", "24.12 EUR", "4.58 EUR", "28.70 EUR")
    assert row(layout, "Total", "50.10 EUR")
    assert "Prices include VAT." in text
    assert "VAT ID: DE123456789" in text
    assert "Reverse charge" not in text and "One-Stop-Shop" not in text
    # The legal lines at the foot of the page, the payment and its method.
    assert "Amtsgericht Berlin-Charlottenburg HRB 123456" in text
    assert "Managing director: Anna Beispiel" in text
    assert re.search(r"Paid by card on \d{4}-\d\d-\d\d \(test mode: nothing was charged\)\.", text)
    # The order page's step and the stored invoice agree with what was charged.
    [invoice] = shop.query("SELECT total_cents, tax_cents FROM invoices")
    assert (invoice["total_cents"], invoice["tax_cents"]) == (5010, 598)


def test_a_french_consumer_pays_french_vat_when_the_shop_is_in_oss(shop_factory):
    shop = shop_factory(config=german_shop(tax={"country": "DE", "oss": True}))
    accepted, text, layout = completed_invoice(shop, cart(shipping_address=PARIS))

    # The consumer pays the catalogue prices; their VAT is France's: 5.5 % and 20 %.
    assert accepted["total_cents"] == 2140 + 2380 + 1290
    assert row(layout, "Coffee cook book", "1", "21.40 EUR", "5.5 %", "21.40 EUR")
    assert row(layout, "Coffee mug", "2", "11.90 EUR", "20 %", "23.80 EUR")
    assert row(layout, "Shipping", "1", "12.90 EUR", "20 %", "12.90 EUR")
    assert row(layout, "5.5 %", "20.28 EUR", "1.12 EUR", "21.40 EUR")
    assert row(layout, "20 %", "30.58 EUR", "6.12 EUR", "36.70 EUR")
    assert "VAT of the country of destination (France), declared through the One-Stop-Shop" in " ".join(text.split())
    assert "France" in text  # the buyer's address ends with the country's name


def test_a_french_consumer_pays_german_vat_when_the_shop_is_not_in_oss(shop_factory):
    shop = shop_factory(config=german_shop())
    accepted, text, layout = completed_invoice(shop, cart(shipping_address=PARIS))

    assert accepted["total_cents"] == 2140 + 2380 + 1290
    assert row(layout, "Coffee cook book", "1", "21.40 EUR", "7 %", "21.40 EUR")
    assert row(layout, "19 %", "30.84 EUR", "5.86 EUR", "36.70 EUR")
    assert "One-Stop-Shop" not in text and not re.search(r"\b20\s?%", text)


def test_a_french_business_with_a_vat_id_gets_a_reverse_charge_invoice_without_vat(shop_factory):
    shop = shop_factory(config=german_shop(tax={"country": "DE", "oss": True}))
    body = cart(shipping_address=PARIS)
    body["customer"]["vat_id"] = "fr 40 303 265 045"
    accepted, text, layout = completed_invoice(shop, body)

    # It pays the net of the German gross prices: 20.00 + 2 x 10.00 + 10.84 shipping.
    assert accepted["total_cents"] == 2000 + 2000 + 1084
    assert row(layout, "Coffee cook book", "1", "20.00 EUR", "0 %", "20.00 EUR")
    assert row(layout, "Coffee mug", "2", "10.00 EUR", "0 %", "20.00 EUR")
    assert row(layout, "0 %", "50.84 EUR", "0.00 EUR", "50.84 EUR")
    assert row(layout, "Total", "50.84 EUR")
    flat = " ".join(text.split())
    assert "Reverse charge: tax-exempt intra-Community supply (Article 138 of Directive 2006/112/EC)." in flat
    assert f"Customer VAT ID: {FRENCH_VAT_ID}" in text and "VAT ID: DE123456789" in text
    assert "Prices include VAT." not in text
    [stored] = shop.query("SELECT customer_vat_id, tax_regime FROM orders")
    assert (stored["customer_vat_id"], stored["tax_regime"]) == (FRENCH_VAT_ID, "reverse_charge")


def test_an_order_shipped_outside_the_eu_is_an_export_without_vat(shop_factory):
    shop = shop_factory(config=german_shop())
    address = {"line1": "Bahnhofstrasse 1", "city": "Zurich", "postal_code": "8001", "country": "CH"}
    accepted, text, _ = completed_invoice(shop, cart(shipping_address=address))
    assert accepted["total_cents"] == 2000 + 2000 + 1084
    assert "Tax-exempt export supply (Article 146 of Directive 2006/112/EC)." in " ".join(text.split())


# --- language ---------------------------------------------------------------------------------------

def test_a_german_language_order_gets_a_german_invoice_and_german_emails(shop_factory):
    shop = shop_factory(config=german_shop())
    accepted, text, layout = completed_invoice(shop, cart(locale="de-DE"))

    for words in ["Rechnung INV-000001", "Rechnungsdatum:", "Rechnung an", "Beschreibung", "Einzelpreis",
                  "Versand", "Gesamtbetrag", "Preise inkl. USt.", "USt-IdNr.: DE123456789", "Deutschland",
                  "Vielen Dank f\u00fcr Ihre Bestellung. Kaffeehaus Berlin", "Seite 1 von 1"]:
        assert words in text, words
    assert re.search(r"Bezahlt per Karte am \d\d\.\d\d\.\d{4}", text)
    assert row(layout, "Gesamtbetrag", "50.10 EUR")

    mail = confirmation_mail(shop, accepted["id"])
    assert mail["Subject"] == "Bestellung best\u00e4tigt - Kaffeehaus Berlin Rechnung INV-000001"
    body = part(mail, "plain")
    assert body.startswith("Hallo Ann Example,")
    assert "  Versand  4.90 EUR\n  Gesamt: 50.10 EUR\n" in body
    assert "enthaltene USt. 7 %: 1.40 EUR" in body
    assert '<html lang="de">' in part(mail, "html")
    [stored] = shop.query("SELECT locale FROM orders")
    assert stored["locale"] == "de"


def test_a_french_language_order_gets_a_french_invoice_and_french_emails(shop_factory):
    shop = shop_factory(config=german_shop())
    accepted, text, layout = completed_invoice(shop, cart(locale="fr", shipping_address=PARIS))

    for words in ["Facture INV-000001", "Date de facture :", "Factur\u00e9 \u00e0", "D\u00e9signation",
                  "Prix unitaire", "Livraison", "Total TTC", "France", "page 1 sur 1"]:
        assert words in text, words
    mail = confirmation_mail(shop, accepted["id"])
    assert mail["Subject"] == "Commande confirm\u00e9e - Kaffeehaus Berlin facture INV-000001"
    assert "Bonjour Ann Example," in part(mail, "plain")


def test_an_order_without_a_locale_is_in_the_shops_language(shop_factory):
    shop = shop_factory(config=german_shop(shop={"locale": "de"}))
    accepted, text, _ = completed_invoice(shop, cart())
    assert "Rechnung INV-000001" in text
    assert confirmation_mail(shop, accepted["id"])["Subject"].startswith("Bestellung best\u00e4tigt")


# --- what the storefront gets wrong -------------------------------------------------------------

@pytest.mark.parametrize("field,body", [
    ("customer.vat_id", cart(customer={"email": "ann@example.com", "name": "Ann", "vat_id": "FR123"})),
    ("customer.vat_id", cart(customer={"email": "ann@example.com", "name": "Ann", "vat_id": "GB123456789"})),
    ("customer.vat_id", cart(customer={"email": "ann@example.com", "name": "Ann", "vat_id": 123})),
    ("locale", cart(locale="es")),
    ("locale", cart(locale=7)),
    ("shipping_address.country", cart(shipping_address={**PARIS, "country": "JP"})),
])
def test_a_bad_vat_id_locale_or_a_country_the_shop_does_not_ship_to_is_refused(shop_factory, field, body):
    config = german_shop(shipping=[{"countries": ["DE", "FR"], "price_cents": 490}])
    shop = shop_factory(config=config)
    r = shop.post_order(body)
    assert r.status == 400, r
    assert r.json()["error"]["code"] == "invalid_request"
    assert r.json()["error"]["field"] == field
    assert shop.query("SELECT count(*) AS n FROM orders")[0]["n"] == 0


# --- what is fixed at intake ------------------------------------------------------------------------

def test_rates_changed_after_an_order_was_taken_do_not_change_its_invoice(shop_factory, backend):
    # The payment takes a while, so the invoice is made after the restart,
    # under the new config; it must still say what was charged.
    config = german_shop(payment={"provider": "test", "test_latency_ms": 60000},
                         worker={"concurrency": 4, "lease_seconds": crash_lease(backend)})
    shop = shop_factory(config=config)
    accepted = shop.post_order(cart()).json()
    [line] = shop.query("SELECT vat_rate_bp FROM order_items WHERE sku = 'MUG-01'")
    assert line["vat_rate_bp"] == 1900  # stored with the order, in the intake transaction
    shop.kill()
    assert shop.query("SELECT count(*) AS n FROM invoices")[0]["n"] == 0  # the payment had not finished

    shop.config["tax"] = {"country": "DE", "rates": {"DE": {"standard": 16.0, "reduced": 5.0}}}
    shop.config["shipping"] = [{"countries": ["*"], "price_cents": 990}]
    shop.config["payment"]["test_latency_ms"] = 0
    shop.start()
    shop.wait_for_status(accepted["id"], "completed", timeout=60)
    text = pdf_text(shop.get(f"/orders/{accepted['id']}/invoice").body, layout=True)
    assert row(text, "Coffee mug", "2", "11.90 EUR", "19 %", "23.80 EUR")
    assert row(text, "Shipping", "1", "4.90 EUR", "19 %", "4.90 EUR")
    assert row(text, "Total", "50.10 EUR")
    assert not re.search(r"\b16\s?%", text)


def test_put_product_sets_a_vat_category_that_intake_uses(shop_factory):
    shop = shop_factory(config=german_shop())
    r = shop.admin("PUT", "/admin/products/TEA-01",
                   {"name": "Green tea", "price_cents": 535, "stock": 5, "vat_category": "reduced"})
    assert r.status == 201 and r.json()["vat_category"] == "reduced", r
    catalog = {p["sku"]: p for p in shop.get_json("/products")["data"]}
    assert catalog["TEA-01"]["vat_category"] == "reduced"
    assert "vat_category" not in catalog["MUG-01"]  # standard, as SPEC's shape has it
    # An update that does not name the category keeps it.
    assert shop.admin("PUT", "/admin/products/TEA-01", {"name": "Green tea", "price_cents": 535, "stock": 4}).status == 200
    accepted, _, layout = completed_invoice(shop, order(sku="TEA-01", qty=1))
    assert row(layout, "Green tea", "1", "5.35 EUR", "7 %", "5.35 EUR")
    bad = shop.admin("PUT", "/admin/products/TEA-01", {"name": "x", "price_cents": 1, "stock": 1, "vat_category": "low"})
    assert bad.status == 400 and bad.json()["error"]["field"] == "vat_category"


# --- shops that configure nothing new -------------------------------------------------------------

GOLDEN = REPO / "tests" / "e2e" / "golden"


def normalized(text: str) -> str:
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<ORDER_ID>", text)
    return re.sub(r"\d{4}-\d\d-\d\d", "<DATE>", text)


@pytest.mark.parametrize("golden,config", [
    ("invoice_legacy_no_tax.txt", {}),
    ("invoice_legacy_single_rate.txt", {"shop": {"address": "Demo Shop GmbH\nMusterstrasse 1\n10115 Berlin\nGermany"},
                                        "invoice": {"tax_rate_percent": 19, "seller_tax_id": "DE123456789"}}),
])
def test_a_shop_without_tax_config_gets_the_invoice_it_always_got_plus_the_payment_line(shop_factory, golden, config):
    shop = shop_factory(config=config)
    body = order(qty=3)
    body["items"].append({"sku": "TEE-01", "qty": 1})
    _, _, layout = completed_invoice(shop, body)
    lines = normalized(layout).splitlines()
    paid = [i for i, line in enumerate(lines) if "Paid by card on <DATE> (test mode: nothing was charged)." in line]
    assert len(paid) == 1, layout
    del lines[paid[0]]
    # The text the previous release printed (captured from it): the same
    # words and figures on the same lines, in the same order. (pdftotext's
    # spacing between columns follows the widest line of the page, which the
    # payment line changes.)
    def words(text_lines):
        return [" ".join(line.split()) for line in text_lines if line.strip()]
    assert words(lines) == words((GOLDEN / golden).read_text().splitlines())


def test_a_shop_without_tax_config_gets_the_confirmation_email_it_always_got(shop):
    accepted = shop.post_order(order(qty=3)).json()
    shop.wait_for_status(accepted["id"], "completed")
    mail = confirmation_mail(shop, accepted["id"])
    golden = (GOLDEN / "mail_confirmation_legacy.txt").read_text()
    subject, rest = golden.split("\n--- text/plain\n", 1)
    text, html = rest.split("\n--- text/html\n", 1)
    assert f"Subject: {mail['Subject']}" == subject
    assert normalized(part(mail, "plain")).rstrip("\n") == text.rstrip("\n")
    got_html = normalized(part(mail, "html")).replace("\n", "")
    assert got_html == html.strip()


# --- the owner's own words ----------------------------------------------------------------------------

@pytest.mark.sanitize
def test_an_owner_template_replaces_the_confirmation_email(shop_factory):
    shop = shop_factory(config=german_shop(templates={"dir": "texts"}), start=False)
    (shop.dir / "texts").mkdir()
    (shop.dir / "texts" / "confirmation.en.txt").write_text(
        "Subject: Danke, {{customer_name}}! Order {{invoice_number}}\n\n"
        "Your {{#items}}{{qty}} x {{name}}, {{/items}}total {{total}}.\n")
    (shop.dir / "texts" / "confirmation.en.html").write_text(
        "<p>Thanks, {{customer_name}} &mdash; {{total}}</p>\n")
    shop.start()
    body = cart()
    body["customer"]["name"] = "Ann <b>Example</b>"
    accepted = shop.post_order(body).json()
    shop.wait_for_status(accepted["id"], "completed")
    mail = confirmation_mail(shop, accepted["id"])
    assert mail["Subject"] == "Danke, Ann <b>Example</b>! Order INV-000001"
    assert part(mail, "plain").rstrip() == \
        "Your 1 x Coffee cook book, 2 x Coffee mug, total 50.10 EUR."
    # Escaped in HTML: a customer's name cannot add markup to the owner's mail.
    assert part(mail, "html").rstrip() == \
        "<p>Thanks, Ann &lt;b&gt;Example&lt;/b&gt; &mdash; 50.10 EUR</p>"
    # The German mail was not overridden: a German order still gets the built-in one.
    german = shop.post_order(cart(locale="de")).json()
    shop.wait_for_status(german["id"], "completed")
    assert confirmation_mail(shop, german["id"])["Subject"].startswith("Bestellung best\u00e4tigt")


def test_an_owner_note_on_the_invoice_prints_below_the_totals(shop_factory):
    shop = shop_factory(config=german_shop(templates={"dir": "texts"}), start=False)
    (shop.dir / "texts").mkdir()
    document = (REPO / "templates" / "document.en.txt").read_text()
    (shop.dir / "texts" / "document.en.txt").write_text(
        document.replace("total = Total", "total = Amount due")
        + "note = Payment terms: paid in full. Goods remain our property until paid.\n")
    shop.start()
    _, text, layout = completed_invoice(shop, cart())
    assert row(layout, "Amount due", "50.10 EUR")
    assert "Payment terms: paid in full. Goods remain our property until paid." in " ".join(text.split())


def test_shopd_check_names_the_file_and_line_of_a_broken_template_and_serve_refuses_to_start(shop_factory):
    shop = shop_factory(config=german_shop(templates={"dir": "texts"}), start=False)
    (shop.dir / "texts").mkdir()
    broken = shop.dir / "texts" / "payment_failed.de.html"
    broken.write_text("<p>Hallo {{customer_name}}</p>\n{{#items}}\n<p>{{name}}</p>\n")
    shop.write_config()
    checked = shop.cli("check")
    assert checked.returncode == 1, checked.stdout
    assert f"PROBLEM: template {broken}:2: Unclosed section \"items\"" in checked.stdout

    typo = shop.dir / "texts" / "confirmation.fr.txt"
    broken.unlink()
    typo.write_text("Subject: Merci\n\nBonjour {{customer_nmae}}\n")
    checked = shop.cli("check")
    assert checked.returncode == 1, checked.stdout
    assert f"PROBLEM: template {typo}:3: {{{{customer_nmae}}}} is not a value shopd gives this template" in checked.stdout

    code, lines = serve_and_fail(shop)
    assert code == 2
    assert any("customer_nmae" in line for line in lines), lines

    typo.unlink()
    checked = shop.cli("check")
    assert "templates: ok" in checked.stdout, checked.stdout
