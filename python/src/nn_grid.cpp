// ember._C._nn's sampling at grid points: ATen's integer-coded grid_sampler (torch.grid_sampler,
// grid_sampler_2d, grid_sampler_3d), affine_grid_generator, and affine_grid with its argument
// checks. nn.functional.grid_sample maps the mode names to the codes in Python, as torch does.
#include <pybind11/stl.h>

#include "bindings.h"

namespace ember::python {

void bind_nn_grid(py::module_& m) {
  using Sampler = Tensor (*)(const Tensor&, const Tensor&, int64_t, int64_t, bool);
  const std::pair<const char*, Sampler> samplers[] = {{"grid_sampler", &grid_sampler},
                                                      {"grid_sampler_2d", &grid_sampler_2d},
                                                      {"grid_sampler_3d", &grid_sampler_3d}};
  for (const auto& [name, fn] : samplers)
    m.def(name, fn, py::arg("input"), py::arg("grid"), py::arg("interpolation_mode"),
          py::arg("padding_mode"), py::arg("align_corners"));
  m.def(
      "affine_grid_generator",
      [](const Tensor& theta, py::handle size, bool align_corners) {
        return affine_grid_generator(theta, int_list(size, "affine_grid_generator"), align_corners);
      },
      py::arg("theta"), py::arg("size"), py::arg("align_corners"));
  m.def(
      "affine_grid",
      [](const Tensor& theta, py::handle size, bool align_corners) {
        return nn::functional::affine_grid(theta, int_list(size, "affine_grid"), align_corners);
      },
      py::arg("theta"), py::arg("size"), py::arg("align_corners") = false);
}

}  // namespace ember::python
