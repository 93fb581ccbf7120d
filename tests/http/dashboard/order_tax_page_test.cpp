// The dashboard's order page shows what an order's documents are made of:
// its language, the buyer's VAT id, the VAT regime, each line's rate and the
// shipping line (SPEC section 12).
#include <doctest/doctest.h>

#include "http/dashboard/layout.h"
#include "http/dashboard/pages.h"

using namespace shopd;
using namespace shopd::dashboard;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

OrderDetail business_order() {
  OrderDetail d;
  d.order.id = "01a22098-092d-7001-8a0e-1ec08120f7e1";
  d.order.total_cents = 5084;
  d.order.currency = "EUR";
  d.order.customer = Customer{"achats@exemple.fr", "Exemple SARL", "FR40303265045"};
  d.order.shipping = Address{"1 rue de la Paix", "", "Paris", "75002", "FR"};
  d.order.created_at = "2030-01-02T03:04:05.000Z";
  d.order.items = {OrderItem{"BOOK-01", "Cook book", 1, 2000, tax::VatCategory::Reduced, 0}};
  d.order.locale = "fr";
  d.order.tax_regime = tax::TaxRegime::ReverseCharge;
  d.order.tax_country = "DE";
  d.order.amounts_include_vat = false;
  d.order.shipping_cents = 1084;
  return d;
}

}  // namespace

TEST_SUITE("dashboard order tax") {
  TEST_CASE("the order page shows the language, the VAT id, the regime, the rates and the shipping line") {
    const std::string page = render_order_detail(business_order(), Viewer{"tok", "/admin/ui/orders/x"}).str();
    CHECK(contains(page, "<dd id=\"order-locale\">fr</dd>"));
    CHECK(contains(page, ">FR40303265045</dd>"));
    CHECK(contains(page, "reverse_charge: rates of DE, prices without VAT"));
    CHECK(contains(page, "<td class=\"num\">0 %</td>"));
    CHECK(contains(page, "id=\"shipping-line\""));
    CHECK(contains(page, "10.84 EUR"));
  }

  TEST_CASE("an order taken before shopd stored VAT says so, and shows no rates or VAT id") {
    OrderDetail d = business_order();
    d.order.tax_regime.reset();
    d.order.customer.vat_id.clear();
    d.order.shipping_cents = 0;
    const std::string page = render_order_detail(d, Viewer{"tok", "/admin/ui/orders/x"}).str();
    CHECK(contains(page, "taken before shopd stored VAT per order"));
    CHECK_FALSE(contains(page, "customer-vat-id"));
    CHECK_FALSE(contains(page, "shipping-line"));
  }
}
