// L-BFGS, PyTorch 1.13's algorithm (torch/optim/lbfgs.py): the two-loop recursion over a
// bounded history of curvature pairs, a fixed step or a strong-Wolfe line search, and PyTorch's
// stopping rules.
#include "ember/optim/lbfgs.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "check_args.h"
#include "ember/autograd/grad_mode.h"
#include "ember/ops.h"

namespace ember::optim {

void LBFGSOptions::validate() const { detail::check_arg(0.0 <= lr(), "learning rate", lr()); }

void LBFGSParamState::load(const TensorDict& dict, const std::string& prefix, const Tensor&) {
  optim::detail::FieldReader reader(dict, prefix);
  fields(*this, reader);
}

namespace {

// The parameters seen as one flat vector: gradients gathered, steps scattered, values saved.
class FlatParams {
 public:
  explicit FlatParams(const std::vector<Tensor>& params) : params_(params) {}

  // The gradients as one vector (zeros for a parameter without one).
  Tensor gather_grad() const {
    std::vector<Tensor> views;
    views.reserve(params_.size());
    for (const Tensor& p : params_)
      views.push_back(p.grad().defined() ? p.grad().reshape({-1})
                                         : zeros({p.numel()}, p.options()));
    return cat(views, 0);
  }
  // p += step * update, each parameter from its slice of update.
  void add(double step, const Tensor& update) const {
    NoGradGuard no_grad;
    int64_t offset = 0;
    for (const Tensor& p : params_) {
      const int64_t n = p.numel();
      p.add_(update.slice(0, offset, offset + n).view_as(p), step);
      offset += n;
    }
  }
  std::vector<Tensor> clone() const {
    NoGradGuard no_grad;
    std::vector<Tensor> out;
    for (const Tensor& p : params_) out.push_back(p.clone());
    return out;
  }
  void set(const std::vector<Tensor>& values) const {
    NoGradGuard no_grad;
    for (size_t i = 0; i < params_.size(); ++i) params_[i].copy_(values[i]);
  }

