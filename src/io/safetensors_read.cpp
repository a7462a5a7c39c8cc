// Reading safetensors files. Everything in the header is checked against the file before any
// tensor is allocated, so a corrupt or hostile file gives an Error and never a huge allocation,
// an out-of-bounds read or a bool holding a byte other than 0 or 1.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "ember/io/safetensors.h"
#include "ember/ops.h"
#include "safetensors_format.h"

namespace ember::io {
namespace {

struct TensorInfo {
  std::string name;
  ScalarType dtype;
  std::vector<int64_t> shape;
  uint64_t begin;
  uint64_t end;
};

struct Header {
  uint64_t length = 0;  // bytes of JSON after the 8-byte length
  Metadata metadata;
  std::vector<TensorInfo> tensors;  // sorted by data offset
};

class File {
 public:
  File(const char* fn, std::string path) : fn_(fn), path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) fail(fmt::format("cannot open file ({})", std::strerror(errno)));
    struct stat st;
    if (::fstat(fd_, &st) != 0) fail(fmt::format("cannot stat file ({})", std::strerror(errno)));
    if (!S_ISREG(st.st_mode)) fail("not a regular file");
    size_ = static_cast<uint64_t>(st.st_size);
  }
  ~File() { ::close(fd_); }
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  uint64_t size() const { return size_; }

  void read(void* out, uint64_t n, uint64_t offset) const {
    char* p = static_cast<char*>(out);
    while (n > 0) {
      const ssize_t got =
          ::pread(fd_, p, std::min<uint64_t>(n, uint64_t{1} << 30), static_cast<off_t>(offset));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) fail(fmt::format("read error ({})", std::strerror(errno)));
      if (got == 0) fail("file is truncated (it changed while being read?)");
      p += got;
      offset += static_cast<uint64_t>(got);
      n -= static_cast<uint64_t>(got);
    }
  }

  [[noreturn]] void fail(const std::string& what, ErrorKind kind = ErrorKind::Runtime) const {
    throw Error(fmt::format("{}: {}: {}", fn_, path_, what), kind);
  }

 private:
  const char* fn_;
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

std::string shape_str(const std::vector<int64_t>& shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

// A non-negative JSON integer, or nothing.
std::optional<uint64_t> as_size(const nlohmann::json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0) return v.get<uint64_t>();
  return std::nullopt;
}

TensorInfo parse_tensor(const File& file, const std::string& name, const nlohmann::json& v) {
  if (!v.is_object()) file.fail(fmt::format("entry '{}' is not a JSON object", name));
  const auto dtype_it = v.find("dtype");
  if (dtype_it == v.end() || !dtype_it->is_string())
    file.fail(fmt::format("tensor '{}' has no \"dtype\" string", name));
  const std::string dtype_name = dtype_it->get<std::string>();
  const std::optional<ScalarType> dtype = detail::safetensors_dtype(dtype_name);
  if (!dtype) {
    if (detail::is_foreign_safetensors_dtype(dtype_name))
      file.fail(fmt::format("tensor '{}' has dtype {}, which Ember does not support (supported: "
                            "F32, F64, I32, I64, BOOL)",
                            name, dtype_name),
                ErrorKind::NotImplemented);
    file.fail(fmt::format("tensor '{}' has unknown dtype '{}'", name, dtype_name));
  }
  TensorInfo info{name, *dtype, {}, 0, 0};

  const auto shape_it = v.find("shape");
  if (shape_it == v.end() || !shape_it->is_array())
    file.fail(fmt::format("tensor '{}' has no \"shape\" array", name));
  uint64_t numel = 1;
  bool overflow = false;
  for (const auto& d : *shape_it) {
    const std::optional<uint64_t> size = as_size(d);
    if (!size || *size > static_cast<uint64_t>(INT64_MAX))
      file.fail(
          fmt::format("tensor '{}' has an invalid shape {} (sizes must be non-negative "
                      "integers)",
                      name, shape_it->dump()));
    info.shape.push_back(static_cast<int64_t>(*size));
    overflow |= __builtin_mul_overflow(numel, *size, &numel);
  }
  uint64_t nbytes = 0;
  overflow |= __builtin_mul_overflow(numel, element_size(*dtype), &nbytes);
  if (overflow || numel > static_cast<uint64_t>(INT64_MAX))
    file.fail(
        fmt::format("tensor '{}' has shape {} whose size overflows", name, shape_str(info.shape)));

  const auto offsets_it = v.find("data_offsets");
  std::optional<uint64_t> begin, end;
  if (offsets_it != v.end() && offsets_it->is_array() && offsets_it->size() == 2) {
    begin = as_size((*offsets_it)[0]);
    end = as_size((*offsets_it)[1]);
  }
  if (!begin || !end)
    file.fail(fmt::format("tensor '{}' needs \"data_offsets\" as two non-negative integers, got {}",
                          name, offsets_it == v.end() ? "none" : offsets_it->dump()));
  if (*begin > *end)
    file.fail(fmt::format("tensor '{}' has data_offsets [{}, {}] that end before they begin", name,
                          *begin, *end));
  info.begin = *begin;
  info.end = *end;
  if (*end - *begin != nbytes)
    file.fail(
        fmt::format("tensor '{}' has data_offsets [{}, {}] spanning {} bytes, but shape {} "
                    "of {} needs {} bytes",
                    name, *begin, *end, *end - *begin, shape_str(info.shape), dtype_name, nbytes));
  return info;
}

