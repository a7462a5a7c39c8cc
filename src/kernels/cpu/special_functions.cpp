#include "kernels/cpu/special_functions.h"

#include <boost/math/special_functions/bessel.hpp>
#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/erf.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <boost/math/special_functions/polygamma.hpp>
#include <cmath>
#include <limits>

namespace ember::detail {
namespace {

namespace bp = boost::math::policies;
// Kernels never throw: out-of-domain arguments give NaN or infinity, as IEEE functions do, and
// float stays float (no promotion to double inside Boost).
using Policy =
    bp::policy<bp::domain_error<bp::ignore_error>, bp::pole_error<bp::ignore_error>,
               bp::overflow_error<bp::ignore_error>, bp::evaluation_error<bp::ignore_error>,
               bp::rounding_error<bp::ignore_error>, bp::promote_float<false>,
               bp::promote_double<false>>;

template <typename T>
constexpr T kInf = std::numeric_limits<T>::infinity();
template <typename T>
constexpr T kNan = std::numeric_limits<T>::quiet_NaN();

template <typename T>
bool is_non_positive_integer(T x) {
  return x <= 0 && x == std::trunc(x);
}

template <typename T>
T erfinv_of(T x) {
  if (std::isnan(x) || x < -1 || x > 1) return kNan<T>;
  if (x == 1) return kInf<T>;
  if (x == -1) return -kInf<T>;
  return boost::math::erf_inv(x, Policy());
}

template <typename T>
T lgamma_of(T x) {
  if (std::isnan(x)) return x;
  if (std::isinf(x) || is_non_positive_integer(x)) return kInf<T>;
  return boost::math::lgamma(x, Policy());
}

// PyTorch's digamma: -inf at +0 and +inf at -0 (the limits from the right and left), NaN at
// the negative integers.
template <typename T>
T digamma_of(T x) {
  if (std::isnan(x)) return x;
  if (x == 0) return std::signbit(x) ? kInf<T> : -kInf<T>;
  if (x == kInf<T>) return kInf<T>;
  if (x == -kInf<T> || is_non_positive_integer(x)) return kNan<T>;
  return boost::math::digamma(x, Policy());
}

template <typename T>
T polygamma_of(int n, T x) {
  if (n == 0) return digamma_of(x);
  if (std::isnan(x) || x == -kInf<T>) return kNan<T>;
  if (x == kInf<T>) return 0;
  // At the poles the odd orders go to +inf from both sides; the even ones change sign.
  if (is_non_positive_integer(x)) return n % 2 == 1 ? kInf<T> : kNan<T>;
  return boost::math::polygamma(n, x, Policy());
}

template <typename T>
T bessel_i0_of(T x) {
  if (std::isinf(x)) return kInf<T>;
  return boost::math::cyl_bessel_i(0, x, Policy());
}

template <typename T>
T bessel_i1_of(T x) {
  if (std::isinf(x)) return x;
  return boost::math::cyl_bessel_i(1, x, Policy());
}

}  // namespace

double erfinv(double x) { return erfinv_of(x); }
float erfinv(float x) { return erfinv_of(x); }
double lgamma(double x) { return lgamma_of(x); }
float lgamma(float x) { return lgamma_of(x); }
double digamma(double x) { return digamma_of(x); }
float digamma(float x) { return digamma_of(x); }
double polygamma(int n, double x) { return polygamma_of(n, x); }
float polygamma(int n, float x) { return polygamma_of(n, x); }
double bessel_i0(double x) { return bessel_i0_of(x); }
float bessel_i0(float x) { return bessel_i0_of(x); }
double bessel_i1(double x) { return bessel_i1_of(x); }
float bessel_i1(float x) { return bessel_i1_of(x); }

}  // namespace ember::detail
