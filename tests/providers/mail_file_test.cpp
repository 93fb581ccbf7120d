#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "providers/mailer.h"

using namespace shopd;

namespace {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "shopd-mail-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

Email email(const std::string& text) {
  Email e;
  e.from = {"Demo Shop", "orders@shop.example"};
  e.to = {"Ann", "ann@example.com"};
  e.subject = "Your order";
  e.text = text;
  e.message_id = "<email.confirmation.0190@shop.example>";
  e.date = *parse_iso("2026-11-28T04:30:21.000Z");
  return e;
}

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_SUITE("mail_file") {
  TEST_CASE("writes the rendered message as <message-id>.eml, creating the folder") {
    TempDir tmp;
    const auto dir = tmp.path / "var" / "mail";
    auto mailer = make_file_mailer(dir);
    Cancel cancel;
    REQUIRE_FALSE(mailer->send(email("hello"), cancel).has_value());
    const auto file = dir / "email.confirmation.0190@shop.example.eml";
    REQUIRE(std::filesystem::exists(file));
    CHECK(read(file) == render_mime(email("hello")));
  }

  TEST_CASE("sending the same Message-ID again replaces the file and leaves no temp files") {
    TempDir tmp;
    auto mailer = make_file_mailer(tmp.path);
    Cancel cancel;
    REQUIRE_FALSE(mailer->send(email("first"), cancel).has_value());
    REQUIRE_FALSE(mailer->send(email("second"), cancel).has_value());
    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(tmp.path)) {
      (void)entry;
      ++files;
    }
    CHECK(files == 1);
    CHECK(read(tmp.path / "email.confirmation.0190@shop.example.eml") == render_mime(email("second")));
  }

  TEST_CASE("a message with a file name is written under that name, and a re-send replaces it") {
    TempDir tmp;
    auto mailer = make_file_mailer(tmp.path);
    Cancel cancel;
    Email e = email("first");
    e.file_name = "0190b3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b.confirmation";
    REQUIRE_FALSE(mailer->send(e, cancel).has_value());
    e.text = "second";
    REQUIRE_FALSE(mailer->send(e, cancel).has_value());
    const auto file = tmp.path / "0190b3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b.confirmation.eml";
    REQUIRE(std::filesystem::exists(file));
    CHECK(read(file) == render_mime(e));
    CHECK(std::distance(std::filesystem::directory_iterator(tmp.path), std::filesystem::directory_iterator{}) == 1);
  }

  TEST_CASE("a file name cannot leave the mail folder") {
    TempDir tmp;
    auto mailer = make_file_mailer(tmp.path / "mail");
    Cancel cancel;
    Email e = email("x");
    e.file_name = "../../escaped";
    REQUIRE_FALSE(mailer->send(e, cancel).has_value());
    CHECK(std::distance(std::filesystem::directory_iterator(tmp.path / "mail"), std::filesystem::directory_iterator{}) == 1);
    CHECK(std::distance(std::filesystem::directory_iterator(tmp.path), std::filesystem::directory_iterator{}) == 1);
  }

  TEST_CASE("an unusable recipient is a permanent error and writes nothing") {
    TempDir tmp;
    auto mailer = make_file_mailer(tmp.path);
    Cancel cancel;
    Email e = email("x");
    e.to.address = "not an address";
    const auto error = mailer->send(e, cancel);
    REQUIRE(error.has_value());
    CHECK(error->is_permanent());
    CHECK(error->code == "invalid_recipient");
    CHECK(std::filesystem::is_empty(tmp.path));
  }

  TEST_CASE("a folder that cannot be created is a transient mail_write_failed") {
    TempDir tmp;
    std::ofstream(tmp.path / "file") << "x";
    auto mailer = make_file_mailer(tmp.path / "file" / "mail");
    Cancel cancel;
    const auto error = mailer->send(email("x"), cancel);
    REQUIRE(error.has_value());
    CHECK_FALSE(error->is_permanent());
    CHECK(error->code == "mail_write_failed");
  }

  TEST_CASE("the factory picks the transport by name and rejects unknown names") {
    Config::Email config;
    config.transport = "file";
    config.dir = "/tmp";
    CHECK(make_mailer(config) != nullptr);
    config.transport = "smtp";
    config.smtp_url = "smtp://127.0.0.1:25";
    CHECK(make_mailer(config) != nullptr);
    config.transport = "pigeon";
    CHECK_THROWS_AS(make_mailer(config), ConfigError);
  }
}
