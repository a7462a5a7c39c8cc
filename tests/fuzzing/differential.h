#pragma once
// Differential testing of random programs: a short program of ops (views, broadcasting,
// in-place updates, dtype mixes) runs in float64 and in float32; each float32 step must agree
// with the same op in float64 on the same operands (value and vector-Jacobian product) beyond
// what float32's rounding explains; the program's backward is gradchecked and gradgradchecked in
// float64; and every error it raises must be one the catalogue (docs/errors.md) lists, raised
// alike in both dtypes.
// Shared by tests/ops/differential_fuzz_test.cpp (fixed seeds, every CI run) and
// fuzz/differential_fuzzer.cpp (libFuzzer, for as long as one likes).
#include <ember/ember.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace ember::fuzzing {

/// The message templates of the error catalogue, each with the kinds it is raised with.
class ErrorCatalogue {
 public:
  explicit ErrorCatalogue(const std::string& path);
  /// docs/errors.md of this checkout, read once.
  static const ErrorCatalogue& project();
  size_t size() const { return entries_.size(); }
  /// The template e's message matches with e's kind, or "" when the catalogue lists none.
  std::string match(const Error& e) const;

 private:
  struct Entry {
    std::string pattern;  // `{}` stands for any text
    std::vector<ErrorKind> kinds;
  };
  std::vector<Entry> entries_;
};

/// A program: a few input tensors and a sequence of steps, each one op on tensors of the pool
/// (the inputs, then each step's result). Decoded from bytes, so that libFuzzer can mutate it;
/// every step owns a fixed slice of the bytes, so a change to one step leaves the others alone.
class Program {
 public:
  enum class InputKind : uint8_t { Floating, Long, Int, Bool };
  struct Input {
    std::vector<int64_t> shape;
    InputKind kind;
    bool requires_grad;
    uint32_t seed;  // of the values
  };
  struct Step {
    uint16_t op;
    uint8_t a, b;                 // operands: pool slots, modulo the pool's size
    std::array<uint8_t, 6> args;  // the op's own parameters (dims, sizes, scalars)
  };

  static Program decode(const uint8_t* data, size_t size);
  /// The program the bytes of a std::mt19937_64 seeded with seed decode to.
  static Program random(uint64_t seed);

  const std::vector<Input>& inputs() const { return inputs_; }
  const std::vector<Step>& steps() const { return steps_; }
  /// The program as text: its inputs and one line per step.
  std::string describe() const;
  /// Fresh input tensors in the given floating dtype (their values are exact in float32, so
  /// both runs start from the same numbers); relative perturbation noise on the floating ones.
  std::vector<Tensor> make_inputs(ScalarType floating, double noise = 0.0,
                                  uint64_t noise_seed = 0) const;

 private:
  std::vector<Input> inputs_;
  std::vector<Step> steps_;
};

/// The number of ops a program step can name.
size_t op_count();
/// The name of op i, as describe() prints it.
const char* op_name(size_t i);

/// Counts of what check() did, to show the checks ran (and were not all skipped).
struct Tally {
  int64_t programs = 0;
  int64_t steps = 0;
  int64_t steps_failed = 0;     // raised a catalogued error in both dtypes
  int64_t values_compared = 0;  // step results compared between float32 and float64
  int64_t values_unstable = 0;  // ... whose difference float32's rounding explains
  int64_t grads_compared = 0;   // step vector-Jacobian products compared likewise
  int64_t grads_unstable = 0;
  int64_t gradchecks = 0;           // programs whose backward was gradchecked
  int64_t gradchecks_unstable = 0;  // ... at a point where finite differences disagree
  int64_t gradchecks_raised = 0;    // programs whose gradcheck raised (a course that changed)
  int64_t gradgradchecks = 0;       // programs whose double backward was gradchecked
  int64_t gradgradchecks_unstable = 0;
  int64_t backward_failed = 0;   // backward raised a catalogued error in both dtypes
  std::vector<int64_t> op_runs;  // per op: steps that ran without error
};

/// The program's results in one dtype, step by step, and the gradients of its inputs: for
/// reducing a failure by hand.
std::string trace(const Program& program, ScalarType floating);

/// Runs the program in both dtypes and gradchecks it; returns one line per disagreement (empty
/// when the program passes) and adds to tally.
std::vector<std::string> check(const Program& program, Tally& tally);

}  // namespace ember::fuzzing
