// ember._C._optim: the optimizers' update rules, one C++ function per algorithm (the same ones
// the C++ optimizers call), and the schedulers' rules, so torch.optim's Python classes keep only
// their bookkeeping. State a step creates (a first momentum buffer, say) is returned.
#include <pybind11/stl.h>

#include <deque>
#include <optional>
#include <type_traits>
#include <utility>

#include "bindings.h"

namespace ember::python {
namespace {

// The C++ options of one optimizer, filled from a Python group's entries of the same names and
// checked: torch.optim's constructors raise the same ValueErrors as the C++ optimizers.
template <typename Options>
Options options_from(py::dict group) {
  Options options(group["lr"].cast<double>());
  auto read = [&](const char* name, auto& field) {
    if (group.contains(name)) field = group[name].cast<std::decay_t<decltype(field)>>();
  };
  Options::fields(options, read);
  options.validate();
  return options;
}

template <typename Options>
void validate(py::dict group) {
  options_from<Options>(group);
}

// A state field from Python, where None stands for an undefined tensor (torch keeps `al` as a
// list of Nones until used).
template <typename T>
T field_from(py::handle value) {
  if constexpr (std::is_same_v<T, Tensor>) {
    return tensor_or_undefined(value);
  } else if constexpr (std::is_same_v<T, std::deque<Tensor>>) {
    const std::vector<Tensor> list = tensor_list(value);
    return T(list.begin(), list.end());
  } else if constexpr (std::is_same_v<T, std::optional<std::vector<Tensor>>>) {
    return value.is_none() ? T() : T(tensor_list(value));
  } else {
    return value.cast<T>();
  }
}

template <typename T>
py::object field_to(const T& value) {
  if constexpr (std::is_same_v<T, Tensor>) {
    return optional_tensor(value);
  } else if constexpr (std::is_same_v<T, std::deque<Tensor>> ||
                       std::is_same_v<T, std::vector<Tensor>>) {
    py::list list;
    for (const Tensor& t : value) list.append(optional_tensor(t));
    return std::move(list);
  } else if constexpr (std::is_same_v<T, std::optional<std::vector<Tensor>>>) {
    return value ? field_to(*value) : py::none();
  } else {
    return py::cast(value);
  }
}

// torch.optim.LBFGS.step: the C++ step over the group's parameters, its state kept in the
// Python state dict under torch's names. Returns what the closure first returned.
py::object lbfgs_step(const std::vector<Tensor>& params, py::dict group, py::dict state,
                      py::object closure) {
  const auto options = options_from<optim::LBFGSOptions>(group);
  optim::LBFGSParamState s;
  auto read = [&](const char* name, auto& field) {
    if (state.contains(name)) field = field_from<std::decay_t<decltype(field)>>(state[name]);
  };
  optim::LBFGSParamState::fields(s, read);
  py::object first;
  auto evaluate = [&]() -> Tensor {
    py::object loss = closure();
    if (!first) first = loss;
    return is_tensor(loss) ? as_tensor(loss)
                           : scalar_tensor(py::float_(loss).cast<double>(), kFloat64);
  };
  optim::detail::lbfgs_step(params, options, s, evaluate);
  auto write = [&](const char* name, const auto& field) { state[name] = field_to(field); };
  optim::LBFGSParamState::fields(std::as_const(s), write);
  return first;
}

void bind_validation(py::module_& m) {
  using Check = void (*)(py::dict);
  const std::pair<const char*, Check> checks[] = {{"SGD", &validate<optim::SGDOptions>},
                                                  {"Adam", &validate<optim::AdamOptions>},
                                                  {"AdamW", &validate<optim::AdamWOptions>},
                                                  {"RMSprop", &validate<optim::RMSpropOptions>},
                                                  {"Adagrad", &validate<optim::AdagradOptions>},
                                                  {"Adadelta", &validate<optim::AdadeltaOptions>},
                                                  {"Adamax", &validate<optim::AdamaxOptions>},
                                                  {"NAdam", &validate<optim::NAdamOptions>},
                                                  {"RAdam", &validate<optim::RAdamOptions>},
                                                  {"Rprop", &validate<optim::RpropOptions>},
                                                  {"ASGD", &validate<optim::ASGDOptions>},
                                                  {"LBFGS", &validate<optim::LBFGSOptions>}};
  py::dict table;
  for (const auto& [name, check] : checks) table[name] = py::cpp_function(check);
  m.attr("_validators") = table;
}

}  // namespace

void bind_optim(py::module_& parent) {
  py::module_ m = parent.def_submodule("_optim", "fused optimizer steps");
  bind_validation(m);
  m.def("_lbfgs_step", &lbfgs_step, py::arg("params"), py::arg("group"), py::arg("state"),
        py::arg("closure"));
  m.def(
      "_fused_adam_",
      [](Tensor param, const Tensor& grad, Tensor exp_avg, Tensor exp_avg_sq,
         py::handle max_exp_avg_sq, double lr, double beta1, double beta2, double eps, int64_t step,
         double weight_decay, bool decoupled_weight_decay, bool maximize) {
        Tensor max_sq = tensor_or_undefined(max_exp_avg_sq);
        _fused_adam_(param, grad, exp_avg, exp_avg_sq, max_sq, lr, beta1, beta2, eps, step,
                     weight_decay, decoupled_weight_decay, maximize);
      },
      py::arg("param"), py::arg("grad"), py::arg("exp_avg"), py::arg("exp_avg_sq"),
      py::arg("max_exp_avg_sq"), py::arg("lr"), py::arg("beta1"), py::arg("beta2"), py::arg("eps"),
      py::arg("step"), py::arg("weight_decay") = 0.0, py::arg("decoupled_weight_decay") = false,
      py::arg("maximize") = false);
  m.def(
      "_fused_sgd_",
      [](Tensor param, const Tensor& grad, py::handle momentum_buffer, double lr, double momentum,
         double dampening, double weight_decay, bool nesterov, bool maximize) {
        Tensor buffer = tensor_or_undefined(momentum_buffer);
        _fused_sgd_(param, grad, buffer, lr, momentum, dampening, weight_decay, nesterov, maximize);
        return optional_tensor(buffer);
      },
      py::arg("param"), py::arg("grad"), py::arg("momentum_buffer"), py::arg("lr"),
      py::arg("momentum"), py::arg("dampening"), py::arg("weight_decay"), py::arg("nesterov"),
      py::arg("maximize"));
  m.def(
      "_fused_rmsprop_",
      [](Tensor param, const Tensor& grad, py::handle square_avg, py::handle momentum_buffer,
         py::handle grad_avg, double lr, double alpha, double eps, double weight_decay,
         double momentum, bool centered, bool maximize) {
        Tensor square = tensor_or_undefined(square_avg);
        Tensor buffer = tensor_or_undefined(momentum_buffer);
        Tensor average = tensor_or_undefined(grad_avg);
        _fused_rmsprop_(param, grad, square, buffer, average, lr, alpha, eps, weight_decay,
                        momentum, centered, maximize);
        return py::make_tuple(optional_tensor(square), optional_tensor(buffer),
                              optional_tensor(average));
      },
      py::arg("param"), py::arg("grad"), py::arg("square_avg"), py::arg("momentum_buffer"),
      py::arg("grad_avg"), py::arg("lr"), py::arg("alpha"), py::arg("eps"), py::arg("weight_decay"),
      py::arg("momentum"), py::arg("centered"), py::arg("maximize"));
  m.def(
      "_fused_adagrad_",
      [](Tensor param, const Tensor& grad, Tensor sum, double lr, double lr_decay,
         double weight_decay, double eps, int64_t step, bool maximize) {
        _fused_adagrad_(param, grad, sum, lr, lr_decay, weight_decay, eps, step, maximize);
      },
      py::arg("param"), py::arg("grad"), py::arg("sum"), py::arg("lr"), py::arg("lr_decay"),
      py::arg("weight_decay"), py::arg("eps"), py::arg("step"), py::arg("maximize"));

  m.def("_fused_adamax_", [](Tensor param, const Tensor& grad, py::handle exp_avg,
                             py::handle exp_inf, double lr, double beta1, double beta2, double eps,
                             double weight_decay, int64_t step, bool maximize) {
    Tensor average = tensor_or_undefined(exp_avg), norm = tensor_or_undefined(exp_inf);
    _fused_adamax_(param, grad, average, norm, lr, beta1, beta2, eps, weight_decay, step, maximize);
    return py::make_tuple(average, norm);
  });
  m.def("_fused_nadam_",
        [](Tensor param, const Tensor& grad, py::handle exp_avg, py::handle exp_avg_sq,
           double mu_product, double lr, double beta1, double beta2, double eps,
           double weight_decay, double momentum_decay, int64_t step) {
          Tensor average = tensor_or_undefined(exp_avg), square = tensor_or_undefined(exp_avg_sq);
          _fused_nadam_(param, grad, average, square, mu_product, lr, beta1, beta2, eps,
                        weight_decay, momentum_decay, step);
          return py::make_tuple(average, square, mu_product);
        });
  m.def("_fused_radam_",
        [](Tensor param, const Tensor& grad, py::handle exp_avg, py::handle exp_avg_sq, double lr,
           double beta1, double beta2, double eps, double weight_decay, int64_t step) {
          Tensor average = tensor_or_undefined(exp_avg), square = tensor_or_undefined(exp_avg_sq);
          _fused_radam_(param, grad, average, square, lr, beta1, beta2, eps, weight_decay, step);
          return py::make_tuple(average, square);
        });
  m.def("_fused_adadelta_",
        [](Tensor param, const Tensor& grad, py::handle square_avg, py::handle acc_delta, double lr,
           double rho, double eps, double weight_decay, bool maximize) {
          Tensor square = tensor_or_undefined(square_avg), delta = tensor_or_undefined(acc_delta);
          _fused_adadelta_(param, grad, square, delta, lr, rho, eps, weight_decay, maximize);
          return py::make_tuple(square, delta);
        });
  m.def("_fused_rprop_",
        [](Tensor param, const Tensor& grad, Tensor prev, Tensor step_size, double eta_minus,
           double eta_plus, double step_size_min, double step_size_max, bool maximize) {
          _fused_rprop_(param, grad, prev, step_size, eta_minus, eta_plus, step_size_min,
                        step_size_max, maximize);
        });
  m.def("_fused_asgd_", [](Tensor param, const Tensor& grad, py::handle ax, double eta, double mu,
                           double lr, double lambd, double alpha, double t0, double weight_decay,
                           int64_t step, bool maximize) {
    Tensor average = tensor_or_undefined(ax);
    _fused_asgd_(param, grad, average, eta, mu, lr, lambd, alpha, t0, weight_decay, step, maximize);
    return py::make_tuple(average, eta, mu);
  });

  // The schedulers' rules, on one lr (chained from the previous epoch's, or in closed form from
  // the base lr), which lr_scheduler.py applies to each parameter group.
  m.def("_step_lr", &optim::StepLR::chained_lr);
  m.def("_step_lr_closed_form", &optim::StepLR::closed_form_lr);
  m.def("_multi_step_lr", &optim::MultiStepLR::chained_lr);
  m.def("_multi_step_lr_closed_form", &optim::MultiStepLR::closed_form_lr);
  m.def("_exponential_lr", &optim::ExponentialLR::chained_lr);
  m.def("_exponential_lr_closed_form", &optim::ExponentialLR::closed_form_lr);
  m.def("_cosine_annealing_lr", &optim::CosineAnnealingLR::chained_lr);
  m.def("_cosine_annealing_lr_closed_form", &optim::CosineAnnealingLR::closed_form_lr);
  m.def("_constant_lr", &optim::ConstantLR::chained_lr);
  m.def("_constant_lr_closed_form", &optim::ConstantLR::closed_form_lr);
  m.def("_constant_lr_check", &optim::ConstantLR::check);
  m.def("_linear_lr", &optim::LinearLR::chained_lr);
  m.def("_linear_lr_closed_form", &optim::LinearLR::closed_form_lr);
  m.def("_linear_lr_check", &optim::LinearLR::check);
  m.def("_polynomial_lr", &optim::PolynomialLR::chained_lr);
  m.def("_polynomial_lr_closed_form", &optim::PolynomialLR::closed_form_lr);
  m.def("_polynomial_lr_check", &optim::PolynomialLR::check);
  m.def("_plateau_reduced_lr", &optim::ReduceLROnPlateauScheduler::reduced_lr);
  // One epoch of ReduceLROnPlateau: (best, num_bad_epochs, cooldown_counter, reduce now).
  m.def("_plateau_step", [](double metric, double best, int64_t num_bad_epochs,
                            int64_t cooldown_counter, bool maximize, double threshold,
                            bool relative, int64_t patience, int64_t cooldown) {
    optim::PlateauState state{best, num_bad_epochs, cooldown_counter};
    const bool reduce =
        optim::plateau_step(state, metric, {maximize, threshold, relative, patience, cooldown});
    return py::make_tuple(state.best, state.num_bad_epochs, state.cooldown_counter, reduce);
  });
}

}  // namespace ember::python
