#include "store/product_store.h"

#include "core/uuid7.h"

namespace shopd::store {

namespace {

#define PRODUCT_COLUMNS "sku, name, price_cents, stock, vat_category"
constexpr const char* kListProducts = "SELECT " PRODUCT_COLUMNS " FROM products ORDER BY sku";
constexpr const char* kFindProduct = "SELECT " PRODUCT_COLUMNS " FROM products WHERE sku = ?1";
// An owner's upsert reads the stock it replaces (for the ledger): no
// reservation may slip in between on another node.
constexpr Sql kFindProductForUpdate{
    .sqlite = "SELECT " PRODUCT_COLUMNS " FROM products WHERE sku = ?1",
    .postgres = "SELECT " PRODUCT_COLUMNS " FROM products WHERE sku = ?1 FOR UPDATE",
};
#undef PRODUCT_COLUMNS
constexpr const char* kSeedProduct =
    "INSERT INTO products (sku, name, price_cents, stock, vat_category, created_at, updated_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT (sku) DO NOTHING";
// A category not given (NULL) keeps the product's, or is standard for a new one.
constexpr const char* kUpsertProduct =
    "INSERT INTO products (sku, name, price_cents, stock, vat_category, created_at, updated_at) "
    "VALUES (?1, ?2, ?3, ?4, coalesce(?6, 'standard'), ?5, ?5) "
    "ON CONFLICT (sku) DO UPDATE SET name = excluded.name, price_cents = excluded.price_cents, "
    "stock = excluded.stock, vat_category = coalesce(?6, products.vat_category), updated_at = excluded.updated_at";
constexpr const char* kStockOverview =
    "SELECT s.sku, s.name, p.price_cents, s.on_sale, s.reserved, s.sold FROM stock_overview s "
    "JOIN products p ON p.sku = s.sku ORDER BY s.sku";
constexpr const char* kInsertLedger =
    "INSERT INTO stock_ledger (id, sku, order_id, reason, qty_delta, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

// The schema's CHECK constraint allows only known categories.
Product read_product(const Query& q) {
  return Product{q.text(0), q.text(1), q.int64(2), q.int64(3),
                 tax::parse_vat_category(q.text(4)).value_or(tax::VatCategory::Standard)};
}

}  // namespace

std::vector<Product> list_products(Connection& db) {
  std::vector<Product> out;
  auto q = db.query(kListProducts);
  while (q.step()) out.push_back(read_product(q));
  return out;
}

std::optional<Product> find_product(Connection& db, const std::string& sku) {
  auto q = db.query(kFindProduct);
  q.bind(sku);
  if (!q.step()) return std::nullopt;
  return read_product(q);
}

void seed_products(Tx& tx, const std::vector<ProductSeed>& seeds, TimePoint now) {
  const auto ts = format_iso(now);
  for (const auto& p : seeds) {
    auto q = tx.db.query(kSeedProduct);
    if (q.bind(p.sku, p.name, p.price_cents, p.stock, tax::to_string(p.vat_category), ts).exec() == 1 && p.stock > 0)
      record_stock_movement(tx, p.sku, "", "adjust", p.stock, now);
  }
}

bool upsert_product(Tx& tx, const Product& product, TimePoint now) {
  std::optional<Product> before;
  {
    auto q = tx.db.query(kFindProductForUpdate);
    q.bind(product.sku);
    if (q.step()) before = read_product(q);
  }
  std::optional<std::string_view> category;
  if (product.vat_category) category = tax::to_string(*product.vat_category);
  tx.db.query(kUpsertProduct)
      .bind(product.sku, product.name, product.price_cents, product.stock, format_iso(now), category)
      .exec();
  const int64_t delta = product.stock - (before ? before->stock : 0);
  if (delta != 0) record_stock_movement(tx, product.sku, "", "adjust", delta, now);
  return !before;
}

std::vector<StockFigures> stock_overview(Connection& db) {
  std::vector<StockFigures> out;
  auto q = db.query(kStockOverview);
  while (q.step()) out.push_back(StockFigures{q.text(0), q.text(1), q.int64(2), q.int64(3), q.int64(4), q.int64(5)});
  return out;
}

ProductEdit edit_product(Tx& tx, const Product& product, int64_t seen_stock, TimePoint now) {
  const auto before = find_product(tx.db, product.sku);
  if (!before) return ProductEdit::NotFound;
  if (before->stock != seen_stock) return ProductEdit::StockChanged;
  upsert_product(tx, product, now);
  return ProductEdit::Saved;
}

void record_stock_movement(Tx& tx, const std::string& sku, const std::string& order_id, const char* reason,
                           int64_t qty_delta, TimePoint now) {
  std::optional<std::string> order;
  if (!order_id.empty()) order = order_id;
  tx.db.query(kInsertLedger).bind(new_uuid7(), sku, order, reason, qty_delta, format_iso(now)).exec();
}

}  // namespace shopd::store
