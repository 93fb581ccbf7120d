#include "providers/mailer.h"

namespace shopd {

std::unique_ptr<Mailer> make_mailer(const Config::Email& config, std::string_view ca_bundle, bool sync_files) {
  if (config.transport == "file") return make_file_mailer(config.dir, sync_files);
  if (config.transport == "smtp") return make_smtp_mailer(config, ca_bundle);
  throw ConfigError("email.transport", "must be one of file, smtp (got " + config.transport + ")");
}

}  // namespace shopd
