// The "file" transport: one .eml per message, named after Email::file_name
// ("<order-id>.confirmation.eml") or else its Message-ID; both are stable per
// message, so sending the same email again overwrites the same file, and
// readers never see a half-written one (write_file_atomically).
#include <stdexcept>

#include "core/files.h"
#include "providers/mailer.h"

namespace shopd {

namespace {

class FileMailer final : public Mailer {
 public:
  FileMailer(std::filesystem::path dir, bool sync) : dir_(std::move(dir)), sync_(sync) {}

  std::optional<JobError> send(const Email& email, const Cancel& cancel) override {
    if (cancel.requested()) return JobError::transient("cancelled", "cancelled by shutdown");
    if (auto bad = check_addresses(email)) return bad;
    try {
      const std::string& name = email.file_name.empty() ? email.message_id : email.file_name;
      write_file_atomically(dir_ / eml_file_name(name), render_mime(email), sync_);
    } catch (const std::runtime_error& e) {
      // A full disk or a wrong permission: the owner can fix it, so try again later.
      return JobError::transient("mail_write_failed", e.what());
    }
    return std::nullopt;
  }

 private:
  std::filesystem::path dir_;
  bool sync_;
};

}  // namespace

std::unique_ptr<Mailer> make_file_mailer(const std::filesystem::path& dir, bool sync) {
  return std::make_unique<FileMailer>(dir, sync);
}

}  // namespace shopd
