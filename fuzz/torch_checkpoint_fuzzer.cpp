// libFuzzer target: the reader of torch.save files (ember::io::load_torch_state_dict_from_bytes)
// on arbitrary bytes, seeded with real files. Reading them or an ember::Error are the only
// acceptable outcomes: a crash, a sanitizer report, another exception or a hang is a bug.
#include <ember/ember.h>

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    ember::io::load_torch_state_dict_from_bytes(
        std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const ember::Error&) {
  }
  return 0;
}
