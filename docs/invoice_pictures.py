#!/usr/bin/python3
"""Makes the pictures of docs/invoices.md: one invoice per case of a German
shop, rendered by ./shopd and turned into PNG by pdftoppm (poppler-utils).

    make shopd && /usr/bin/python3 docs/invoice_pictures.py

Each case starts a real shop in a temporary folder (the test harness,
tests/e2e/shop.py), places one order, waits for its invoice and writes
docs/img/invoice-<case>.png. The shops use the configs of
tests/e2e/test_tax_and_language.py, which checks the same invoices' text.
"""

import copy
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))

from shop import Shop  # noqa: E402
import test_tax_and_language as cases  # noqa: E402

BUSINESS = {"email": "achats@exemple.fr", "name": "Exemple SARL", "vat_id": cases.FRENCH_VAT_ID}

CASES = {
    "de-domestic": (cases.german_shop(), cases.cart()),
    "fr-oss": (cases.german_shop(tax={"country": "DE", "oss": True}), cases.cart(shipping_address=cases.PARIS)),
    "fr-no-oss": (cases.german_shop(), cases.cart(shipping_address=cases.PARIS)),
    "fr-reverse-charge": (cases.german_shop(tax={"country": "DE", "oss": True}),
                          cases.cart(shipping_address=cases.PARIS, customer=BUSINESS)),
    "de-language": (cases.german_shop(), cases.cart(locale="de")),
    "fr-language": (cases.german_shop(tax={"country": "DE", "oss": True}),
                    cases.cart(locale="fr", shipping_address=cases.PARIS)),
}


def render(name: str, config: dict, body: dict, out_dir: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        shop = Shop(Path(folder), config=copy.deepcopy(config))
        shop.start()
        try:
            accepted = shop.post_order(body).json()
            shop.wait_for_status(accepted["id"], "completed")
            pdf = Path(folder) / "invoice.pdf"
            pdf.write_bytes(shop.get(f"/orders/{accepted['id']}/invoice").body)
            subprocess.run(["pdftoppm", "-png", "-r", "72", "-singlefile", str(pdf),
                            str(out_dir / f"invoice-{name}")], check=True)
            print(f"docs/img/invoice-{name}.png: total {accepted['total_cents'] / 100:.2f} EUR")
        finally:
            shop.stop()


def main() -> None:
    out_dir = REPO / "docs" / "img"
    for name, (config, body) in CASES.items():
        render(name, config, body, out_dir)


if __name__ == "__main__":
    main()
