// Files and folders shopd creates are the owner's alone whatever the umask,
// or readable by the group of a setgid folder (core/files.h, SPEC 5).
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <string>

#include "core/files.h"

using namespace shopd;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "shopd-files-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

// Runs the test body under `mask`, then puts the process umask back.
struct Umask {
  mode_t previous;
  explicit Umask(mode_t mask) : previous(::umask(mask)) {}
  ~Umask() { ::umask(previous); }
};

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

}  // namespace

TEST_SUITE("files") {
  TEST_CASE("files and folders shopd creates are 0600 and 0700 whatever the umask") {
    for (const mode_t mask : {mode_t{022}, mode_t{0}, mode_t{077}}) {
      CAPTURE(mask);
      const Umask umask(mask);
      TempDir dir;
      write_file_atomically(dir.path / "mail" / "a" / "one.eml", "hello", false);
      CHECK(mode_of(dir.path / "mail") == 0700);
      CHECK(mode_of(dir.path / "mail" / "a") == 0700);
      CHECK(mode_of(dir.path / "mail" / "a" / "one.eml") == 0600);
      create_private_file(dir.path / "shop.db");
      CHECK(mode_of(dir.path / "shop.db") == 0600);
      const int fd = open_private_file(dir.path / "shop.db.lock", O_RDWR);
      REQUIRE(fd >= 0);
      ::close(fd);
      CHECK(mode_of(dir.path / "shop.db.lock") == 0600);
    }
  }

  TEST_CASE("in a setgid folder files are 0640 and folders 2750, so its group can read") {
    const Umask umask(077);
    TempDir dir;
    REQUIRE(::chmod(dir.path.c_str(), 02770) == 0);
    write_file_atomically(dir.path / "invoices" / "INV-1.pdf", "%PDF", false);
    create_private_file(dir.path / "shop.db");
    CHECK(mode_of(dir.path / "invoices") == 02750);
    CHECK(mode_of(dir.path / "invoices" / "INV-1.pdf") == 0640);
    CHECK(mode_of(dir.path / "shop.db") == 0640);
    CHECK(private_file_mode(dir.path) == 0640);
    CHECK(private_file_mode(fs::temp_directory_path()) == 0600);
  }

  TEST_CASE("a file or folder that exists keeps its mode") {
    TempDir dir;
    fs::create_directory(dir.path / "shared");
    REQUIRE(::chmod((dir.path / "shared").c_str(), 0755) == 0);
    { const int fd = ::open((dir.path / "shop.db").c_str(), O_CREAT | O_WRONLY, 0644); ::close(fd); }
    REQUIRE(::chmod((dir.path / "shop.db").c_str(), 0644) == 0);
    create_private_directories(dir.path / "shared");
    create_private_file(dir.path / "shop.db");
    const int fd = open_private_file(dir.path / "shop.db", O_RDWR);
    REQUIRE(fd >= 0);
    ::close(fd);
    CHECK(mode_of(dir.path / "shared") == 0755);
    CHECK(mode_of(dir.path / "shop.db") == 0644);
  }

  TEST_CASE("a folder that cannot be created is an error naming it") {
    TempDir dir;
    write_file_atomically(dir.path / "file", "x", false);
    CHECK_THROWS_WITH_AS(create_private_directories(dir.path / "file" / "sub"),
                         doctest::Contains((dir.path / "file" / "sub").string().c_str()), std::runtime_error);
  }
}
