#pragma once
// Shared pieces of the Python bindings: what each file registers, and the conversions between
// Python values and Ember's argument types that every binding file uses.
#include <pybind11/pybind11.h>

#include <ember/ember.h>

#include <optional>
#include <string>
#include <vector>

namespace ember::python {

namespace py = pybind11;

void bind_dtype_and_device(py::module_& m);
void bind_tensor(py::module_& m);
void bind_op_table(py::module_& m);
void bind_tensor_reductions(py::module_& m);
void bind_functions(py::module_& m);
void bind_generator(py::module_& m);
/// A generator= argument: None, or a torch.Generator (TypeError otherwise).
std::optional<Generator> optional_generator(py::handle generator);
void bind_autograd(py::module_& m);
void bind_numpy(py::module_& m);
void bind_nn(py::module_& m);
/// Into ember._C._nn: the composed convolutions, pools and resampling.
void bind_nn_layers(py::module_& m);
/// Into ember._C._nn: the margin, embedding and likelihood losses (python/src/nn_losses.cpp).
void bind_nn_losses(py::module_& m);
/// Into ember._C._nn: the CTC loss and fractional max pooling (python/src/nn_ctc_pool.cpp).
void bind_nn_ctc_pool(py::module_& m);
/// A loss's reduction from torch's name for it ("mean", "sum", "none", "batchmean").
nn::Reduction to_reduction(const std::string& name);
/// Into ember._C._nn: multi_head_attention_forward.
void bind_nn_attention(py::module_& m);
/// Into ember._C._nn: grid_sampler, affine_grid and their ATen forms (python/src/nn_grid.cpp).
void bind_nn_grid(py::module_& m);
/// Into ember._C._nn: packed sequences (torch.nn.utils.rnn) and the recurrent functions' packed
/// overloads; called by bind_recurrent.
void bind_packed_sequences(py::module_& m);
void bind_optim(py::module_& m);
void bind_composed(py::module_& m);
/// Into ember._C: the bit operations (python/src/bitwise.cpp).
void bind_bitwise(py::module_& m);
/// Into ember._C: meshgrid, the spaced sequences and windows, vander, combinations, trapezoid
/// and isin (python/src/sequences.cpp).
void bind_sequences(py::module_& m);
/// The ops of ember/ops/tensor_coverage_composed.h and their Tensor methods
/// (python/src/tensor_coverage.cpp).
void bind_tensor_coverage(py::module_& m);
void bind_dlpack(py::module_& m);
void bind_math(py::module_& m);
void bind_order_statistics(py::module_& m);
void bind_search(py::module_& m);
/// Into ember._C._linalg: the decompositions and solvers (python/src/linalg.cpp).
void bind_linalg(py::module_& m);
/// Into ember._C._func: the function transforms (ember::func).
void bind_func(py::module_& m);
/// ember._C._distributed (python/src/distributed.cpp).
void bind_distributed(py::module_& m);
/// ember._C._profiler: the autograd profiler (python/src/profiler.cpp).
void bind_profiler(py::module_& m);

// ---- Conversions ------------------------------------------------------------------------------

/// The Python object for a dtype (one object per dtype, so `t.dtype is torch.float32` holds).
py::object dtype_object(ScalarType type);
/// A dtype from `ember.float32`, or from Python's float, int or bool types.
ScalarType to_dtype(py::handle obj);
/// A dtype argument that may be None.
std::optional<ScalarType> to_optional_dtype(py::handle obj);
/// A device from `ember.device(...)` or a string such as "cpu" or "cuda:0".
Device to_device(py::handle obj);
/// The same, for a device that tensors are about to be put on: a device this build has no
/// backend for raises AssertionError, as torch does ("not compiled with CUDA enabled").
Device usable_device(py::handle obj);
void check_usable(Device device);

/// True for Python numbers (bool, int, float and NumPy scalars) that can become a Scalar.
bool is_number(py::handle obj);
/// A Python number as a Scalar of the same category.
Scalar to_scalar(py::handle obj);
/// A Scalar as a Python bool, int or float.
py::object scalar_object(const Scalar& s);

/// A shape given as `f(2, 3)` or `f((2, 3))` / `f([2, 3])` / `f(torch.Size([2, 3]))`.
DimVector shape_from_args(const py::args& args, const char* op);
/// A shape or list of dims given as one int or a sequence of ints.
DimVector int_list(py::handle obj, const char* op);
/// One int for argument `arg` of op (an index-like object; bool refused), else a TypeError.
int64_t int_arg(py::handle obj, const char* op, const char* arg);
/// sizes() as a `torch.Size`.
py::object size_object(IntArrayRef sizes);

/// A tensor from nested lists, tuples, numbers, NumPy arrays or tensors (always a copy).
Tensor tensor_from_data(py::handle data, std::optional<ScalarType> dtype);
/// True for an ember.Tensor; as_tensor borrows it without a copy.
bool is_tensor(py::handle obj);
const Tensor& as_tensor(py::handle obj);
/// A new Python handle on t (what returning a Tensor from a binding does, without the lookups).
py::object wrap(Tensor t);
/// A graph node as a Python object whose type is named after the node's kind (MulBackward0, or
/// MyReLUBackward for a custom Function), a subclass of ember._C.Node made once per kind, as
/// torch's grad_fn classes; None for a null node.
py::object node_object(const std::shared_ptr<autograd::Node>& node);
/// Caches the Tensor class for the three above; called once bind_tensor has registered it.
void register_tensor_type();

/// isinstance(obj, numpy.ndarray) and isinstance(obj, numpy.generic) (a NumPy scalar).
bool is_numpy_array(py::handle obj);
bool is_numpy_scalar(py::handle obj);
/// A tensor sharing a NumPy array's memory (ember.from_numpy). Sharing a read-only array warns
/// (writes through the tensor would change it) unless the caller copies the result at once.
Tensor from_numpy_array(py::handle array, bool warn_if_read_only = true);
/// A NumPy array sharing a CPU tensor's memory (Tensor.numpy()).
py::object tensor_to_numpy(const Tensor& t);
/// Hands the C++ side the Python types defined in the pure-Python package (torch.Size).
void set_python_types(py::handle size);

/// (values, indices) as torch.return_types.<name>: a named tuple, so `.values` works too.
py::object values_indices(const char* name, const std::tuple<Tensor, Tensor>& result);
/// Python's None for an undefined tensor, else the tensor.
py::object optional_tensor(const Tensor& t);
/// An undefined tensor for None, else the tensor.
Tensor tensor_or_undefined(py::handle obj);
/// A Python sequence of tensors (or one tensor) as a list.
std::vector<Tensor> tensor_list(py::handle obj);

/// Tensor indices from `t[...]`'s key: ints, slices, None, Ellipsis, bools, tensors, lists.
std::vector<indexing::TensorIndex> to_indices(py::handle key);

/// Keeps a Python object alive from C++ (hooks, custom functions) and takes the GIL to drop it,
/// because the engine may free the graph on a thread that does not hold the GIL.
class PyObjectRef {
 public:
  explicit PyObjectRef(py::object obj) : obj_(std::move(obj)) {}
  PyObjectRef(const PyObjectRef&) = delete;
  PyObjectRef& operator=(const PyObjectRef&) = delete;
  ~PyObjectRef();
  const py::object& get() const { return obj_; }

 private:
  py::object obj_;
};

}  // namespace ember::python
