#pragma once
// A file that appears at its path only once completely written and on disk.
#include <string>

namespace ember::io::detail {

/// Writes go to path + ".tmp.<pid>"; commit() fsyncs it and renames it over path. Destroying an
/// uncommitted AtomicFile removes the temporary, so a failed save never leaves a partial file at
/// path (nor a stray temporary). Errors are RuntimeErrors that start with fn and name the path.
class AtomicFile {
 public:
  AtomicFile(std::string fn, std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  /// Appends n bytes.
  void write(const void* data, size_t n);
  /// Flushes to disk and moves the file into place.
  void commit();

 private:
  [[noreturn]] void fail(const std::string& what, int err) const;
  std::string fn_;
  std::string path_;
  std::string tmp_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace ember::io::detail
