#include "jobs/compose.h"

#include "core/job_kind.h"

namespace shopd {

std::string message_id_for(const store::Job& job, const Config& config) {
  const auto from = parse_mailbox(config.email.from);
  const auto at = from.address.find('@');
  const std::string domain = at == std::string::npos ? "shopd.invalid" : from.address.substr(at + 1);
  return "<" + job.id + "@" + domain + ">";
}

std::string mail_file_name(const store::Job& job) {
  const std::string_view customer_mail = "email.";
  if (job.kind.starts_with(customer_mail))
    return job.order_id + "." + job.kind.substr(customer_mail.size()) + (job.job_key.empty() ? "" : "." + job.job_key);
  return job.order_id + "." + std::string(kind_family(job.kind)) + "." + job.id;
}

Email new_email(const store::Job& job, const Config& config, Mailbox to, std::string subject, TimePoint now) {
  Email e;
  e.from = parse_mailbox(config.email.from);
  e.to = std::move(to);
  e.subject = std::move(subject);
  e.message_id = message_id_for(job, config);
  e.file_name = mail_file_name(job);
  e.date = now;
  return e;
}

}  // namespace shopd
