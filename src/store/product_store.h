// The catalog: products and their stock. Stock changes are also written to
// stock_ledger so an owner can explain every number.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/time.h"
#include "store/connection.h"
#include "store/writer.h"
#include "tax/vat.h"

namespace shopd::store {

struct Product {
  std::string sku;
  std::string name;
  int64_t price_cents = 0;
  int64_t stock = 0;
  // Read: always set. Written by upsert_product: nullopt keeps the product's
  // category (standard for a new product).
  std::optional<tax::VatCategory> vat_category{};
};

std::vector<Product> list_products(Connection& db);
std::optional<Product> find_product(Connection& db, const std::string& sku);

// Inserts the [[products]] of shop.toml that the database does not have yet;
// existing products are left alone (the database owns stock once it exists).
void seed_products(Tx& tx, const std::vector<ProductSeed>& seeds, TimePoint now);

// Admin upsert. A stock change is recorded as an 'adjust' ledger row.
// Returns true when the product was created.
bool upsert_product(Tx& tx, const Product& product, TimePoint now);

// Per product, its price and where its stock is (the view stock_overview):
// on sale (can still be sold), reserved (held by orders whose payment is not
// settled yet) and sold.
struct StockFigures {
  std::string sku;
  std::string name;
  int64_t price_cents = 0;
  int64_t on_sale = 0;
  int64_t reserved = 0;
  int64_t sold = 0;
};
std::vector<StockFigures> stock_overview(Connection& db);

// The dashboard's edit of an existing product. `seen_stock` is the stock the
// owner's form showed: when orders reserved or released stock since, nothing
// is saved (StockChanged), so the owner's number never silently overwrites
// theirs. A stock change is recorded as an 'adjust' ledger row.
enum class ProductEdit { Saved, NotFound, StockChanged };
ProductEdit edit_product(Tx& tx, const Product& product, int64_t seen_stock, TimePoint now);

// Appends one row to stock_ledger.
void record_stock_movement(Tx& tx, const std::string& sku, const std::string& order_id, const char* reason,
                           int64_t qty_delta, TimePoint now);

}  // namespace shopd::store
