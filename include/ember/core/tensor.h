#pragma once
/// Tensor: a cheap, shared handle to a TensorImpl, with LibTorch's method spellings.
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ember/core/array_ref.h"
#include "ember/core/error.h"
#include "ember/core/op_table.h"
#include "ember/core/scalar.h"
#include "ember/core/tensor_impl.h"
#include "ember/core/tensor_options.h"

namespace ember {

class Generator;
class Tensor;
/// A list of tensors passed to cat, stack and friends.
using TensorList = ArrayRef<Tensor>;

namespace indexing {
class TensorIndex;
}
namespace autograd {
class Node;
}

/// A handle to a tensor. Copying a Tensor shares the same data; use clone() for a deep copy.
class Tensor {
 public:
  /// An undefined tensor (defined() is false).
  Tensor() = default;
  explicit Tensor(IntrusivePtr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // ---- Identity and geometry -------------------------------------------------------------
  /// False for a default-constructed handle (and one moved from, or reset).
  bool defined() const { return static_cast<bool>(impl_); }
  /// Lets go of the tensor: this handle becomes undefined.
  void reset() { impl_.reset(); }
  /// The implementation object (for backends and tests).
  TensorImpl* unsafe_impl() const { return impl_.get(); }
  const IntrusivePtr<TensorImpl>& impl() const { return impl_; }
  /// True when both handles refer to the same TensorImpl.
  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }

  IntArrayRef sizes() const { return impl_->sizes(); }
  IntArrayRef strides() const { return impl_->strides(); }
  /// Size of one dim; negative dims count from the end.
  int64_t size(int64_t dim) const;
  /// Stride of one dim; negative dims count from the end.
  int64_t stride(int64_t dim) const;
  int64_t dim() const { return impl_->dim(); }
  int64_t ndimension() const { return dim(); }
  int64_t numel() const { return impl_->numel(); }
  int64_t storage_offset() const { return impl_->storage_offset(); }
  ScalarType dtype() const { return impl_->dtype(); }
  ScalarType scalar_type() const { return impl_->dtype(); }
  Device device() const { return impl_->device(); }
  bool is_cuda() const { return device().is_cuda(); }
  bool is_cpu() const { return device().is_cpu(); }
  bool is_floating_point() const { return ember::is_floating_point(dtype()); }
  bool is_contiguous() const { return impl_->is_contiguous(); }
  size_t element_size() const { return ember::element_size(dtype()); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * element_size(); }
  /// The options that would create a tensor like this one.
  TensorOptions options() const { return TensorOptions(dtype()).device(device()); }
  /// Number of in-place writes to this tensor's memory (shared by all its views).
  uint32_t _version() const { return impl_->storage()->version(); }
  /// Pointer to the first element, checked against T.
  template <typename T>
  T* data_ptr() const;
  /// Pointer to the first element.
  void* data_ptr() const { return impl_->data(); }
  /// The value of a one-element tensor.
  template <typename T>
  T item() const;
  /// The value of a one-element tensor as a Scalar of its category.
  Scalar item() const;
  /// The tensor as PyTorch prints it (what operator<< writes).
  std::string toString() const;

  // ---- Conversion and copies -------------------------------------------------------------
  /// This tensor converted to dtype (itself when it already has it, unless copy is set).
  Tensor to(ScalarType dtype, bool copy = false) const;
  /// This tensor moved to a device.
  Tensor to(Device device, bool copy = false) const;
  /// This tensor converted to another's dtype and device.
  Tensor to(const TensorOptions& options, bool copy = false) const;
  Tensor cpu() const { return to(Device(kCPU)); }
  Tensor cuda() const { return to(Device(kCUDA)); }
  /// A dense copy when not contiguous, else this tensor.
  Tensor contiguous() const;
  /// A copy with its own memory.
  Tensor clone() const;
  /// Copies src into this tensor (broadcasting src, converting its dtype).
  Tensor& copy_(const Tensor& src) const;
  Tensor& fill_(const Scalar& value) const;
  /// Fills with a 0-dim tensor's value; under autograd the value gets the gradient's sum.
  Tensor& fill_(const Tensor& value) const;
  Tensor& zero_() const;
  /// Fills with uniform values in [from, to) from the global stream or the generator's.
  Tensor& uniform_(double from = 0, double to = 1) const;
  Tensor& uniform_(double from, double to, std::optional<Generator> generator) const;
  /// Fills with normal values from the global stream or the generator's.
  Tensor& normal_(double mean = 0, double std = 1) const;
  Tensor& normal_(double mean, double std, std::optional<Generator> generator) const;

