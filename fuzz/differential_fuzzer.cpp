// libFuzzer target: decodes its input into a short program of ops (tests/fuzzing/differential.h)
// and checks it differentially: each float32 step agrees with the same op in float64 beyond what
// float32's rounding explains, the program's backward passes a float64 gradcheck and
// gradgradcheck, and every error it raises is in docs/errors.md, raised alike in both dtypes.
// Any disagreement aborts with the program and what disagreed;
// tests/ops/differential_fuzz_test.cpp runs the same checks from fixed seeds.
#include <cstdio>
#include <cstdlib>

#include "fuzzing/differential.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ember::fuzzing;
  const Program program = Program::decode(data, size);
  Tally tally;
  const std::vector<std::string> problems = check(program, tally);
  if (problems.empty()) return 0;
  std::fprintf(stderr, "%s", program.describe().c_str());
  for (const std::string& p : problems) std::fprintf(stderr, "  %s\n", p.c_str());
  std::abort();
}
