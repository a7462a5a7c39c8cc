// ember._C._linalg: the decompositions and solvers of ember/ops/linalg_decompositions.h with
// torch's argument names. ember/linalg.py wraps the tuples in torch.return_types' named tuples
// and adds the torch-level names and Tensor methods. LinAlgError becomes its own Python type, a
// RuntimeError subclass, as torch.linalg.LinAlgError is.
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <vector>

#include "bindings.h"

namespace ember::python {
namespace {

// A tolerance given as a number, a 0-dim tensor or None.
std::optional<double> tolerance(py::handle value) {
  if (value.is_none()) return std::nullopt;
  if (is_tensor(value)) return as_tensor(value).item<double>();
  return value.cast<double>();
}

// pinv's and matrix_rank's tolerances: numbers (or None), or else tensors (or None), one per batch
// entry; ember/linalg.py refuses a mix, as torch's overloads do.
template <typename F>
Tensor with_tolerances(py::handle atol, py::handle rtol, const F& f) {
  if (!is_tensor(atol) && !is_tensor(rtol)) return f(tolerance(atol), tolerance(rtol));
  auto tensor = [](py::handle v) {
    return v.is_none() ? std::optional<Tensor>() : std::optional<Tensor>(as_tensor(v));
  };
  return f(tensor(atol), tensor(rtol));
}

std::optional<std::vector<int64_t>> dims(py::handle dim, const char* op) {
  if (dim.is_none()) return std::nullopt;
  const DimVector d = int_list(dim, op);
  return std::vector<int64_t>(d.begin(), d.end());
}

}  // namespace

void bind_linalg(py::module_& parent) {
  py::module_ m = parent.def_submodule("_linalg", "ember::linalg (torch.linalg)");
  py::register_exception<LinAlgError>(m, "LinAlgError", PyExc_RuntimeError);

  m.def("inv", &linalg::inv, py::arg("A"));
  m.def("inv_ex", &linalg::inv_ex, py::arg("A"), py::arg("check_errors") = false);
  m.def("det", &linalg::det, py::arg("A"));
  m.def("slogdet", &linalg::slogdet, py::arg("A"));
  m.def("solve", &linalg::solve, py::arg("A"), py::arg("B"), py::arg("left") = true);
  m.def("solve_ex", &linalg::solve_ex, py::arg("A"), py::arg("B"), py::arg("left") = true,
        py::arg("check_errors") = false);
  m.def("cholesky", &linalg::cholesky, py::arg("A"), py::arg("upper") = false);
  m.def("cholesky_ex", &linalg::cholesky_ex, py::arg("A"), py::arg("upper") = false,
        py::arg("check_errors") = false);
  m.def(
      "qr", [](const Tensor& A, const std::string& mode) { return linalg::qr(A, mode); },
      py::arg("A"), py::arg("mode") = "reduced");
  m.def(
      "eigh", [](const Tensor& A, const std::string& uplo) { return linalg::eigh(A, uplo); },
      py::arg("A"), py::arg("UPLO") = "L");
  m.def(
      "eigvalsh",
      [](const Tensor& A, const std::string& uplo) { return linalg::eigvalsh(A, uplo); },
      py::arg("A"), py::arg("UPLO") = "L");
  m.def("svd", &linalg::svd, py::arg("A"), py::arg("full_matrices") = true);
  m.def("svdvals", &linalg::svdvals, py::arg("A"));
  m.def("solve_triangular", &linalg::solve_triangular, py::arg("A"), py::arg("B"), py::arg("upper"),
        py::arg("left") = true, py::arg("unitriangular") = false);
  m.def(
      "pinv",
      [](const Tensor& A, py::handle atol, py::handle rtol, bool hermitian) {
        return with_tolerances(atol, rtol, [&](const auto& a, const auto& r) {
          return linalg::pinv(A, a, r, hermitian);
        });
      },
      py::arg("A"), py::arg("atol") = py::none(), py::arg("rtol") = py::none(),
      py::arg("hermitian") = false);
  m.def(
      "matrix_rank",
      [](const Tensor& A, py::handle atol, py::handle rtol, bool hermitian) {
        return with_tolerances(atol, rtol, [&](const auto& a, const auto& r) {
          return linalg::matrix_rank(A, a, r, hermitian);
        });
      },
      py::arg("A"), py::arg("atol") = py::none(), py::arg("rtol") = py::none(),
      py::arg("hermitian") = false);
  m.def(
      "lstsq",
      [](const Tensor& A, const Tensor& B, py::handle rcond, std::optional<std::string> driver) {
        std::optional<std::string_view> d;
        if (driver) d = *driver;
        return linalg::lstsq(A, B, tolerance(rcond), d);
      },
      py::arg("A"), py::arg("B"), py::arg("rcond") = py::none(), py::arg("driver") = py::none());
  m.def("lu_factor", &linalg::lu_factor, py::arg("A"), py::arg("pivot") = true);
  m.def("lu_factor_ex", &linalg::lu_factor_ex, py::arg("A"), py::arg("pivot") = true,
        py::arg("check_errors") = false);
  m.def("lu", &linalg::lu, py::arg("A"), py::arg("pivot") = true);
  m.def("lu_solve", &linalg::lu_solve, py::arg("LU"), py::arg("pivots"), py::arg("B"),
        py::arg("left") = true, py::arg("adjoint") = false);
  m.def("matrix_exp", &linalg::matrix_exp, py::arg("A"));
  m.def(
      "vector_norm",
      [](const Tensor& x, py::handle ord, py::handle dim, bool keepdim) {
        const std::optional<std::vector<int64_t>> d = dims(dim, "linalg.vector_norm");
        return linalg::vector_norm(x, to_scalar(ord), d ? IntArrayRef(*d) : IntArrayRef(), keepdim);
      },
      py::arg("x"), py::arg("ord") = 2, py::arg("dim") = py::none(), py::arg("keepdim") = false);
  m.def(
      "matrix_norm",
      [](const Tensor& A, py::handle ord, py::handle dim, bool keepdim) {
        const std::vector<int64_t> d = *dims(dim, "linalg.matrix_norm");
        if (py::isinstance<py::str>(ord))
          return linalg::matrix_norm(A, ord.cast<std::string>(), d, keepdim);
        return linalg::matrix_norm(A, to_scalar(ord), d, keepdim);
      },
      py::arg("A"), py::arg("ord") = "fro", py::arg("dim") = std::vector<int64_t>{-2, -1},
      py::arg("keepdim") = false);
  m.def(
      "norm",
      [](const Tensor& A, py::handle ord, py::handle dim, bool keepdim) {
        const auto d = dims(dim, "linalg.norm");
        if (py::isinstance<py::str>(ord))
          return linalg::norm(A, ord.cast<std::string>(), d, keepdim);
        std::optional<Scalar> order;
        if (!ord.is_none()) order = to_scalar(ord);
        return linalg::norm(A, order, d, keepdim);
      },
      py::arg("A"), py::arg("ord") = py::none(), py::arg("dim") = py::none(),
      py::arg("keepdim") = false);
  m.def(
      "cond",
      [](const Tensor& A, py::handle p) {
        if (py::isinstance<py::str>(p)) return linalg::cond(A, p.cast<std::string>());
        std::optional<Scalar> order;
        if (!p.is_none()) order = to_scalar(p);
        return linalg::cond(A, order);
      },
      py::arg("A"), py::arg("p") = py::none());
  m.def(
      "multi_dot", [](py::handle tensors) { return linalg::multi_dot(tensor_list(tensors)); },
      py::arg("tensors"));

  // The torch-level names whose arguments differ from torch.linalg's.
  m.def("logdet", &logdet, py::arg("input"));
  m.def("cholesky_solve", &cholesky_solve, py::arg("input"), py::arg("input2"),
        py::arg("upper") = false);
  m.def("cholesky_inverse", &cholesky_inverse, py::arg("input"), py::arg("upper") = false);
  m.def("lu_unpack", &lu_unpack, py::arg("LU_data"), py::arg("LU_pivots"),
        py::arg("unpack_data") = true, py::arg("unpack_pivots") = true);
  m.def("triangular_solve", &triangular_solve, py::arg("input"), py::arg("A"),
        py::arg("upper") = true, py::arg("transpose") = false, py::arg("unitriangular") = false);
  m.def(
      "qr_legacy", [](const Tensor& A, bool some) { return qr(A, some); }, py::arg("input"),
      py::arg("some") = true);
  m.def(
      "svd_legacy",
      [](const Tensor& A, bool some, bool compute_uv) { return svd(A, some, compute_uv); },
      py::arg("input"), py::arg("some") = true, py::arg("compute_uv") = true);
  m.def("pinverse", &pinverse, py::arg("input"), py::arg("rcond") = 1e-15);
}

}  // namespace ember::python