  // ---- Views (share memory with this tensor) ---------------------------------------------
  Tensor view(IntArrayRef shape) const;
  Tensor reshape(IntArrayRef shape) const;
  Tensor view_as(const Tensor& other) const { return view(other.sizes()); }
  Tensor reshape_as(const Tensor& other) const { return reshape(other.sizes()); }
  Tensor t() const;
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  Tensor permute(IntArrayRef dims) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  /// Elements start, start+step, ... below end along dim (negative bounds count from the end).
  Tensor slice(int64_t dim = 0, std::optional<int64_t> start = std::nullopt,
               std::optional<int64_t> end = std::nullopt, int64_t step = 1) const;
  Tensor select(int64_t dim, int64_t index) const;
  /// The diagonal of dims dim1 and dim2 shifted by offset, appended as the last dim.
  Tensor diagonal(int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1) const;
  /// Every slice of size elements along dim, step apart, as a new last dim (overlapping when
  /// step < size): the sliding windows of convolution and pooling, without a copy.
  Tensor unfold(int64_t dim, int64_t size, int64_t step) const;
  Tensor expand(IntArrayRef size) const;
  Tensor expand_as(const Tensor& other) const { return expand(other.sizes()); }
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  /// Copies (not views): reversed along dims, tiled, and the triangles of the last two dims.
  Tensor flip(IntArrayRef dims) const;
  Tensor repeat(IntArrayRef repeats) const;
  Tensor tril(int64_t diagonal = 0) const;
  Tensor triu(int64_t diagonal = 0) const;
  Tensor outer(const Tensor& other) const;
  /// Copies: the matrix with this vector on a diagonal, or this matrix's diagonal; rolled; tiled.
  Tensor diag(int64_t diagonal = 0) const;
  Tensor roll(IntArrayRef shifts, IntArrayRef dims = {}) const;
  Tensor tile(IntArrayRef reps) const;
  /// Views: dims moved, two dims swapped, expanded to size.
  Tensor movedim(IntArrayRef source, IntArrayRef destination) const;
  Tensor movedim(int64_t source, int64_t destination) const;
  Tensor swapaxes(int64_t axis0, int64_t axis1) const { return transpose(axis0, axis1); }
  Tensor broadcast_to(IntArrayRef size) const { return expand(size); }
  /// The indices of non-zero elements ([count, dim]) and the elements where mask holds.
  Tensor nonzero() const;
  Tensor masked_select(const Tensor& mask) const;
  /// The main diagonal's sum, and the count of non-zero elements.
  Tensor trace() const;
  Tensor count_nonzero(IntArrayRef dims = {}) const;
  /// Composed elementwise ops (see ember/ops/elementwise_composed.h).
  Tensor addcmul(const Tensor& t1, const Tensor& t2, const Scalar& value = 1) const;
  Tensor addcdiv(const Tensor& t1, const Tensor& t2, const Scalar& value = 1) const;
  Tensor& addcmul_(const Tensor& t1, const Tensor& t2, const Scalar& value = 1) const;
  Tensor& addcdiv_(const Tensor& t1, const Tensor& t2, const Scalar& value = 1) const;
  Tensor lerp(const Tensor& end, const Scalar& weight) const;
  Tensor lerp(const Tensor& end, const Tensor& weight) const;
  Tensor& lerp_(const Tensor& end, const Scalar& weight) const;
  Tensor remainder(const Tensor& other) const;
  Tensor remainder(const Scalar& other) const;
  Tensor fmod(const Tensor& other) const;
  Tensor fmod(const Scalar& other) const;
  Tensor floor_divide(const Tensor& other) const;
  Tensor floor_divide(const Scalar& other) const;
  Tensor logical_and(const Tensor& other) const;
  Tensor logical_or(const Tensor& other) const;
  Tensor logical_xor(const Tensor& other) const;
  Tensor logical_not() const;
  Tensor isclose(const Tensor& other, double rtol = 1e-5, double atol = 1e-8,
                 bool equal_nan = false) const;
  Tensor nan_to_num(std::optional<double> nan = 0.0, std::optional<double> posinf = std::nullopt,
                    std::optional<double> neginf = std::nullopt) const;
  /// In-place forms: the result, which this tensor's dtype must be able to hold, written back.
  Tensor& lerp_(const Tensor& end, const Tensor& weight) const;
  Tensor float_power(const Tensor& other) const;
  Tensor float_power(const Scalar& other) const;
  Tensor& float_power_(const Tensor& other) const;
  Tensor& float_power_(const Scalar& other) const;
  Tensor ldexp(const Tensor& other) const;
  Tensor& ldexp_(const Tensor& other) const;
  Tensor heaviside(const Tensor& values) const;
  Tensor& heaviside_(const Tensor& values) const;
  Tensor& remainder_(const Tensor& other) const;
  Tensor& remainder_(const Scalar& other) const;
  Tensor& fmod_(const Tensor& other) const;
  Tensor& fmod_(const Scalar& other) const;
  Tensor& floor_divide_(const Tensor& other) const;
  Tensor& floor_divide_(const Scalar& other) const;
  Tensor& logical_and_(const Tensor& other) const;
  Tensor& logical_or_(const Tensor& other) const;
  Tensor& logical_xor_(const Tensor& other) const;
  Tensor& logical_not_() const;
  Tensor& nan_to_num_(std::optional<double> nan = 0.0, std::optional<double> posinf = std::nullopt,
                      std::optional<double> neginf = std::nullopt) const;
  /// where(condition, *this, other).
  Tensor where(const Tensor& condition, const Tensor& other) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor as_strided(IntArrayRef size, IntArrayRef stride,
                    std::optional<int64_t> storage_offset = std::nullopt) const;
  /// select(0, index).
  Tensor operator[](int64_t index) const { return select(0, index); }
  /// PyTorch-style indexing: t.index({Slice(), 0}) is t[:, 0].
  Tensor index(ArrayRef<indexing::TensorIndex> indices) const;
  Tensor index(std::initializer_list<indexing::TensorIndex> indices) const;
  /// t.index_put_({Slice(), 0}, v) is t[:, 0] = v. Any number of integer or boolean index
  /// tensors may appear (advanced indexing, as numpy's); accumulate adds value at the indexed
  /// positions instead, repeated positions adding up.
  Tensor& index_put_(std::initializer_list<indexing::TensorIndex> indices, const Tensor& value,
                     bool accumulate = false) const;
  Tensor& index_put_(std::initializer_list<indexing::TensorIndex> indices,
                     const Scalar& value) const;
  Tensor& index_put_(ArrayRef<indexing::TensorIndex> indices, const Tensor& value,
                     bool accumulate = false) const;
  Tensor& index_put_(ArrayRef<indexing::TensorIndex> indices, const Scalar& value) const;
  std::vector<Tensor> split(int64_t split_size, int64_t dim = 0) const;
  std::vector<Tensor> split(IntArrayRef split_sizes, int64_t dim = 0) const;
  std::vector<Tensor> chunk(int64_t chunks, int64_t dim = 0) const;
  std::vector<Tensor> unbind(int64_t dim = 0) const;

