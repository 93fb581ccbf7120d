#include "jobs/compose.h"

#include "core/html_escape.h"
#include "core/job_kind.h"
#include "core/money.h"

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

std::string items_text(const Order& order) {
  std::string out;
  for (const auto& item : order.items) {
    out += "  " + std::to_string(item.qty) + " x " + item.name + " (" + item.sku + ")  " +
           format_money(item.price_cents * item.qty, order.currency) + "\n";
  }
  out += "  Total: " + format_money(order.total_cents, order.currency) + "\n";
  return out;
}

std::string items_html(const Order& order) {
  std::string out = "<table cellpadding=\"4\" style=\"border-collapse:collapse\">";
  for (const auto& item : order.items) {
    out += "<tr><td>" + std::to_string(item.qty) + " &times;</td><td>" + html_escape(item.name) + " <small>(" +
           html_escape(item.sku) + ")</small></td><td align=\"right\">" +
           html_escape(format_money(item.price_cents * item.qty, order.currency)) + "</td></tr>";
  }
  out += "<tr><td></td><td><b>Total</b></td><td align=\"right\"><b>" +
         html_escape(format_money(order.total_cents, order.currency)) + "</b></td></tr></table>";
  return out;
}

std::string status_url(const Config& config, const Order& order) {
  return config.shop.public_url + "/orders/" + order.id;
}

std::string html_document(const std::string& title, const std::string& body) {
  return "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + html_escape(title) +
         "</title></head><body style=\"font-family:sans-serif\">" + body + "</body></html>";
}

}  // namespace shopd
