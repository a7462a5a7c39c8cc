// IDX reading through zlib's gz* interface, which passes plain files through unchanged, so one
// path serves both the .gz files datasets ship as and their decompressed form.
#include "ember/data/idx.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "ember/ops.h"

namespace ember::data {
namespace {

[[noreturn]] void fail(const std::string& fn, const std::string& path, const std::string& what) {
  throw Error(fmt::format("{}: {}: {}", fn, path, what));
}

struct GzCloser {
  void operator()(gzFile f) const { gzclose(f); }
};
using GzHandle = std::unique_ptr<gzFile_s, GzCloser>;

// The raw contents of an IDX file: type byte, sizes and the big-endian element bytes.
struct IdxFile {
  uint8_t type = 0;
  std::vector<int64_t> sizes;
  std::vector<uint8_t> bytes;
};

size_t type_size(uint8_t type) {
  switch (type) {
    case 0x08:
    case 0x09:
      return 1;
    case 0x0B:
      return 2;
    case 0x0C:
    case 0x0D:
      return 4;
    case 0x0E:
      return 8;
    default:
      return 0;
  }
}

class Reader {
 public:
  Reader(const char* fn, const std::string& path) : fn_(fn), path_(path) {
    file_.reset(gzopen(path.c_str(), "rb"));
    if (!file_) fail(fn_, path_, errno ? std::strerror(errno) : "cannot open file (out of memory)");
    gzbuffer(file_.get(), 1 << 20);
  }

  // Reads up to n bytes, checking zlib's error state; returns how many arrived.
  size_t read(void* out, size_t n) {
    size_t done = 0;
    auto* p = static_cast<char*>(out);
    while (done < n) {
      const auto chunk = static_cast<unsigned>(std::min<size_t>(n - done, 1u << 30));
      const int got = gzread(file_.get(), p + done, chunk);
      if (got <= 0) break;
      done += static_cast<size_t>(got);
    }
    check();
    return done;
  }

  void read_exact(void* out, size_t n, const char* what) {
    const size_t got = read(out, n);
    if (got != n)
      fail(fn_, path_,
           fmt::format("file is truncated: expected {} bytes of {} but found only {}", n, what,
                       got));
  }

  // Reading past the end makes zlib check the gzip trailer (CRC and length) and tells us
  // whether anything follows the data.
  void expect_end() {
    char extra;
    if (read(&extra, 1) != 0) fail(fn_, path_, "file holds more data than its header describes");
  }

 private:
  void check() {
    int err = Z_OK;
    const char* msg = gzerror(file_.get(), &err);
    if (err == Z_OK) return;
    std::string_view text = msg ? msg : "unknown zlib error";
    // zlib prefixes its messages with the path, which ours already name.
    const std::string prefix = path_ + ": ";
    if (text.substr(0, prefix.size()) == prefix) text.remove_prefix(prefix.size());
    // zlib's codes: Z_ERRNO is the OS failing the read, Z_BUF_ERROR a gzip stream cut short,
    // anything else (Z_DATA_ERROR: bad deflate data or checksum) corruption.
    if (err == Z_ERRNO) fail(fn_, path_, fmt::format("read error ({})", text));
    if (err == Z_BUF_ERROR) fail(fn_, path_, fmt::format("gzip stream is truncated ({})", text));
    fail(fn_, path_, fmt::format("corrupt gzip data ({})", text));
  }

