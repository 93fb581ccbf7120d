// `shopd orders cancel ID [--reason R]`,
// `shopd orders refund ID (--amount CENTS | --item SKU:QTY ...) [--restock] [--reason R]`,
// `shopd orders ship ID --carrier C --tracking N [--url U]`: the owner's
// actions after the sale (outbox/after_sale.h), the same as the admin API's
// and the dashboard's. Safe while the server runs: the write waits for the
// database's lock, and the server's worker picks the new jobs up.
#include <charconv>
#include <iostream>

#include "cli/cli.h"
#include "cli/common.h"
#include "core/money.h"
#include "outbox/after_sale.h"

namespace shopd::cli {

namespace {

// "MUG-01:2" -> {sku, qty}; nullopt for anything else.
std::optional<RefundItem> parse_item(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  int qty = 0;
  const char* first = text.data() + colon + 1;
  const char* last = text.data() + text.size();
  const auto [end, ec] = std::from_chars(first, last, qty);
  if (ec != std::errc() || end != last) return std::nullopt;
  return RefundItem{text.substr(0, colon), qty};
}

int refused(const AfterSaleError& e) {
  std::cerr << "shopd: " << e.code << ": " << e.message << (e.field.empty() ? "" : " (" + e.field + ")") << "\n";
  return 1;
}

int act(store::Store& store, const Config& config, OrderAction::Kind kind, const OrderAction& a, const RefundAsk& ask) {
  const auto now = SystemClock().now();
  switch (kind) {
    case OrderAction::Kind::Cancel: {
      const auto outcome =
          store.writer().run_always([&](store::Tx& tx) { return cancel_order(tx, a.order_id, a.reason, config, now); });
      if (auto* e = std::get_if<AfterSaleError>(&outcome)) return refused(*e);
      const auto& done = std::get<CancelOutcome>(outcome);
      std::cout << "order " << a.order_id << " is " << to_string(done.status)
                << (done.refund_id.empty() ? "" : "; refund " + done.refund_id + " gives its payment back") << "\n";
      return 0;
    }
    case OrderAction::Kind::Refund: {
      const auto outcome =
          store.writer().run_always([&](store::Tx& tx) { return refund_order(tx, a.order_id, ask, config, now); });
      if (auto* e = std::get_if<AfterSaleError>(&outcome)) return refused(*e);
      const auto& r = std::get<store::Refund>(outcome);
      std::cout << "refund " << r.id << " of " << format_money(r.amount_cents, r.currency) << " for order "
                << a.order_id << " is pending\n";
      return 0;
    }
    case OrderAction::Kind::Ship: {
      const ShipmentAsk shipment{a.carrier, a.tracking_number, a.tracking_url};
      const auto outcome =
          store.writer().run_always([&](store::Tx& tx) { return ship_order(tx, a.order_id, shipment, config, now); });
      if (auto* e = std::get_if<AfterSaleError>(&outcome)) return refused(*e);
      std::cout << "order " << a.order_id << " shipped with " << a.carrier << " (" << a.tracking_number << ")\n";
      return 0;
    }
  }
  return 1;
}

}  // namespace

int orders_act(const std::filesystem::path& config_path, OrderAction::Kind kind, const OrderAction& action,
               const std::vector<std::string>& items) {
  RefundAsk ask{action.amount_cents, {}, action.reason, action.restock};
  for (const auto& text : items) {
    const auto item = parse_item(text);
    if (!item) {
      std::cerr << "shopd: --item " << text << ": expected SKU:QTY, e.g. MUG-01:2\n";
      return 2;
    }
    ask.items.push_back(*item);
  }
  const auto config = load_config_or_report(config_path, Secrets::NotNeeded);
  if (!config) return 2;
  try {
    store::Store store(store_options(*config));
    return act(store, *config, kind, action, ask);
  } catch (const std::exception& e) {
    std::cerr << "shopd: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace shopd::cli