Header read_header(const File& file) {
  Header h;
  if (file.size() < 8)
    file.fail(
        fmt::format("file is {} bytes long, too short for the 8-byte header length", file.size()));
  file.read(&h.length, 8, 0);  // little-endian, as the host (checked when writing)
  if (h.length > detail::kMaxHeaderSize)
    file.fail(fmt::format("header length {} exceeds the limit of {} bytes", h.length,
                          detail::kMaxHeaderSize));
  if (h.length > file.size() - 8)
    file.fail(fmt::format("header length {} runs past the end of the file ({} bytes)", h.length,
                          file.size()));
  std::string text(h.length, '\0');
  file.read(text.data(), h.length, 8);

  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& err) {
    file.fail(fmt::format("invalid JSON header ({})", err.what()));
  }
  if (!json.is_object()) file.fail("the JSON header is not an object");

  for (const auto& [key, value] : json.items()) {
    if (key == "__metadata__") {
      if (!value.is_object()) file.fail("\"__metadata__\" is not a JSON object");
      for (const auto& [mk, mv] : value.items()) {
        if (!mv.is_string())
          file.fail(fmt::format("\"__metadata__\" value for '{}' is not a string", mk));
        h.metadata.emplace(mk, mv.get<std::string>());
      }
      continue;
    }
    h.tensors.push_back(parse_tensor(file, key, value));
  }

  // The tensors must tile the data section exactly: no overlaps, gaps or bytes past the end.
  std::sort(h.tensors.begin(), h.tensors.end(), [](const TensorInfo& a, const TensorInfo& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  const uint64_t data_size = file.size() - 8 - h.length;
  uint64_t covered = 0;
  const TensorInfo* previous = nullptr;
  for (const TensorInfo& t : h.tensors) {
    if (t.begin < covered)
      file.fail(fmt::format("the data of tensors '{}' [{}, {}] and '{}' [{}, {}] overlap",
                            previous->name, previous->begin, previous->end, t.name, t.begin,
                            t.end));
    if (t.begin > covered)
      file.fail(
          fmt::format("bytes [{}, {}) of the data section belong to no tensor (a gap "
                      "before '{}')",
                      covered, t.begin, t.name));
    if (t.end > data_size)
      file.fail(
          fmt::format("file is truncated: tensor '{}' has data_offsets [{}, {}] but only "
                      "{} bytes of data follow the header",
                      t.name, t.begin, t.end, data_size));
    covered = t.end;
    previous = &t;
  }
  if (covered != data_size)
    file.fail(fmt::format("the data section holds {} bytes but the tensors cover only {}",
                          data_size, covered));
  return h;
}

}  // namespace

TensorDict load_safetensors(const std::string& path) {
  const char* fn = "load_safetensors";
  const File file(fn, path);
  Header h = read_header(file);
  std::sort(h.tensors.begin(), h.tensors.end(),
            [](const TensorInfo& a, const TensorInfo& b) { return a.name < b.name; });
  TensorDict out;
  for (const TensorInfo& info : h.tensors) {
    Tensor t = empty(info.shape, TensorOptions(info.dtype));
    const uint64_t nbytes = info.end - info.begin;
    if (nbytes > 0) file.read(t.data_ptr(), nbytes, 8 + h.length + info.begin);
    if (info.dtype == kBool) {
      const auto* bytes = static_cast<const unsigned char*>(t.data_ptr());
      for (uint64_t i = 0; i < nbytes; ++i)
        if (bytes[i] > 1)
          file.fail(
              fmt::format("tensor '{}' (BOOL) holds the byte {} at element {}; booleans "
                          "must be 0 or 1",
                          info.name, bytes[i], i));
    }
    out.insert(info.name, std::move(t));
  }
  return out;
}

Metadata load_safetensors_metadata(const std::string& path) {
  const File file("load_safetensors_metadata", path);
  return read_header(file).metadata;
}

}  // namespace ember::io
