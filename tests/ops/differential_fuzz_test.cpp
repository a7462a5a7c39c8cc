// The differential fuzzer's fixed-seed run (tests/fuzzing/differential.h): random programs in
// float32 and float64, each gradchecked in float64, every error checked against the catalogue.
// fuzz/differential_fuzzer.cpp runs the same checks under libFuzzer for longer.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

#include "fuzzing/differential.h"
#include "testing.h"

namespace ember {
namespace {

using fuzzing::ErrorCatalogue;
using fuzzing::Program;
using fuzzing::Tally;

TEST(ErrorCatalogueTest, MatchesTheMessagesOfTheCatalogueOnly) {
  const ErrorCatalogue& catalogue = ErrorCatalogue::project();
  EXPECT_GT(catalogue.size(), 500u);
  try {
    zeros({2, 3}).mm(zeros({4, 5}));
    FAIL() << "mm of [2, 3] and [4, 5] did not raise";
  } catch (const Error& e) {
    EXPECT_EQ(catalogue.match(e), "mm: shapes {} and {} cannot be multiplied") << e.what();
  }
  EXPECT_EQ(catalogue.match(Error("mm: shapes cannot be multiplied")), "");
  EXPECT_EQ(catalogue.match(Error("mm: the shapes [2, 3] and [4, 5] cannot be multiplied")), "");
  // The right words with the wrong kind (an IndexError where the catalogue says RuntimeError).
  EXPECT_EQ(catalogue.match(Error("mm: shapes [2] and [3] cannot be multiplied", ErrorKind::Index)),
            "");
}

std::string report(const Program& program, const std::vector<std::string>& problems) {
  std::string out = program.describe();
  for (const std::string& p : problems) out += "  " + p + "\n";
  return out;
}

TEST(DifferentialFuzzTest, FixedSeedsAgreeAcrossDtypesAndGradcheck) {
  // EMBER_DIFFERENTIAL_SEED=N runs program N alone and prints both dtypes' runs step by step.
  if (const char* only = std::getenv("EMBER_DIFFERENTIAL_SEED")) {
    const Program program = Program::random(std::stoull(only));
    std::cout << program.describe() << "float64:\n"
              << fuzzing::trace(program, kFloat64) << "float32:\n"
              << fuzzing::trace(program, kFloat32);
    Tally tally;
    for (const std::string& p : fuzzing::check(program, tally)) ADD_FAILURE() << p;
    return;
  }
  // CI runs 3000 programs (about 10 s); EMBER_DIFFERENTIAL_PROGRAMS=N runs N, from seed 0.
  const char* count = std::getenv("EMBER_DIFFERENTIAL_PROGRAMS");
  const uint64_t kPrograms = count ? std::stoull(count) : 3000;
  Tally tally;
  std::vector<uint64_t> failed;
  for (uint64_t seed = 0; seed < kPrograms; ++seed) {
    const Program program = Program::random(seed);
    const std::vector<std::string> problems = fuzzing::check(program, tally);
    if (problems.empty()) continue;
    failed.push_back(seed);
    if (failed.size() <= 5) ADD_FAILURE() << "seed " << seed << ":\n" << report(program, problems);
  }
  EXPECT_TRUE(failed.empty()) << failed.size() << " programs failed, seeds "
                              << IntArrayRef(std::vector<int64_t>(failed.begin(), failed.end()))
                              << " (EMBER_DIFFERENTIAL_SEED=N shows one)";
  // The checks ran: most steps succeeded, most comparisons were judged (not waved through as
  // ill-conditioned), most programs with a gradient were gradchecked, and every op ran.
  EXPECT_LT(tally.steps_failed * 2, tally.steps);
  EXPECT_GT(tally.values_compared, 4 * static_cast<int64_t>(kPrograms));
  EXPECT_LT(tally.values_unstable * 20, tally.values_compared);
  EXPECT_GT(tally.grads_compared, 3 * static_cast<int64_t>(kPrograms));
  EXPECT_LT(tally.grads_unstable * 20, tally.grads_compared);
  EXPECT_GT(tally.gradchecks, static_cast<int64_t>(kPrograms) / 3);
  EXPECT_LT(tally.gradchecks_unstable * 10, tally.gradchecks);
  EXPECT_LT(tally.gradchecks_raised * 20, tally.gradchecks);
  EXPECT_GT(tally.gradgradchecks * 10, tally.gradchecks * 8);
  EXPECT_LT(tally.gradgradchecks_unstable * 10, tally.gradgradchecks);
  for (size_t op = 0; op < fuzzing::op_count(); ++op)
    EXPECT_GE(tally.op_runs[op], 5) << fuzzing::op_name(op) << " rarely ran without error";
  std::cout << "programs " << tally.programs << ", steps " << tally.steps << " ("
            << tally.steps_failed << " raised), values compared " << tally.values_compared << " ("
            << tally.values_unstable << " ill-conditioned), gradients compared "
            << tally.grads_compared << " (" << tally.grads_unstable
            << " ill-conditioned), gradchecks " << tally.gradchecks << " ("
            << tally.gradchecks_unstable << " at kinks, " << tally.gradchecks_raised
            << " raised), gradgradchecks " << tally.gradgradchecks << " ("
            << tally.gradgradchecks_unstable << " at kinks), backward raised "
            << tally.backward_failed << "\n";
}

}  // namespace
}  // namespace ember