 private:
  const std::vector<Tensor>& params_;
};

double as_double(const Tensor& t) { return t.item<double>(); }

// The loss the closure returns, with grad mode on.
Tensor evaluate(const Optimizer::LossClosure& closure) {
  EnableGradGuard enable_grad;
  return closure();
}

// The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2, kept within
// bounds (the two points by default); their midpoint when the cubic has no minimum.
double cubic_interpolate(double x1, double f1, double g1, double x2, double f2, double g2,
                         std::optional<std::pair<double, double>> bounds = std::nullopt) {
  const auto [lo, hi] = bounds ? *bounds : std::make_pair(std::min(x1, x2), std::max(x1, x2));
  const double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
  const double d2_square = d1 * d1 - g1 * g2;
  if (d2_square < 0) return (lo + hi) / 2;
  const double d2 = std::sqrt(d2_square);
  const double min_pos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                                  : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
  return std::min(std::max(min_pos, lo), hi);
}

// One point of the line search: step t, loss f, flat gradient g and directional slope gtd.
struct Point {
  double t = 0, f = 0;
  Tensor g;
  double gtd = 0;
};

struct SearchResult {
  double f;
  Tensor g;
  double t;
  int64_t evals;
};

// A step along d from the current parameters satisfying the strong Wolfe conditions (sufficient
// decrease c1, curvature c2): bracketing, then zooming in by cubic interpolation.
template <typename Objective>
SearchResult strong_wolfe(const Objective& objective, double t, const Tensor& d, double f,
                          const Tensor& g, double gtd, double tolerance_change) {
  constexpr double c1 = 1e-4, c2 = 0.9;
  constexpr int64_t max_ls = 25;
  const double d_norm = as_double(d.abs().max());
  auto [f_new, g_new] = objective(t, d);
  int64_t evals = 1;
  double gtd_new = as_double(g_new.dot(d));

  Point prev{0, f, g.clone(), gtd};
  std::vector<Point> bracket;
  bool done = false;
  int64_t ls_iter = 0;
  while (ls_iter < max_ls) {
    const bool too_far = f_new > f + c1 * t * gtd || (ls_iter > 1 && f_new >= prev.f);
    if (!too_far && std::abs(gtd_new) <= -c2 * gtd) {
      bracket = {{t, f_new, g_new, gtd_new}};
      done = true;
      break;
    }
    if (too_far || gtd_new >= 0) {  // a minimum lies between the previous point and this one
      bracket = {prev, {t, f_new, g_new.clone(), gtd_new}};
      break;
    }
    // Extrapolate between a little past t and ten times t.
    const double next = cubic_interpolate(prev.t, prev.f, prev.gtd, t, f_new, gtd_new,
                                          std::make_pair(t + 0.01 * (t - prev.t), t * 10));
    prev = {t, f_new, g_new.clone(), gtd_new};
    t = next;
    std::tie(f_new, g_new) = objective(t, d);
    ++evals;
    gtd_new = as_double(g_new.dot(d));
    ++ls_iter;
  }
  if (ls_iter == max_ls) bracket = {{0, f, g, gtd}, {t, f_new, g_new, gtd_new}};

  // Zoom: shrink the bracket around a point meeting both conditions.
  bool insufficient_progress = false;
  size_t low = 0, high = 1;
  if (bracket.size() == 2 && bracket[0].f > bracket[1].f) std::swap(low, high);
  while (!done && ls_iter < max_ls) {
    if (std::abs(bracket[1].t - bracket[0].t) * d_norm < tolerance_change) break;
    t = cubic_interpolate(bracket[0].t, bracket[0].f, bracket[0].gtd, bracket[1].t, bracket[1].f,
                          bracket[1].gtd);
    const double b_max = std::max(bracket[0].t, bracket[1].t);
    const double b_min = std::min(bracket[0].t, bracket[1].t);
    const double eps = 0.1 * (b_max - b_min);
    if (std::min(b_max - t, t - b_min) < eps) {
      // Too close to an end: move away from it, at once if progress was already poor or t is
      // on or past an end.
      if (insufficient_progress || t >= b_max || t <= b_min) {
        t = std::abs(t - b_max) < std::abs(t - b_min) ? b_max - eps : b_min + eps;
        insufficient_progress = false;
      } else {
        insufficient_progress = true;
      }
    } else {
      insufficient_progress = false;
    }
    std::tie(f_new, g_new) = objective(t, d);
    ++evals;
    gtd_new = as_double(g_new.dot(d));
    ++ls_iter;
    if (f_new > f + c1 * t * gtd || f_new >= bracket[low].f) {
      bracket[high] = {t, f_new, g_new.clone(), gtd_new};
      low = bracket[0].f <= bracket[1].f ? 0 : 1;
      high = 1 - low;
    } else {
      if (std::abs(gtd_new) <= -c2 * gtd)
        done = true;
      else if (gtd_new * (bracket[high].t - bracket[low].t) >= 0)
        bracket[high] = bracket[low];
      bracket[low] = {t, f_new, g_new.clone(), gtd_new};
    }
  }
  const Point& best = bracket[low];
  return {best.f, best.g, best.t, evals};
}

}  // namespace

Tensor detail::lbfgs_step(const std::vector<Tensor>& params, const LBFGSOptions& o,
                          LBFGSParamState& state, const Optimizer::LossClosure& closure) {
  if (!closure) throw Error("LBFGS.step: LBFGS requires a closure that re-evaluates the model");
  const std::optional<std::string>& line_search = o.line_search_fn();
  if (line_search && *line_search != "strong_wolfe")
    throw Error("LBFGS.step: only 'strong_wolfe' is supported as line_search_fn, not '" +
                *line_search + "'");
  const int64_t max_eval = o.max_eval().value_or(o.max_iter() * 5 / 4);
  const double tolerance_change = o.tolerance_change();
  const FlatParams flat(params);
  auto small_gradient = [&](const Tensor& g) {
    return as_double(g.abs().max()) <= o.tolerance_grad();
  };

  const Tensor orig_loss = evaluate(closure);
  double loss = as_double(orig_loss);
  int64_t current_evals = 1;
  ++state.func_evals();
  Tensor flat_grad = flat.gather_grad();
  if (small_gradient(flat_grad)) return orig_loss;

  NoGradGuard no_grad;
  Tensor d = state.d();
  double t = state.t();
  auto& old_dirs = state.old_dirs();
  auto& old_stps = state.old_stps();
  auto& ro = state.ro();
  Tensor h_diag = state.H_diag();
  Tensor prev_flat_grad = state.prev_flat_grad();
  double prev_loss = state.prev_loss();

  for (int64_t n_iter = 1; n_iter <= o.max_iter(); ++n_iter) {
    ++state.n_iter();
    // The direction: steepest descent at first, then the two-loop recursion.
    if (state.n_iter() == 1) {
      d = flat_grad.neg();
      old_dirs.clear();
      old_stps.clear();
      ro.clear();
      h_diag = scalar_tensor(1, flat_grad.options());
    } else {
      const Tensor y = flat_grad.sub(prev_flat_grad);
      const Tensor s = d.mul(t);
      const Tensor ys = y.dot(s);
      if (as_double(ys) > 1e-10 && o.history_size() > 0) {
        if (static_cast<int64_t>(old_dirs.size()) == o.history_size()) {
          old_dirs.pop_front();
          old_stps.pop_front();
          ro.pop_front();
        }
        old_dirs.push_back(y);
        old_stps.push_back(s);
        ro.push_back(ys.reciprocal());
        h_diag = ys / y.dot(y);
      }
      if (!state.al()) state.al(std::vector<Tensor>(static_cast<size_t>(o.history_size())));
      std::vector<Tensor>& al = *state.al();
      const size_t num_old = old_dirs.size();
      Tensor q = flat_grad.neg();
      for (size_t i = num_old; i-- > 0;) {
        al[i] = old_stps[i].dot(q) * ro[i];
        q.add_(old_dirs[i], -as_double(al[i]));
      }
      d = q.mul(h_diag);
      for (size_t i = 0; i < num_old; ++i) {
        const Tensor be_i = old_dirs[i].dot(d) * ro[i];
        d.add_(old_stps[i], as_double(al[i] - be_i));
      }
    }
    if (prev_flat_grad.defined())
      prev_flat_grad.copy_(flat_grad);
    else
      prev_flat_grad = flat_grad.clone();
    prev_loss = loss;

    // The step length: the first is scaled so that it moves at most lr in total.
    t = state.n_iter() == 1 ? std::min(1.0, 1.0 / as_double(flat_grad.abs().sum())) * o.lr()
                            : o.lr();
    const double gtd = as_double(flat_grad.dot(d));
    if (gtd > -tolerance_change) break;  // not a descent direction

    int64_t ls_func_evals = 0;
    bool opt_cond = false;
    if (line_search) {
      const std::vector<Tensor> x_init = flat.clone();
      auto objective = [&](double step, const Tensor& direction) {
        flat.add(step, direction);
        const double f = as_double(evaluate(closure));
        Tensor g = flat.gather_grad();
        flat.set(x_init);
        return std::make_pair(f, g);
      };
      SearchResult found = strong_wolfe(objective, t, d, loss, flat_grad, gtd, tolerance_change);
      loss = found.f;
      flat_grad = found.g;
      t = found.t;
      ls_func_evals = found.evals;
      flat.add(t, d);
      opt_cond = small_gradient(flat_grad);
    } else {
      flat.add(t, d);
      if (n_iter != o.max_iter()) {
        // Re-evaluate for the next iteration (not after the last: step() is over then).
        loss = as_double(evaluate(closure));
        flat_grad = flat.gather_grad();
        opt_cond = small_gradient(flat_grad);
        ls_func_evals = 1;
      }
    }
    current_evals += ls_func_evals;
    state.func_evals() += ls_func_evals;

    if (n_iter == o.max_iter() || current_evals >= max_eval || opt_cond) break;
    if (as_double(d.mul(t).abs().max()) <= tolerance_change) break;  // the step is too small
    if (std::abs(loss - prev_loss) < tolerance_change) break;        // the loss stopped moving
  }

  state.d(d);
  state.t(t);
  state.H_diag(h_diag);
  state.prev_flat_grad(prev_flat_grad);
  state.prev_loss(prev_loss);
  return orig_loss;
}

LBFGS::LBFGS(std::vector<OptimizerParamGroup> param_groups, LBFGSOptions defaults)
    : OptimizerOf(std::move(param_groups), defaults) {
  if (this->param_groups().size() != 1)
    throw Error("LBFGS doesn't support per-parameter options (parameter groups)", ErrorKind::Value);
  // As LibTorch: the evaluation budget is fixed when the optimizer is made.
  if (!defaults.max_eval()) {
    const int64_t max_eval = defaults.max_iter() * 5 / 4;
    static_cast<LBFGSOptions&>(this->param_groups()[0].options()).max_eval(max_eval);
    static_cast<LBFGSOptions&>(this->defaults()).max_eval(max_eval);
  }
}

LBFGS::LBFGS(std::vector<Tensor> params, LBFGSOptions defaults)
    : LBFGS(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}

Tensor LBFGS::step(LossClosure closure) {
  OptimizerParamGroup& group = param_groups()[0];
  if (group.params().empty()) return closure ? evaluate(closure) : Tensor();
  std::unique_ptr<OptimizerParamState>& slot = state()[group.params()[0].unsafe_impl()];
  if (!slot) slot = make_state();
  return detail::lbfgs_step(group.params(), static_cast<const LBFGSOptions&>(group.options()),
                            static_cast<LBFGSParamState&>(*slot), closure);
}

void LBFGS::update(Tensor&, const Tensor&, OptimizerParamState&, const OptimizerOptions&) {
  throw Error("LBFGS.update: LBFGS updates all parameters together in step()");
}

}  // namespace ember::optim
