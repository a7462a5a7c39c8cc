// The public handle to a random stream. Its state travels as a tensor, so it lives with the ops.
#include "ember/core/generator.h"

#include <cstring>
#include <mutex>

#include "core/generator.h"
#include "ember/ops/creation.h"
#include "ops/op_utils.h"

namespace ember {

// The state as six int64s: the four words, the spare normal's bits and whether it is held.
Tensor Generator::get_state() const {
  detail::GeneratorImpl::State state;
  {
    std::lock_guard<std::mutex> lock(impl_->mutex());
    state = impl_->state();
  }
  Tensor out = empty({6}, TensorOptions().dtype(kInt64));
  auto* words = out.data_ptr<int64_t>();
  for (int i = 0; i < 4; ++i) words[i] = static_cast<int64_t>(state.s[i]);
  std::memcpy(&words[4], &state.spare, sizeof(double));
  words[5] = state.has_spare;
  return out;
}

void Generator::set_state(const Tensor& state) {
  EMBER_CHECK(state.defined() && state.dtype() == kInt64 && state.sizes() == IntArrayRef{6},
              "set_rng_state: expected the int64 tensor of shape [6] that get_rng_state returns, "
              "got {}",
              state.defined()
                  ? fmt::format("{} {}", dtype_legacy_name(state.dtype()), state.sizes())
                  : "undefined");
  const Tensor words_tensor = state.contiguous();
  const auto* words = words_tensor.data_ptr<int64_t>();
  detail::GeneratorImpl::State s{};
  for (int i = 0; i < 4; ++i) s.s[i] = static_cast<uint64_t>(words[i]);
  std::memcpy(&s.spare, &words[4], sizeof(double));
  s.has_spare = words[5] != 0;
  std::lock_guard<std::mutex> lock(impl_->mutex());
  impl_->set_state(s);
}

Generator Generator::clone() const {
  Generator copy(current_seed());
  copy.set_state(get_state());
  return copy;
}

}  // namespace ember
