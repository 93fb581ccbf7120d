// Building blocks shared by the jobs that write to people (customer emails,
// team alerts): addresses and stable Message-IDs. What customer emails say
// comes from templates (texts/mails.h).
#pragma once

#include <string>

#include "config/config.h"
#include "core/order.h"
#include "providers/mailer.h"
#include "store/outbox_store.h"

namespace shopd {

// "<job-id@shop.example>": stable per job, so a re-sent message is recognisably the same one.
std::string message_id_for(const store::Job& job, const Config& config);

// The .eml name the file transport gives the job's message: the order, then
// the mail. "<order-id>.confirmation" and "<order-id>.payment_failed" (one of
// each per order), "<order-id>.refunded.<refund-id>" (one per refund: the
// job's key), "<order-id>.alert.<job-id>" (one alert per dead job).
std::string mail_file_name(const store::Job& job);

Email new_email(const store::Job& job, const Config& config, Mailbox to, std::string subject, TimePoint now);

}  // namespace shopd
