// Reading torch.save's zip archives (src/io/zip_archive.h).
#include "zip_archive.h"

#include <fmt/format.h>

#include <cstdint>
#include <cstring>

#include "ember/core/error.h"

namespace ember::io::detail {
namespace {

constexpr uint32_t kEndOfDirectory = 0x06054b50;
constexpr uint32_t kZip64Locator = 0x07064b50;
constexpr uint32_t kZip64End = 0x06064b50;
constexpr uint32_t kDirectoryEntry = 0x02014b50;
constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr uint32_t kNoValue32 = 0xffffffffu;

// Little-endian reads at checked positions of the archive.
class Reader {
 public:
  Reader(std::string_view bytes, const std::string& what) : bytes_(bytes), what_(what) {}

  [[noreturn]] void fail(const std::string& problem) const {
    throw Error(fmt::format("{}: not a valid zip archive: {}", what_, problem), ErrorKind::Runtime);
  }
  void need(uint64_t at, uint64_t length, const char* part) const {
    if (at > bytes_.size() || length > bytes_.size() - at)
      fail(fmt::format("the {} at byte {} runs past the end of the file ({} bytes)", part, at,
                       bytes_.size()));
  }
  template <typename T>
  T read(uint64_t at, const char* part) const {
    need(at, sizeof(T), part);
    T value = 0;
    for (size_t i = 0; i < sizeof(T); ++i)
      value |= static_cast<T>(static_cast<uint8_t>(bytes_[at + i])) << (8 * i);
    return value;
  }
  std::string_view slice(uint64_t at, uint64_t length, const char* part) const {
    need(at, length, part);
    return bytes_.substr(at, length);
  }
  uint64_t size() const { return bytes_.size(); }

 private:
  std::string_view bytes_;
  const std::string& what_;
};

// Where the central directory starts and how many entries it holds.
struct Directory {
  uint64_t offset = 0, count = 0;
};

Directory find_directory(const Reader& r) {
  // The end-of-directory record is 22 bytes plus a comment of at most 65535.
  if (r.size() < 22) r.fail("too short to hold an end-of-directory record");
  const uint64_t lowest = r.size() > 22 + 65535 ? r.size() - 22 - 65535 : 0;
  for (uint64_t at = r.size() - 22 + 1; at-- > lowest;) {
    if (r.read<uint32_t>(at, "end record") != kEndOfDirectory) continue;
    Directory d{r.read<uint32_t>(at + 16, "end record"), r.read<uint16_t>(at + 10, "end record")};
    const bool zip64 = d.offset == kNoValue32 || d.count == 0xffff;
    if (zip64 && at >= 20 && r.read<uint32_t>(at - 20, "zip64 locator") == kZip64Locator) {
      const uint64_t end64 = r.read<uint64_t>(at - 20 + 8, "zip64 locator");
      if (r.read<uint32_t>(end64, "zip64 end record") != kZip64End)
        r.fail("the zip64 locator does not point at a zip64 end record");
      d.count = r.read<uint64_t>(end64 + 32, "zip64 end record");
      d.offset = r.read<uint64_t>(end64 + 48, "zip64 end record");
    }
    return d;
  }
  r.fail("no end-of-directory record (the file is truncated or not a zip archive)");
}

// The 64-bit values a directory entry's zip64 extra field holds in place of 32-bit ones that
// read 0xffffffff, in the order the format lists them.
void widen(const Reader& r, uint64_t extra, uint16_t extra_length, uint64_t& uncompressed,
           uint64_t& compressed, uint64_t& local) {
  for (uint64_t at = extra; at + 4 <= extra + extra_length;) {
    const uint16_t id = r.read<uint16_t>(at, "extra field");
    const uint16_t length = r.read<uint16_t>(at + 2, "extra field");
    if (id == 0x0001) {
      uint64_t field = at + 4;
      for (uint64_t* value : {&uncompressed, &compressed, &local})
        if (*value == kNoValue32 && field + 8 <= at + 4 + length) {
          *value = r.read<uint64_t>(field, "zip64 extra field");
          field += 8;
        }
    }
    at += 4 + static_cast<uint64_t>(length);
  }
}

}  // namespace

ZipArchive::ZipArchive(std::string_view bytes, std::string what)
    : bytes_(bytes), what_(std::move(what)) {
  const Reader r(bytes_, what_);
  const Directory dir = find_directory(r);
  uint64_t at = dir.offset;
  for (uint64_t i = 0; i < dir.count; ++i) {
    if (r.read<uint32_t>(at, "directory entry") != kDirectoryEntry)
      r.fail(fmt::format("directory entry {} at byte {} has a bad signature", i, at));
    const uint16_t method = r.read<uint16_t>(at + 10, "directory entry");
    uint64_t compressed = r.read<uint32_t>(at + 20, "directory entry");
    uint64_t uncompressed = r.read<uint32_t>(at + 24, "directory entry");
    const uint16_t name_length = r.read<uint16_t>(at + 28, "directory entry");
    const uint16_t extra_length = r.read<uint16_t>(at + 30, "directory entry");
    const uint16_t comment_length = r.read<uint16_t>(at + 32, "directory entry");
    uint64_t local = r.read<uint32_t>(at + 42, "directory entry");
    const std::string name(r.slice(at + 46, name_length, "entry name"));
    widen(r, at + 46 + name_length, extra_length, uncompressed, compressed, local);
    if (method != 0)
      r.fail(
          fmt::format("entry '{}' is compressed (method {}); torch.save stores entries "
                      "uncompressed",
                      name, method));
    if (compressed != uncompressed)
      r.fail(fmt::format("entry '{}' is stored with {} bytes but says it holds {}", name,
                         compressed, uncompressed));
    if (r.read<uint32_t>(local, "local header") != kLocalHeader)
      r.fail(fmt::format("entry '{}' points at byte {}, which is not a local header", name, local));
    const uint64_t data = local + 30 + r.read<uint16_t>(local + 26, "local header") +
                          r.read<uint16_t>(local + 28, "local header");
    entries_[name] = r.slice(data, compressed, "entry data");
    at += 46 + static_cast<uint64_t>(name_length) + extra_length + comment_length;
  }
}

std::string_view ZipArchive::entry(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end())
    throw Error(fmt::format("{}: the archive has no entry '{}'", what_, name), ErrorKind::Runtime);
  return it->second;
}

}  // namespace ember::io::detail
