// Bernoulli and categorical sampling, composed of uniform draws: a Bernoulli draw compares a
// uniform number with p; a categorical draw with replacement looks a uniform number up in the
// running sum of the weights, and without replacement takes the top num_samples of w / E with E
// exponential draws (the exponential-race form of sampling without replacement).
#include "ember/ops/sampling.h"

#include "ember/autograd/grad_mode.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/reduce.h"
#include "ember/ops/search.h"
#include "ember/ops/sort.h"
#include "ops/op_utils.h"
#include "ops/record.h"

namespace ember {

Tensor bernoulli(const Tensor& p, std::optional<Generator> generator) {
  EMBER_CHECK(p.is_floating_point(),
              "bernoulli: expected a floating-point tensor of "
              "probabilities (got {})",
              dtype_legacy_name(p.dtype()));
  NoGradGuard draws_have_no_gradient;
  EMBER_CHECK(p.numel() == 0 || (p.ge(0).all().item<bool>() && p.le(1).all().item<bool>()),
              "bernoulli: all probabilities must be in [0, 1]");
  return rand(p.sizes(), std::move(generator), p.options()).lt(p).to(p.dtype());
}

Tensor bernoulli(const Tensor& t, double p, std::optional<Generator> generator) {
  EMBER_CHECK(0 <= p && p <= 1, "bernoulli_ expects p to be in [0, 1], but got p={}", p);
  NoGradGuard draws_have_no_gradient;
  // Integer and bool results take their draws from a float mask.
  const ScalarType dtype = t.is_floating_point() ? t.dtype() : kFloat64;
  Tensor out = empty(t.sizes(), TensorOptions(dtype).device(t.device()));
  detail::kernels_for(out).bernoulli(out, p, detail::generator_or_default(generator));
  return dtype == t.dtype() ? out : out.to(t.dtype());
}

namespace detail {
Tensor fused_dropout(const Tensor& x, double p) {
  const Tensor in = x.contiguous();
  Tensor out = detail::empty_for(in.sizes(), in.options(), {&in});
  Tensor mask = detail::empty_for(in.sizes(), in.options(), {&in});
  detail::kernels_for(in).dropout(out, mask, in, p, generator_or_default(std::nullopt));
  detail::record(
      "MulBackward0", {&x}, {&out}, {{mask}},
      [](auto&, auto& g, auto& s) { return variable_list{g[0] * s[0]}; },
      [](const variable_list& t, const variable_list& s) { return variable_list{t[0] * s[0]}; });
  return out;
}
}  // namespace detail

Tensor multinomial(const Tensor& probs, int64_t num_samples, bool replacement,
                   std::optional<Generator> generator) {
  EMBER_CHECK(probs.dim() == 1 || probs.dim() == 2,
              "multinomial: prob_dist must be 1 or 2 dim (got {})", probs.dim());
  EMBER_CHECK(probs.is_floating_point(),
              "multinomial only supports floating-point dtypes for "
              "input (got {})",
              dtype_legacy_name(probs.dtype()));
  EMBER_CHECK(num_samples > 0, "multinomial: cannot sample n_sample <= 0 samples");
  const int64_t categories = probs.size(-1);
  EMBER_CHECK(
      replacement || num_samples <= categories,
      "multinomial: cannot sample n_sample > prob_dist.size(-1) samples without replacement");
  NoGradGuard draws_have_no_gradient;
  const Tensor w = probs.dim() == 1 ? probs.unsqueeze(0) : probs;
  EMBER_CHECK(w.ge(0).all().item<bool>() && w.isfinite().all().item<bool>(),
              "multinomial: probability tensor contains either `inf`, `nan` or element < 0");
  EMBER_CHECK(w.sum({1}).gt(0).all().item<bool>(),
              "multinomial: invalid multinomial distribution (sum of probabilities <= 0)");
  Tensor out;
  if (replacement) {
    const Tensor cdf = w.to(kFloat64).cumsum(1);
    const Tensor u = rand({w.size(0), num_samples}, generator, TensorOptions(kFloat64)) *
                     cdf.narrow(1, categories - 1, 1);
    // The first category whose running sum exceeds u (zero-weight categories are never chosen).
    out = searchsorted(cdf, u, false, true).clamp_max(categories - 1);
  } else {
    // Zero weights race at 0, so they come last (torch draws them too when it must).
    // E = -log(1 - u) is exponential (1 - u is in (0, 1]).
    const Tensor exponential =
        (1 - rand(w.sizes(), generator, TensorOptions(kFloat64))).log().neg();
    const Tensor race = w.to(kFloat64) / exponential;
    out = std::get<1>(race.topk(num_samples, 1));
  }
  return probs.dim() == 1 ? out.squeeze(0) : out;
}

}  // namespace ember