  const char* fn_;
  const std::string& path_;
  GzHandle file_;
};

IdxFile read_raw(const char* fn, const std::string& path) {
  errno = 0;
  Reader reader(fn, path);
  uint8_t magic[4];
  reader.read_exact(magic, 4, "header");
  if (magic[0] != 0 || magic[1] != 0)
    fail(fn, path,
         fmt::format("bad magic number 0x{:02x}{:02x}{:02x}{:02x}: an IDX file starts with two "
                     "zero bytes",
                     magic[0], magic[1], magic[2], magic[3]));
  IdxFile f;
  f.type = magic[2];
  if (type_size(f.type) == 0)
    fail(fn, path,
         fmt::format("unsupported IDX data type 0x{:02x} (expected 0x08, 0x09, 0x0b, 0x0c, 0x0d "
                     "or 0x0e)",
                     f.type));
  const int ndim = magic[3];
  std::vector<uint8_t> dims(static_cast<size_t>(ndim) * 4);
  reader.read_exact(dims.data(), dims.size(), "header");
  uint64_t numel = 1;
  for (int d = 0; d < ndim; ++d) {
    const uint8_t* b = &dims[static_cast<size_t>(d) * 4];
    const uint64_t size =
        (uint64_t{b[0]} << 24) | (uint64_t{b[1]} << 16) | (uint64_t{b[2]} << 8) | uint64_t{b[3]};
    f.sizes.push_back(static_cast<int64_t>(size));
    numel *= size;
    // Refuse absurd headers before allocating for them.
    if (numel > (uint64_t{1} << 40))
      fail(fn, path,
           fmt::format("header describes an impossibly large tensor [{}...]",
                       fmt::join(f.sizes, ", ")));
  }
  f.bytes.resize(numel * type_size(f.type));
  reader.read_exact(f.bytes.data(), f.bytes.size(),
                    fmt::format("data for shape [{}]", fmt::join(f.sizes, ", ")).c_str());
  reader.expect_end();
  return f;
}

template <typename T, typename Out>
void decode(const IdxFile& f, Out* out) {
  const size_t n = f.bytes.size() / sizeof(T);
  const uint8_t* p = f.bytes.data();
  for (size_t i = 0; i < n; ++i, p += sizeof(T)) {
    uint8_t be[sizeof(T)];
    for (size_t k = 0; k < sizeof(T); ++k) be[k] = p[sizeof(T) - 1 - k];
    T v;
    std::memcpy(&v, be, sizeof(T));
    out[i] = static_cast<Out>(v);
  }
}

void expect_ubyte(const char* fn, const std::string& path, const IdxFile& f, size_t ndim) {
  if (f.type != 0x08)
    fail(fn, path,
         fmt::format("expected unsigned byte data (type 0x08), got type 0x{:02x}", f.type));
  if (f.sizes.size() != ndim)
    fail(fn, path,
         fmt::format("expected {} dims, got {} (shape [{}])", ndim, f.sizes.size(),
                     fmt::join(f.sizes, ", ")));
}

}  // namespace

Tensor read_idx(const std::string& path) {
  const IdxFile f = read_raw("read_idx", path);
  switch (f.type) {
    case 0x08: {
      Tensor t = empty(f.sizes, TensorOptions(kInt64));
      int64_t* out = t.data_ptr<int64_t>();
      for (size_t i = 0; i < f.bytes.size(); ++i) out[i] = f.bytes[i];
      return t;
    }
    case 0x09: {
      Tensor t = empty(f.sizes, TensorOptions(kInt64));
      decode<int8_t>(f, t.data_ptr<int64_t>());
      return t;
    }
    case 0x0B: {
      Tensor t = empty(f.sizes, TensorOptions(kInt64));
      decode<int16_t>(f, t.data_ptr<int64_t>());
      return t;
    }
    case 0x0C: {
      Tensor t = empty(f.sizes, TensorOptions(kInt64));
      decode<int32_t>(f, t.data_ptr<int64_t>());
      return t;
    }
    case 0x0D: {
      Tensor t = empty(f.sizes, TensorOptions(kFloat32));
      decode<float>(f, t.data_ptr<float>());
      return t;
    }
    default: {
      Tensor t = empty(f.sizes, TensorOptions(kFloat64));
      decode<double>(f, t.data_ptr<double>());
      return t;
    }
  }
}

Tensor read_idx_images(const std::string& path) {
  const IdxFile f = read_raw("read_idx_images", path);
  expect_ubyte("read_idx_images", path, f, 3);
  Tensor t = empty(f.sizes, TensorOptions(kFloat32));
  float* out = t.data_ptr<float>();
  // A table of b / 255 gives exactly torchvision's float division, at the cost of a lookup.
  float table[256];
  for (int b = 0; b < 256; ++b) table[b] = static_cast<float>(b) / 255.0f;
  for (size_t i = 0; i < f.bytes.size(); ++i) out[i] = table[f.bytes[i]];
  return t;
}

Tensor read_idx_labels(const std::string& path) {
  const IdxFile f = read_raw("read_idx_labels", path);
  expect_ubyte("read_idx_labels", path, f, 1);
  Tensor t = empty(f.sizes, TensorOptions(kInt64));
  int64_t* out = t.data_ptr<int64_t>();
  for (size_t i = 0; i < f.bytes.size(); ++i) out[i] = f.bytes[i];
  return t;
}

}  // namespace ember::data