  // ---- Elementwise ------------------------------------------------------------------------
  /// The op table's binary math (add, sub, mul, div, maximum, atan2, ...) and the in-place
  /// forms of those torch has them for; add and sub take an alpha (self + alpha * other), and
  /// the arithmetic ops also take a number for other.
#define EMBER_BINARY_OP(Name, name, dtype, surface, node)                                          \
  EMBER_IF_FULL(surface, Tensor name(const Tensor& other EMBER_ALPHA_DECL(surface)) const;)        \
  EMBER_IF_INPLACE(surface, Tensor& name##_(const Tensor& other EMBER_ALPHA_DECL(surface)) const;) \
  EMBER_IF_NUMBER(surface, Tensor name(const Scalar& other EMBER_ALPHA_DECL(surface)) const;       \
                  Tensor & name##_(const Scalar& other EMBER_ALPHA_DECL(surface)) const;)
#include "ember/core/op_table.def"
  Tensor pow(const Tensor& exponent) const;
  Tensor pow(const Scalar& exponent) const;
  Tensor& pow_(const Tensor& exponent) const;
  Tensor& pow_(const Scalar& exponent) const;

  /// The op table's unary math (exp, tanh, ...) and its in-place forms (exp_, ...).
#define EMBER_UNARY_OP(Name, name, dtype, surface, node) \
  EMBER_IF_FULL(surface, Tensor name() const; Tensor & name##_() const;)
#include "ember/core/op_table.def"
  Tensor polygamma(int64_t n) const;
  Tensor& polygamma_(int64_t n) const;
  Tensor logit(std::optional<double> eps = std::nullopt) const;
  Tensor& logit_(std::optional<double> eps = std::nullopt) const;
  Tensor signbit() const;
  Tensor isposinf() const;
  Tensor isneginf() const;
  Tensor isnan() const;
  Tensor isinf() const;
  Tensor isfinite() const;
  Tensor clamp(std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt) const;
  Tensor& clamp_(std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt) const;
  Tensor clamp_min(const Scalar& min) const { return clamp(min, std::nullopt); }
  Tensor clamp_max(const Scalar& max) const { return clamp(std::nullopt, max); }

  /// The op table's comparisons (eq, ne, lt, le, gt, ge): bool results.
#define EMBER_COMPARE_OP(Name, name)      \
  Tensor name(const Tensor& other) const; \
  Tensor name(const Scalar& other) const;
#include "ember/core/op_table.def"
  Tensor masked_fill(const Tensor& mask, const Scalar& value) const;
  Tensor& masked_fill_(const Tensor& mask, const Scalar& value) const;
  /// True when both have the same sizes and elements.
  bool equal(const Tensor& other) const;
  /// True when every element is within atol + rtol * |other| (NaNs compare unequal).
  bool allclose(const Tensor& other, double rtol = 1e-5, double atol = 1e-8) const;

  // ---- Reductions ------------------------------------------------------------------------
  /// The op table's reductions (sum, prod, amax, amin), over all elements or over dims.
#define EMBER_REDUCE_OP(Name, name, surface)                                                \
  EMBER_IF_REDUCE_DTYPE(surface,                                                            \
                        Tensor name(std::optional<ScalarType> dtype = std::nullopt) const;  \
                        Tensor name(EMBER_REDUCE_DIM(surface) dim, bool keepdim = false,    \
                                    std::optional<ScalarType> dtype = std::nullopt) const;) \
  EMBER_IF_REDUCE_NO_DTYPE(surface, Tensor name(IntArrayRef dim = {}, bool keepdim = false) const;)
#include "ember/core/op_table.def"
  Tensor mean(std::optional<ScalarType> dtype = std::nullopt) const;
  Tensor mean(IntArrayRef dim, bool keepdim = false,
              std::optional<ScalarType> dtype = std::nullopt) const;
  Tensor max() const;
  /// (values, indices) of the maximum along dim.
  std::tuple<Tensor, Tensor> max(int64_t dim, bool keepdim = false) const;
  Tensor min() const;
  std::tuple<Tensor, Tensor> min(int64_t dim, bool keepdim = false) const;
  /// Running sums along dim (integers and bools sum to int64 unless dtype says otherwise).
  Tensor cumsum(int64_t dim, std::optional<ScalarType> dtype = std::nullopt) const;
  std::tuple<Tensor, Tensor> sort(int64_t dim = -1, bool descending = false,
                                  bool stable = false) const;
  Tensor argsort(int64_t dim = -1, bool descending = false) const;
  std::tuple<Tensor, Tensor> topk(int64_t k, int64_t dim = -1, bool largest = true,
                                  bool sorted = true) const;
  /// Running products, extremes and log-sum-exp (ember/ops/scan.h).
  Tensor cumprod(int64_t dim, std::optional<ScalarType> dtype = std::nullopt) const;
  std::tuple<Tensor, Tensor> cummax(int64_t dim) const;
  std::tuple<Tensor, Tensor> cummin(int64_t dim) const;
  Tensor logcumsumexp(int64_t dim) const;
  /// Order statistics (ember/ops/order_statistics.h).
  std::tuple<Tensor, Tensor> kthvalue(int64_t k, int64_t dim = -1, bool keepdim = false) const;
  Tensor median() const;
  std::tuple<Tensor, Tensor> median(int64_t dim, bool keepdim = false) const;
  Tensor nanmedian() const;
  std::tuple<Tensor, Tensor> nanmedian(int64_t dim, bool keepdim = false) const;
  std::tuple<Tensor, Tensor> mode(int64_t dim = -1, bool keepdim = false) const;
  Tensor msort() const;
  /// NaN-skipping sums and means, and (amin, amax) (ember/ops/reduce.h).
  Tensor nansum(IntArrayRef dim = {}, bool keepdim = false,
                std::optional<ScalarType> dtype = std::nullopt) const;
  Tensor nanmean(IntArrayRef dim = {}, bool keepdim = false,
                 std::optional<ScalarType> dtype = std::nullopt) const;
  std::tuple<Tensor, Tensor> aminmax(std::optional<int64_t> dim = std::nullopt,
                                     bool keepdim = false) const;
  Tensor argmax(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;
  Tensor argmin(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;
  /// The p-norm over all elements, or over dims.
  Tensor norm(const Scalar& p = 2) const;
  Tensor norm(const Scalar& p, IntArrayRef dim, bool keepdim = false) const;
  /// Variance over dims (all when empty), with Bessel's correction unless unbiased is false.
  Tensor var(IntArrayRef dim, bool unbiased = true, bool keepdim = false) const;
  /// Variance over all elements. The bool form is a template so `var({1})` picks the dims.
  Tensor var() const { return var(IntArrayRef{}, true, false); }
  template <typename Bool, std::enable_if_t<std::is_same_v<Bool, bool>, int> = 0>
  Tensor var(Bool unbiased) const {
    return var(IntArrayRef{}, unbiased, false);
  }
  Tensor std(IntArrayRef dim, bool unbiased = true, bool keepdim = false) const;
  Tensor std() const { return std(IntArrayRef{}, true, false); }
  template <typename Bool, std::enable_if_t<std::is_same_v<Bool, bool>, int> = 0>
  Tensor std(Bool unbiased) const {
    return std(IntArrayRef{}, unbiased, false);
  }
  Tensor all() const;
  Tensor any() const;

  // ---- Linear algebra --------------------------------------------------------------------
  Tensor mm(const Tensor& other) const;
  Tensor bmm(const Tensor& other) const;
  Tensor matmul(const Tensor& other) const;
  Tensor dot(const Tensor& other) const;
  Tensor mv(const Tensor& vec) const;

  // ---- Indexing ops ----------------------------------------------------------------------
  Tensor index_select(int64_t dim, const Tensor& index) const;
  Tensor gather(int64_t dim, const Tensor& index) const;
  Tensor scatter_add(int64_t dim, const Tensor& index, const Tensor& src) const;
  Tensor scatter(int64_t dim, const Tensor& index, const Tensor& src,
                 std::optional<std::string_view> reduce = std::nullopt) const;
  Tensor scatter(int64_t dim, const Tensor& index, const Scalar& value,
                 std::optional<std::string_view> reduce = std::nullopt) const;
  Tensor& scatter_(int64_t dim, const Tensor& index, const Tensor& src,
                   std::optional<std::string_view> reduce = std::nullopt) const;
  Tensor& scatter_(int64_t dim, const Tensor& index, const Scalar& value,
                   std::optional<std::string_view> reduce = std::nullopt) const;
  Tensor scatter_reduce(int64_t dim, const Tensor& index, const Tensor& src,
                        std::string_view reduce, bool include_self = true) const;
  Tensor& scatter_reduce_(int64_t dim, const Tensor& index, const Tensor& src,
                          std::string_view reduce, bool include_self = true) const;
  Tensor index_copy(int64_t dim, const Tensor& index, const Tensor& src) const;
  Tensor& index_copy_(int64_t dim, const Tensor& index, const Tensor& src) const;

  // ---- Autograd ---------------------------------------------------------------------------
  /// True when ops on this tensor record history (set on leaves, inherited by results).
  bool requires_grad() const;
  /// Marks a leaf as needing gradients (floating-point tensors only).
  Tensor& requires_grad_(bool requires_grad = true) const;
  Tensor& set_requires_grad(bool requires_grad) const { return requires_grad_(requires_grad); }
  /// True for tensors not produced by a recorded op (user-created, or not requiring grad).
  bool is_leaf() const;
  /// The accumulated gradient (undefined until a backward reaches this tensor).
  const Tensor& grad() const;
  /// The gradient slot itself, to assign or reset it.
  Tensor& mutable_grad() const;
  /// The node that produced this tensor, or null for leaves.
  std::shared_ptr<autograd::Node> grad_fn() const;
  /// Which output of grad_fn this tensor is.
  uint32_t output_nr() const;
  /// Keeps the gradient of a non-leaf in grad() after backward.
  void retain_grad();
  bool retains_grad() const;
  /// Computes the gradient of this tensor with respect to the leaves it depends on and adds it to
  /// their grad(). A non-scalar needs `gradient`, the vector in the vector-Jacobian product.
  /// With `inputs`, only those tensors' grad() (leaves or not) receive gradients.
  void backward(const Tensor& gradient = {}, std::optional<bool> retain_graph = std::nullopt,
                bool create_graph = false,
                const std::optional<std::vector<Tensor>>& inputs = std::nullopt) const;
  /// Calls hook with this tensor's gradient whenever backward computes it; a hook returning a
  /// tensor replaces the gradient. Accepts Tensor(Tensor) or void(Tensor). Returns a handle for
  /// remove_hook.
  template <typename Hook>
  unsigned register_hook(Hook&& hook) const {
    if constexpr (std::is_void_v<std::invoke_result_t<Hook, Tensor>>) {
      return add_hook([h = std::forward<Hook>(hook)](const Tensor& g) {
        h(g);
        return Tensor();
      });
    } else {
      return add_hook(std::forward<Hook>(hook));
    }
  }
  /// Calls hook with this leaf once backward has added a gradient into its grad() (PyTorch
  /// 2.1's register_post_accumulate_grad_hook). Returns a handle for remove_hook.
  unsigned register_post_accumulate_grad_hook(std::function<void(const Tensor&)> hook) const;
  /// Removes a hook added by register_hook or register_post_accumulate_grad_hook.
  void remove_hook(unsigned handle) const;
  /// The same data, cut from the graph (shares memory and the version counter).
  Tensor detach() const;
  /// Cuts this tensor from the graph in place.
  Tensor& detach_() const;
  /// The same data with no history and requires_grad false (PyTorch's `.data`).
  Tensor variable_data() const;
  /// LibTorch's spelling of variable_data().
  Tensor data() const { return variable_data(); }
  /// Makes this tensor use new_data's memory, dtype and shape while keeping its own autograd
  /// state (PyTorch's `x.data = new_data`).
  void set_data(const Tensor& new_data) const;

  // ---- Operators (in-place forms) --------------------------------------------------------
  Tensor& operator+=(const Tensor& o) { return add_(o); }
  Tensor& operator+=(const Scalar& o) { return add_(o); }
  Tensor& operator-=(const Tensor& o) { return sub_(o); }
  Tensor& operator-=(const Scalar& o) { return sub_(o); }
  Tensor& operator*=(const Tensor& o) { return mul_(o); }
  Tensor& operator*=(const Scalar& o) { return mul_(o); }
  Tensor& operator/=(const Tensor& o) { return div_(o); }
  Tensor& operator/=(const Scalar& o) { return div_(o); }
  Tensor operator-() const { return neg(); }

 private:
  // In-place methods are const, as in LibTorch: a Tensor is a handle, and they change what it
  // points to (data, version, history), never the handle itself.
  Tensor& self() const { return const_cast<Tensor&>(*this); }
  unsigned add_hook(std::function<Tensor(const Tensor&)> hook) const;
  IntrusivePtr<TensorImpl> impl_;
};

Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, const Scalar& b);
Tensor operator+(const Scalar& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Scalar& b);
Tensor operator-(const Scalar& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Scalar& b);
Tensor operator*(const Scalar& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Scalar& b);
Tensor operator/(const Scalar& a, const Tensor& b);
Tensor operator==(const Tensor& a, const Tensor& b);
Tensor operator==(const Tensor& a, const Scalar& b);
Tensor operator!=(const Tensor& a, const Tensor& b);
Tensor operator!=(const Tensor& a, const Scalar& b);
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, const Scalar& b);
Tensor operator<=(const Tensor& a, const Tensor& b);
Tensor operator<=(const Tensor& a, const Scalar& b);
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, const Scalar& b);
Tensor operator>=(const Tensor& a, const Tensor& b);
Tensor operator>=(const Tensor& a, const Scalar& b);

/// Prints the tensor exactly as PyTorch's repr does, e.g. "tensor([1., 2.])".
std::ostream& operator<<(std::ostream& os, const Tensor& t);

}  // namespace ember
