#pragma once
/// Random number streams (LibTorch's at::Generator). Every random op draws from one: the global
/// stream that manual_seed seeds, or a Generator passed to it, so one part of a program (a data
/// loader's shuffling) can have its own reproducible stream.
#include <cstdint>
#include <memory>
#include <optional>

#include "ember/core/tensor.h"

namespace ember {
namespace detail {
class GeneratorImpl;
}

/// A handle to a stream: copies share it (draws through one advance the other), clone() makes an
/// independent one at the same point.
class Generator {
 public:
  /// A new stream with the default seed (67280421310721, as torch's).
  Generator() : Generator(67280421310721ULL) {}
  explicit Generator(uint64_t seed);
  explicit Generator(std::shared_ptr<detail::GeneratorImpl> impl) : impl_(std::move(impl)) {}

  /// Restarts the stream from seed.
  void set_current_seed(uint64_t seed);
  /// The seed the stream was last started from.
  uint64_t current_seed() const;
  /// Restarts the stream from a non-deterministic seed and returns it.
  uint64_t seed();
  /// The stream's position, as an int64 tensor for set_state.
  Tensor get_state() const;
  void set_state(const Tensor& state);
  Generator clone() const;
  Device device() const { return Device(kCPU); }

  detail::GeneratorImpl& impl() const { return *impl_; }
  bool operator==(const Generator& other) const { return impl_ == other.impl_; }

 private:
  std::shared_ptr<detail::GeneratorImpl> impl_;
};

namespace detail {
/// LibTorch's spellings: the global stream, and a new stream from a seed.
Generator getDefaultCPUGenerator();
Generator createCPUGenerator(uint64_t seed = 67280421310721ULL);
/// The stream a random op draws from: generator's, or the global one.
GeneratorImpl& generator_or_default(const std::optional<Generator>& generator);
}  // namespace detail

}  // namespace ember
