#pragma once
// The special functions of the elementwise ops (gamma family, Bessel, inverse error function),
// from Boost.Math, with PyTorch's values at poles and infinities. Compiled once in
// special_functions.cpp so the kernels do not each instantiate Boost's templates.

namespace ember::detail {

double erfinv(double x);
float erfinv(float x);
double lgamma(double x);
float lgamma(float x);
double digamma(double x);
float digamma(float x);
/// The n-th derivative of digamma (n >= 0; n = 0 is digamma itself).
double polygamma(int n, double x);
float polygamma(int n, float x);
/// Modified Bessel functions of the first kind, orders 0 and 1.
double bessel_i0(double x);
float bessel_i0(float x);
double bessel_i1(double x);
float bessel_i1(float x);

}  // namespace ember::detail
