#include "core/generator.h"

#include <cmath>
#include <random>

#include "ember/core/generator.h"

namespace ember::detail {
void GeneratorImpl::seed_with(uint64_t seed) {
  seed_ = seed;
  for (auto& s : s_) {
    seed += 0x9E3779B97F4A7C15ULL;
    uint64_t z = seed;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    s = z ^ (z >> 31);
  }
  has_spare_ = false;
}

double GeneratorImpl::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  double u1 = uniform();
  while (u1 <= 0) u1 = uniform();
  const double u2 = uniform();
  const double r = std::sqrt(-2.0 * std::log(u1));
  spare_ = r * std::sin(2 * M_PI * u2);
  has_spare_ = true;
  return r * std::cos(2 * M_PI * u2);
}

namespace {
const std::shared_ptr<GeneratorImpl>& global_stream() {
  static const auto stream = std::make_shared<GeneratorImpl>();
  return stream;
}
}  // namespace

GeneratorImpl& default_generator() { return *global_stream(); }

Generator getDefaultCPUGenerator() { return Generator(global_stream()); }
Generator createCPUGenerator(uint64_t seed) { return Generator(seed); }

GeneratorImpl& generator_or_default(const std::optional<Generator>& generator) {
  return generator ? generator->impl() : default_generator();
}

}  // namespace ember::detail

namespace ember {

Generator::Generator(uint64_t seed) : impl_(std::make_shared<detail::GeneratorImpl>(seed)) {}

void Generator::set_current_seed(uint64_t seed) {
  std::lock_guard<std::mutex> lock(impl_->mutex());
  impl_->seed_with(seed);
}

uint64_t Generator::current_seed() const {
  std::lock_guard<std::mutex> lock(impl_->mutex());
  return impl_->current_seed();
}

uint64_t Generator::seed() {
  // A seed from the operating system's entropy, as torch's Generator.seed().
  std::random_device device;
  const uint64_t fresh = (static_cast<uint64_t>(device()) << 32) | device();
  set_current_seed(fresh);
  return fresh;
}

}  // namespace ember
