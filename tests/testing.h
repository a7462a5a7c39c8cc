#pragma once
// Shared test helpers.
#include <ember/ember.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace ember::testing {

/// Checks f's first and second derivatives at the inputs by central differences (float64).
inline void check_derivatives(const std::function<Tensor(const autograd::variable_list&)>& f,
                              const autograd::variable_list& inputs) {
  auto fn = [&](const autograd::variable_list& v) { return autograd::variable_list{f(v)}; };
  EXPECT_TRUE(autograd::gradcheck(fn, inputs));
  EXPECT_TRUE(autograd::gradgradcheck(fn, inputs));
}

/// The tensor's repr, as PyTorch prints it.
inline std::string repr(const Tensor& t) {
  std::ostringstream os;
  os << t;
  return os.str();
}

/// The module's repr, as PyTorch prints it.
inline std::string repr(const nn::Module& m) {
  std::ostringstream os;
  os << m;
  return os.str();
}

/// The elements of t in row-major order, converted to double.
inline std::vector<double> values(const Tensor& t) {
  Tensor c = t.to(kFloat64).contiguous();
  const double* p = c.data_ptr<double>();
  return std::vector<double>(p, p + c.numel());
}

/// Expects an ember::Error whose message contains `fragment`.
#define EXPECT_EMBER_ERROR(stmt, fragment)                                            \
  do {                                                                                \
    try {                                                                             \
      stmt;                                                                           \
      ADD_FAILURE() << "expected ember::Error containing '" << (fragment) << "'";     \
    } catch (const ::ember::Error& e) {                                               \
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what(); \
    }                                                                                 \
  } while (0)

/// Expects tensors of equal shape whose elements match within tolerance (NaN matches NaN).
inline void expect_close(const Tensor& actual, const Tensor& expected, double rtol = 1e-6,
                         double atol = 1e-7) {
  ASSERT_EQ(actual.sizes().vec(), expected.sizes().vec());
  auto a = values(actual), e = values(expected);
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(e[i])) {
      EXPECT_TRUE(std::isnan(a[i])) << "at " << i;
      continue;
    }
    if (std::isinf(e[i])) {
      EXPECT_EQ(a[i], e[i]) << "at " << i;
      continue;
    }
    EXPECT_NEAR(a[i], e[i], atol + rtol * std::abs(e[i])) << "at " << i;
  }
}

/// The process's resident set size in bytes (from /proc/self/statm).
inline int64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t total_pages = 0, resident_pages = 0;
  statm >> total_pages >> resident_pages;
  return resident_pages * sysconf(_SC_PAGESIZE);
}

/// True in a sanitizer build, whose allocator holds freed memory in quarantine, so resident
/// memory grows for reasons of its own (its leak checker covers what the RSS checks would).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)  // GCC
constexpr bool kSanitized = true;
#elif defined(__has_feature)  // clang
constexpr bool kSanitized = __has_feature(address_sanitizer) || __has_feature(thread_sanitizer);
#else
constexpr bool kSanitized = false;
#endif

}  // namespace ember::testing
