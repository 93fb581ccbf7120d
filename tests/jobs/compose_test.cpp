#include <doctest/doctest.h>

#include "jobs/compose.h"

using namespace shopd;

namespace {

store::Job job_of(const std::string& kind) {
  store::Job job;
  job.id = "0190b3c5-0000-7000-8000-00000000000a";
  job.order_id = "0190b3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b";
  job.kind = kind;
  return job;
}

}  // namespace

TEST_SUITE("compose") {
  TEST_CASE("a customer's mail file is named after the order and the kind of mail") {
    CHECK(mail_file_name(job_of("email.confirmation")) == "0190b3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b.confirmation");
    CHECK(mail_file_name(job_of("email.payment_failed")) == "0190b3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b.payment_failed");
  }

  TEST_CASE("a team alert's mail file also carries its job, one per dead job") {
    CHECK(mail_file_name(job_of("alert.team")) ==
          "0190b3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b.alert.0190b3c5-0000-7000-8000-00000000000a");
  }

  TEST_CASE("every email a job composes carries its file name next to its Message-ID") {
    Config config;
    config.email.from = "Shop <orders@shop.example>";
    const Email e = new_email(job_of("email.confirmation"), config, Mailbox{"Ann", "ann@example.com"}, "Hi", {});
    CHECK(e.message_id == "<0190b3c5-0000-7000-8000-00000000000a@shop.example>");
    CHECK(e.file_name == "0190b3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b.confirmation");
  }
}
