// Writing safetensors files, laid out exactly as the reference library lays them out so that
// the same tensors give the same bytes whichever library saved them.
#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <nlohmann/json.hpp>

#include "atomic_file.h"
#include "ember/autograd.h"
#include "ember/io/safetensors.h"
#include "safetensors_format.h"

namespace ember::io {

static_assert(std::endian::native == std::endian::little,
              "safetensors stores little-endian data; big-endian hosts would need byte swaps");

namespace {

struct Entry {
  const std::string* name;
  Tensor data;  // contiguous, on the CPU
};

}  // namespace

void save_safetensors(const std::string& path, const TensorDict& tensors,
                      const Metadata& metadata) {
  const char* fn = "save_safetensors";
  std::vector<Entry> entries;
  entries.reserve(tensors.size());
  {
    NoGradGuard no_grad;
    for (const auto& [name, t] : tensors) {
      if (name == "__metadata__")
        throw Error(
            fmt::format("{}: {}: '__metadata__' is reserved and cannot name a tensor", fn, path),
            ErrorKind::Value);
      if (!t.defined())
        throw Error(fmt::format("{}: {}: tensor '{}' is undefined", fn, path, name),
                    ErrorKind::Value);
      entries.push_back({&name, t.detach().to(Device(kCPU)).contiguous()});
    }
  }
  // The reference's order: dtypes of larger alignment first, then by name, which keeps every
  // tensor's data aligned to its element size.
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    const int ra = detail::safetensors_dtype_rank(a.data.dtype());
    const int rb = detail::safetensors_dtype_rank(b.data.dtype());
    return ra != rb ? ra > rb : *a.name < *b.name;
  });

  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const Entry& e : entries) {
    const uint64_t end = offset + e.data.nbytes();
    header[*e.name] = {{"dtype", std::string(detail::safetensors_dtype_name(e.data.dtype()))},
                       {"shape", e.data.sizes().vec()},
                       {"data_offsets", {offset, end}}};
    offset = end;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception& err) {
    throw Error(fmt::format("{}: {}: cannot encode the header: {}", fn, path, err.what()),
                ErrorKind::Value);
  }
  // Pad with spaces so the data starts 8-byte aligned, as the reference does.
  text.append((8 - text.size() % 8) % 8, ' ');

  detail::AtomicFile file(fn, path);
  const uint64_t header_len = text.size();
  file.write(&header_len, sizeof header_len);
  file.write(text.data(), text.size());
  for (const Entry& e : entries)
    if (e.data.nbytes() > 0) file.write(e.data.data_ptr(), e.data.nbytes());
  file.commit();
}

}  // namespace ember::io
