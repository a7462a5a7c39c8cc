#pragma once
/// The padding layers (LibTorch's and torch's): ReflectionPad, ReplicationPad and ConstantPad
/// in 1, 2 and 3 dims, and ZeroPad2d, each a fixed functional::pad.
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "ember/core/arg.h"
#include "ember/core/tensor.h"
#include "ember/nn/functional.h"
#include "ember/nn/module.h"
#include "ember/nn/module_holder.h"

namespace ember::nn {

namespace detail {
[[noreturn]] void throw_pad_sides(size_t expected, size_t got);
/// "(1, 1, 2, 0)".
std::string sides_repr(const int64_t* sides, size_t n);
/// "padding=(1, 1), value=3.5": ConstantPad's repr.
std::string constant_pad_repr(const std::string& sides, double value);
}  // namespace detail

/// How much a padding layer adds on each side, last dim first (left, right, top, bottom, front,
/// back): one value for every side, or exactly N.
template <size_t N>
class PadSides {
 public:
  PadSides(int64_t all) { sides_.fill(all); }
  /// Any count but N is a ValueError.
  PadSides(std::initializer_list<int64_t> sides) {
    if (sides.size() != N) detail::throw_pad_sides(N, sides.size());
    std::copy(sides.begin(), sides.end(), sides_.begin());
  }
  operator IntArrayRef() const { return IntArrayRef(sides_.data(), N); }
  std::string repr() const { return detail::sides_repr(sides_.data(), N); }

 private:
  std::array<int64_t, N> sides_;
};

/// The arguments of a padding layer of D dims in mode M (ConstantPad's with a fill value).
template <size_t D, PadMode M>
class PadOptions {
 public:
  PadOptions(PadSides<2 * D> padding) : padding_(padding) {}
  PadOptions(PadSides<2 * D> padding, double value) requires(M == PadMode::Constant)
      : padding_(padding), value_(value) {}
  EMBER_ARG(PadSides<2 * D>, padding);
  EMBER_ARG(double, value) = 0;
};

/// Pads the last D dims of its input as functional::pad does in mode M.
template <size_t D, PadMode M>
class PadImpl : public Module {
 public:
  explicit PadImpl(const PadOptions<D, M>& options) : Module(kName), options(options) {}
  PadImpl(PadSides<2 * D> padding) : PadImpl(PadOptions<D, M>(padding)) {}
  Tensor forward(const Tensor& input) override {
    return functional::pad(input, options.padding(), M, options.value());
  }
  /// "(1, 1, 2, 0)", or for ConstantPad "padding=(1, 1), value=3.5", as torch prints them.
  std::string extra_repr() const override {
    if constexpr (M == PadMode::Constant)
      return detail::constant_pad_repr(options.padding().repr(), options.value());
    else
      return options.padding().repr();
  }

  PadOptions<D, M> options;

 private:
  static constexpr const char* kNames[3][3] = {
      {"ConstantPad1d", "ConstantPad2d", "ConstantPad3d"},
      {"ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d"},
      {"ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d"}};
  static constexpr const char* kName = kNames[static_cast<int>(M)][D - 1];
};

using ReflectionPad1dOptions = PadOptions<1, PadMode::Reflect>;
using ReflectionPad2dOptions = PadOptions<2, PadMode::Reflect>;
using ReflectionPad3dOptions = PadOptions<3, PadMode::Reflect>;
using ReplicationPad1dOptions = PadOptions<1, PadMode::Replicate>;
using ReplicationPad2dOptions = PadOptions<2, PadMode::Replicate>;
using ReplicationPad3dOptions = PadOptions<3, PadMode::Replicate>;
using ConstantPad1dOptions = PadOptions<1, PadMode::Constant>;
using ConstantPad2dOptions = PadOptions<2, PadMode::Constant>;
using ConstantPad3dOptions = PadOptions<3, PadMode::Constant>;

using ReflectionPad1dImpl = PadImpl<1, PadMode::Reflect>;
using ReflectionPad2dImpl = PadImpl<2, PadMode::Reflect>;
using ReflectionPad3dImpl = PadImpl<3, PadMode::Reflect>;
using ReplicationPad1dImpl = PadImpl<1, PadMode::Replicate>;
using ReplicationPad2dImpl = PadImpl<2, PadMode::Replicate>;
using ReplicationPad3dImpl = PadImpl<3, PadMode::Replicate>;
using ConstantPad1dImpl = PadImpl<1, PadMode::Constant>;
using ConstantPad2dImpl = PadImpl<2, PadMode::Constant>;
using ConstantPad3dImpl = PadImpl<3, PadMode::Constant>;
EMBER_MODULE(ReflectionPad1d);
EMBER_MODULE(ReflectionPad2d);
EMBER_MODULE(ReflectionPad3d);
EMBER_MODULE(ReplicationPad1d);
EMBER_MODULE(ReplicationPad2d);
EMBER_MODULE(ReplicationPad3d);
EMBER_MODULE(ConstantPad1d);
EMBER_MODULE(ConstantPad2d);
EMBER_MODULE(ConstantPad3d);

/// ZeroPad2d's arguments: the four sides.
class ZeroPad2dOptions {
 public:
  ZeroPad2dOptions(PadSides<4> padding) : padding_(padding) {}
  EMBER_ARG(PadSides<4>, padding);
};

/// Pads the last two dims with zeros.
class ZeroPad2dImpl : public Module {
 public:
  explicit ZeroPad2dImpl(const ZeroPad2dOptions& options) : Module("ZeroPad2d"), options(options) {}
  ZeroPad2dImpl(PadSides<4> padding) : ZeroPad2dImpl(ZeroPad2dOptions(padding)) {}
  Tensor forward(const Tensor& input) override {
    return functional::pad(input, options.padding(), PadMode::Constant, 0);
  }
  std::string extra_repr() const override { return options.padding().repr(); }

  ZeroPad2dOptions options;
};
EMBER_MODULE(ZeroPad2d);

}  // namespace ember::nn
