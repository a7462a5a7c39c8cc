// ember._C._nn's margin, embedding and likelihood losses, with torch's argument names; the
// old size_average/reduce flags are mapped onto reduction in ember/nn/functional.py.
#include "bindings.h"

namespace ember::python {

namespace F = nn::functional;

void bind_nn_losses(py::module_& m) {
  m.def(
      "margin_ranking_loss",
      [](const Tensor& a, const Tensor& b, const Tensor& y, double margin,
         const std::string& reduction) {
        return F::margin_ranking_loss(
            a, b, y,
            F::MarginRankingLossFuncOptions().margin(margin).reduction(to_reduction(reduction)));
      },
      py::arg("input1"), py::arg("input2"), py::arg("target"), py::arg("margin") = 0.0,
      py::arg("reduction") = "mean");
  m.def(
      "hinge_embedding_loss",
      [](const Tensor& x, const Tensor& y, double margin, const std::string& reduction) {
        return F::hinge_embedding_loss(
            x, y,
            F::HingeEmbeddingLossFuncOptions().margin(margin).reduction(to_reduction(reduction)));
      },
      py::arg("input"), py::arg("target"), py::arg("margin") = 1.0, py::arg("reduction") = "mean");
  m.def(
      "soft_margin_loss",
      [](const Tensor& x, const Tensor& y, const std::string& reduction) {
        return F::soft_margin_loss(x, y, F::SoftMarginLossFuncOptions(to_reduction(reduction)));
      },
      py::arg("input"), py::arg("target"), py::arg("reduction") = "mean");
  m.def(
      "cosine_embedding_loss",
      [](const Tensor& a, const Tensor& b, const Tensor& y, double margin,
         const std::string& reduction) {
        return F::cosine_embedding_loss(
            a, b, y,
            F::CosineEmbeddingLossFuncOptions().margin(margin).reduction(to_reduction(reduction)));
      },
      py::arg("input1"), py::arg("input2"), py::arg("target"), py::arg("margin") = 0.0,
      py::arg("reduction") = "mean");
  m.def(
      "multi_margin_loss",
      [](const Tensor& x, const Tensor& y, int64_t p, double margin, py::handle weight,
         const std::string& reduction) {
        return F::multi_margin_loss(x, y,
                                    F::MultiMarginLossFuncOptions()
                                        .p(p)
                                        .margin(margin)
                                        .weight(tensor_or_undefined(weight))
                                        .reduction(to_reduction(reduction)));
      },
      py::arg("input"), py::arg("target"), py::arg("p") = 1, py::arg("margin") = 1.0,
      py::arg("weight") = py::none(), py::arg("reduction") = "mean");
  m.def(
      "multilabel_margin_loss",
      [](const Tensor& x, const Tensor& y, const std::string& reduction) {
        return F::multilabel_margin_loss(
            x, y, F::MultilabelMarginLossFuncOptions(to_reduction(reduction)));
      },
      py::arg("input"), py::arg("target"), py::arg("reduction") = "mean");
  m.def(
      "multilabel_soft_margin_loss",
      [](const Tensor& x, const Tensor& y, py::handle weight, const std::string& reduction) {
        return F::multilabel_soft_margin_loss(x, y,
                                              F::MultilabelSoftMarginLossFuncOptions()
                                                  .weight(tensor_or_undefined(weight))
                                                  .reduction(to_reduction(reduction)));
      },
      py::arg("input"), py::arg("target"), py::arg("weight") = py::none(),
      py::arg("reduction") = "mean");
  m.def(
      "triplet_margin_loss",
      [](const Tensor& a, const Tensor& pos, const Tensor& neg, double margin, double p, double eps,
         bool swap, const std::string& reduction) {
        return F::triplet_margin_loss(
            a, pos, neg,
            F::TripletMarginLossFuncOptions().margin(margin).p(p).eps(eps).swap(swap).reduction(
                to_reduction(reduction)));
      },
      py::arg("anchor"), py::arg("positive"), py::arg("negative"), py::arg("margin") = 1.0,
      py::arg("p") = 2.0, py::arg("eps") = 1e-6, py::arg("swap") = false,
      py::arg("reduction") = "mean");
  m.def(
      "triplet_margin_with_distance_loss",
      [](const Tensor& a, const Tensor& pos, const Tensor& neg, py::object distance, double margin,
         bool swap, const std::string& reduction) {
        auto options =
            F::TripletMarginWithDistanceLossFuncOptions().margin(margin).swap(swap).reduction(
                to_reduction(reduction));
        if (!distance.is_none())
          options.distance_function([distance](const Tensor& x, const Tensor& y) {
            return distance(x, y).cast<Tensor>();
          });
        return F::triplet_margin_with_distance_loss(a, pos, neg, options);
      },
      py::arg("anchor"), py::arg("positive"), py::arg("negative"),
      py::arg("distance_function") = py::none(), py::arg("margin") = 1.0, py::arg("swap") = false,
      py::arg("reduction") = "mean");
  m.def(
      "poisson_nll_loss",
      [](const Tensor& x, const Tensor& y, bool log_input, bool full, double eps,
         const std::string& reduction) {
        return F::poisson_nll_loss(
            x, y,
            F::PoissonNLLLossFuncOptions().log_input(log_input).full(full).eps(eps).reduction(
                to_reduction(reduction)));
      },
      py::arg("input"), py::arg("target"), py::arg("log_input") = true, py::arg("full") = false,
      py::arg("eps") = 1e-8, py::arg("reduction") = "mean");
  m.def(
      "gaussian_nll_loss",
      [](const Tensor& x, const Tensor& y, const Tensor& var, bool full, double eps,
         const std::string& reduction) {
        return F::gaussian_nll_loss(
            x, y, var,
            F::GaussianNLLLossFuncOptions().full(full).eps(eps).reduction(to_reduction(reduction)));
      },
      py::arg("input"), py::arg("target"), py::arg("var"), py::arg("full") = false,
      py::arg("eps") = 1e-6, py::arg("reduction") = "mean");
}

}  // namespace ember::python
