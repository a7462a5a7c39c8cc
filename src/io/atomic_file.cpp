// Atomic replacement by write-to-temporary, fsync, rename: readers see the old file or the new
// one, never a mix, even if the process dies mid-write.
#include "atomic_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "ember/core/error.h"

namespace ember::io::detail {

AtomicFile::AtomicFile(std::string fn, std::string path)
    : fn_(std::move(fn)), path_(std::move(path)) {
  tmp_ = fmt::format("{}.tmp.{}", path_, static_cast<long>(::getpid()));
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd_ < 0) fail(fmt::format("cannot create temporary file {}", tmp_), errno);
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(tmp_.c_str());
}

void AtomicFile::write(const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t done = ::write(fd_, p, std::min<size_t>(n, size_t{1} << 30));
    if (done < 0 && errno == EINTR) continue;
    if (done <= 0) fail("write failed", done < 0 ? errno : EIO);
    p += done;
    n -= static_cast<size_t>(done);
  }
}

void AtomicFile::commit() {
  if (::fsync(fd_) != 0) fail("fsync failed", errno);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail("close failed", errno);
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) fail("cannot rename the temporary file", errno);
  committed_ = true;
  // Make the rename itself durable; a failure here leaves a complete file, so it is not fatal.
  const std::filesystem::path parent = std::filesystem::path(path_).parent_path();
  const int dfd = ::open(parent.empty() ? "." : parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

void AtomicFile::fail(const std::string& what, int err) const {
  throw Error(fmt::format("{}: {}: {} ({})", fn_, path_, what, std::strerror(err)));
}

}  // namespace ember::io::detail
