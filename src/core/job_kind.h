// The names of the job kinds (SPEC section 4): the strings stored in the
// database, shown in the API and named in the config ([retry.<kind>]); they
// never change. Everything else about a kind (its handler, priority, what it
// waits for, what follows it, the public step it reports as) is in ONE
// table: src/outbox/job_kinds.cpp. States and statuses: core/states.h.
#pragma once

#include <array>
#include <string>
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
// After the sale (SPEC section 9).
inline constexpr std::string_view kEmailCancelled = "email.cancelled";
inline constexpr std::string_view kPaymentRefund = "payment.refund";
inline constexpr std::string_view kCreditNoteGenerate = "credit_note.generate";
inline constexpr std::string_view kEmailRefunded = "email.refunded";
inline constexpr std::string_view kEmailShipped = "email.shipped";
}  // namespace kind

inline constexpr std::array<std::string_view, 12> kAllJobKinds = {
    kind::kPaymentCharge,      kind::kInventoryCommit,    kind::kInvoiceGenerate, kind::kEmailConfirmation,
    kind::kInventoryRelease,   kind::kEmailPaymentFailed, kind::kAlertTeam,       kind::kEmailCancelled,
    kind::kPaymentRefund,      kind::kCreditNoteGenerate, kind::kEmailRefunded,   kind::kEmailShipped};

// Who a job of this kind talks to, in the owner's words, by the kind's family
// (the part before the dot, as in [retry.<family>]): "payment provider",
// "mail relay", "alert channel".
inline std::string provider_name(std::string_view k) {
  const auto family = k.substr(0, k.find('.'));
  if (family == "payment") return "payment provider";
  if (family == "email") return "mail relay";
  if (family == "alert") return "alert channel";
  if (family == "credit_note") return "credit note renderer";
  return std::string(family) + " provider";
}

inline bool is_job_kind(std::string_view k) {
  for (auto known : kAllJobKinds)
    if (known == k) return true;
  return false;
}

// "payment.charge" -> "payment"
inline std::string_view kind_family(std::string_view k) { return k.substr(0, k.find('.')); }


}  // namespace shopd
