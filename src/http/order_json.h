// An order as the API shows it: the public status of GET /orders/{id} (no
// customer data), and the parts the admin API's whole order adds.
#pragma once

#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/order.h"
#include "store/credit_note_store.h"
#include "store/invoice_store.h"
#include "store/outbox_store.h"
#include "store/refund_store.h"

namespace shopd {

// GET /orders/{id}: id, status, total, currency, created_at, items, steps
// (from the kind table), refunded_cents, shipment (or null).
nlohmann::json public_order_json(const Order& order, const std::vector<store::Job>& jobs,
                                 const std::optional<store::InvoiceRecord>& invoice, int64_t refunded_cents,
                                 const std::optional<store::Shipment>& shipment);

// {"carrier", "tracking_number", "tracking_url", "shipped_at"}, or null.
nlohmann::json shipment_json(const std::optional<store::Shipment>& shipment);

// {"id", "state", "amount_cents", "currency", "origin", "reason", "restock",
//  "items": [{"sku", "qty", "amount_cents"}], "credit_note" (its number or
//  null), "created_at", "succeeded_at" (or null)}
nlohmann::json refund_json(const store::Refund& refund, const std::optional<store::CreditNoteRecord>& note);

// {"number", "refund_id", "amount_cents", "currency", "invoice_number", "issued_at", "url"}
nlohmann::json credit_note_json(const store::CreditNoteRecord& note);

}  // namespace shopd
