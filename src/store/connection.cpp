#include "store/connection.h"

namespace shopd::store {

Query::~Query() {
  if (st_) st_->reset();
}

std::optional<std::string> Query::opt_text(int col) const {
  if (st_->is_null(col)) return std::nullopt;
  return st_->text(col);
}

std::optional<int64_t> Query::opt_int64(int col) const {
  if (st_->is_null(col)) return std::nullopt;
  return st_->int64(col);
}

std::optional<std::string> Query::opt_blob(int col) const {
  if (st_->is_null(col)) return std::nullopt;
  return st_->blob(col);
}

}  // namespace shopd::store
