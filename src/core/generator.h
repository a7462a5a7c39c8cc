#pragma once
// The random number stream behind ember::Generator: rand, randn, uniform_ and friends draw from
// one (the global one, or a Generator given to them). Seeded, so the same seed gives the same
// numbers on every run.
#include <cstdint>
#include <mutex>

namespace ember::detail {

/// The seed of a stream nobody seeded (torch's default_rng_seed_val).
constexpr uint64_t kDefaultSeed = 67280421310721ULL;

class GeneratorImpl {
 public:
  explicit GeneratorImpl(uint64_t seed = kDefaultSeed) { seed_with(seed); }
  void seed_with(uint64_t seed);
  /// The seed last given to seed_with.
  uint64_t current_seed() const { return seed_; }
  /// Next 64 random bits (splitmix64-seeded xoshiro256**); inline, as fills call it per element.
  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  /// Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  /// Standard normal (Box-Muller; the second value of each pair is kept for the next call).
  double normal();
  /// The whole state, so a stream can be replayed (get_rng_state / set_rng_state).
  struct State {
    uint64_t s[4];
    double spare;
    bool has_spare;
  };
  State state() const { return {{s_[0], s_[1], s_[2], s_[3]}, spare_, has_spare_}; }
  void set_state(const State& state) {
    for (int i = 0; i < 4; ++i) s_[i] = state.s[i];
    spare_ = state.spare;
    has_spare_ = state.has_spare;
  }
  /// Held while filling a tensor so concurrent fills take disjoint runs of the stream.
  std::mutex& mutex() { return mutex_; }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  uint64_t s_[4];
  uint64_t seed_ = kDefaultSeed;
  double spare_ = 0;
  bool has_spare_ = false;
  std::mutex mutex_;
};

/// The global stream (manual_seed's), shared with getDefaultCPUGenerator().
GeneratorImpl& default_generator();

}  // namespace ember::detail
