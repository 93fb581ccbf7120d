// The job kinds of the pipeline (SPEC section 4) and the order statuses. These
// strings are stored in the database and shown in the API; they never change.
#pragma once

#include <array>
#include <string_view>

namespace shopd {

namespace kind {
inline constexpr std::string_view kPaymentCharge = "payment.charge";
inline constexpr std::string_view kInventoryCommit = "inventory.commit";
inline constexpr std::string_view kInvoiceGenerate = "invoice.generate";
inline constexpr std::string_view kEmailConfirmation = "email.confirmation";
inline constexpr std::string_view kInventoryRelease = "inventory.release";
inline constexpr std::string_view kEmailPaymentFailed = "email.payment_failed";
inline constexpr std::string_view kAlertTeam = "alert.team";
}  // namespace kind

inline constexpr std::array<std::string_view, 7> kAllJobKinds = {
    kind::kPaymentCharge,    kind::kInventoryCommit,     kind::kInvoiceGenerate, kind::kEmailConfirmation,
    kind::kInventoryRelease, kind::kEmailPaymentFailed, kind::kAlertTeam};

inline bool is_job_kind(std::string_view k) {
  for (auto known : kAllJobKinds)
    if (known == k) return true;
  return false;
}

// "payment.charge" -> "payment"
inline std::string_view kind_family(std::string_view k) { return k.substr(0, k.find('.')); }

namespace order_status {
inline constexpr std::string_view kReceived = "received";
inline constexpr std::string_view kPaid = "paid";
inline constexpr std::string_view kCompleted = "completed";
inline constexpr std::string_view kPaymentFailed = "payment_failed";
inline constexpr std::string_view kNeedsAttention = "needs_attention";
}  // namespace order_status

}  // namespace shopd
