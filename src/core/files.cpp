#include "core/files.h"

#include "core/uuid7.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace shopd {

namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path) {
  throw std::runtime_error(what + " " + path.string() + ": " + std::strerror(errno));
}

// The folder a relative name such as "shop.db" lives in.
std::filesystem::path folder_of(const std::filesystem::path& path) {
  return path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
}

bool is_setgid(const std::filesystem::path& folder) {
  struct stat st {};
  return ::stat(folder.c_str(), &st) == 0 && (st.st_mode & S_ISGID) != 0;
}

}  // namespace

mode_t private_file_mode(const std::filesystem::path& folder) { return is_setgid(folder) ? 0640 : 0600; }

void create_private_directories(const std::filesystem::path& folder) {
  std::error_code ec;
  if (folder.empty() || std::filesystem::is_directory(folder, ec)) return;
  if (folder.has_parent_path() && folder.parent_path() != folder) create_private_directories(folder.parent_path());
  const mode_t mode = is_setgid(folder_of(folder)) ? 02750 : 0700;
  if (::mkdir(folder.c_str(), 0700) != 0) {
    if (errno == EEXIST) return;  // made meanwhile, or "var/mail/" after "var/mail"
    fail("cannot create the folder", folder);
  }
  // mkdir's mode passes through the umask; chmod sets exactly this one.
  if (::chmod(folder.c_str(), mode) != 0) fail("cannot set the mode of", folder);
}

int open_private_file(const std::filesystem::path& path, int flags) {
  const mode_t mode = private_file_mode(folder_of(path));
  const int fd = ::open(path.c_str(), flags | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return errno == EEXIST ? ::open(path.c_str(), flags | O_CLOEXEC) : -1;
  // open's mode passes through the umask; fchmod sets exactly this one.
  if (::fchmod(fd, mode) != 0) {
    const int err = errno;
    ::close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

void create_private_file(const std::filesystem::path& path) {
  const int fd = open_private_file(path, O_WRONLY);
  if (fd < 0) fail("cannot create", path);
  ::close(fd);
}

void write_file_atomically(const std::filesystem::path& path, const std::string& bytes, bool sync) {
  create_private_directories(path.parent_path());
  const auto tmp = path.parent_path() / ("." + path.filename().string() + "." + new_uuid7() + ".tmp");
  const int fd = open_private_file(tmp, O_WRONLY | O_TRUNC);
  if (fd < 0) fail("cannot create", tmp);
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      ::unlink(tmp.c_str());
      fail("cannot write", tmp);
    }
    done += static_cast<size_t>(n);
  }
  if ((sync && ::fsync(fd) != 0) || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    fail("cannot flush", tmp);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    fail("cannot rename onto", path);
  }
  if (!sync) return;
  // The rename itself lives in the folder: sync it too, or a power cut can undo it.
  const int dir = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

std::optional<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace shopd
