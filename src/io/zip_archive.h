#pragma once
// A read-only view of a zip archive held in memory, as torch.save writes them: entries stored
// uncompressed (ZIP64 records understood). Every offset and size is checked against the bytes
// before use, so a truncated or hostile archive gives an Error, never an out-of-bounds read.
#include <map>
#include <string>
#include <string_view>

namespace ember::io::detail {

class ZipArchive {
 public:
  /// Parses the central directory of bytes (which must outlive the archive); what names the
  /// archive in errors.
  ZipArchive(std::string_view bytes, std::string what);
  /// The contents of entry name, or an Error naming it when it is absent.
  std::string_view entry(const std::string& name) const;
  /// Whether entry name exists.
  bool contains(const std::string& name) const { return entries_.count(name) != 0; }
  /// Every entry's name with its contents, in name order.
  const std::map<std::string, std::string_view>& entries() const { return entries_; }
  /// The archive's description in errors.
  const std::string& what() const { return what_; }

 private:
  std::string_view bytes_;
  std::string what_;
  std::map<std::string, std::string_view> entries_;
};

}  // namespace ember::io::detail
