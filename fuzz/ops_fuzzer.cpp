// libFuzzer target: decodes its input into a short Ember program (tensors of fuzzed shapes,
// dtypes and values, views with fuzzed strides, a sequence of ops, a backward at the end) and
// runs it. Success and an ember::Error that docs/errors.md lists (message and kind) are the only
// acceptable outcomes: a crash, a sanitizer report, an uncatalogued error, another exception
// escaping or a hang is a bug. Each crash found becomes a regression
// test in tests/fuzz_regressions_test.cpp.
#include <ember/ember.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <sstream>
#include <vector>

#include "fuzzing/differential.h"

namespace {

using namespace ember;

// Keeps every tensor small so that a program runs in microseconds.
constexpr int64_t kMaxElements = 1 << 10;
constexpr size_t kPoolSize = 8;
constexpr int kMaxSteps = 48;

// Consumes the input byte by byte; reads past the end give zeros.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool done() const { return at_ >= size_; }
  uint8_t byte() { return at_ < size_ ? data_[at_++] : 0; }
  int64_t below(int64_t n) { return n <= 0 ? 0 : byte() % n; }
  bool flag() { return byte() & 1; }
  template <typename T, size_t N>
  T pick(const std::array<T, N>& choices) {
    return choices[byte() % N];
  }
  // A dim for a tensor of the given rank, occasionally out of range (which must be an Error).
  int64_t dim(int64_t rank) { return below(2 * rank + 4) - rank - 2; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t at_ = 0;
};

// EMBER_FUZZ_TRACE=1 prints the program an input decodes to, for turning a crash into a test.
const bool kTrace = std::getenv("EMBER_FUZZ_TRACE") != nullptr;

void trace_tensor(const char* role, const Tensor& t) {
  if (!kTrace) return;
  if (!t.defined()) {
    std::fprintf(stderr, "  %s: undefined\n", role);
    return;
  }
  std::ostringstream os;
  os << "  " << role << ": sizes " << t.sizes() << " strides " << t.strides() << " offset "
     << t.storage_offset() << " " << t.dtype() << (t.requires_grad() ? " requires_grad" : "")
     << (t.is_leaf() ? "" : " non-leaf") << "\n";
  std::fputs(os.str().c_str(), stderr);
}

// An error is acceptable only when the catalogue lists it, with its kind.
void expect_catalogued(const Error& e) {
  if (!fuzzing::ErrorCatalogue::project().match(e).empty()) return;
  std::fprintf(stderr, "error not in docs/errors.md (or of another kind): %s\n", e.what());
  __builtin_trap();
}

// The case an op group runs, traced.
int64_t choose(Reader& r, int64_t cases, const char* group) {
  const int64_t c = r.below(cases);
  if (kTrace) std::fprintf(stderr, "%s case %lld\n", group, static_cast<long long>(c));
  return c;
}

constexpr std::array<int64_t, 10> kSizes = {0, 1, 1, 2, 2, 3, 4, 5, 7, 16};
constexpr std::array<ScalarType, 6> kDtypes = {kFloat32, kFloat32, kFloat64, kInt64, kInt32, kBool};
const std::array<double, 16> kValues = {0.0,
                                        -0.0,
                                        1.0,
                                        -1.0,
                                        0.5,
                                        2.0,
                                        -3.0,
                                        1e4,
                                        -1e4,
                                        3e38,
                                        std::numeric_limits<double>::quiet_NaN(),
                                        std::numeric_limits<double>::infinity(),
                                        -std::numeric_limits<double>::infinity(),
                                        std::numeric_limits<float>::denorm_min(),
                                        1e-310,
                                        7.25};

std::vector<int64_t> read_shape(Reader& r, int64_t max_rank = 4) {
  std::vector<int64_t> shape(static_cast<size_t>(r.below(max_rank + 1)));
  for (int64_t& d : shape) d = r.pick(kSizes);
  return shape;
}

int64_t numel_of(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

Tensor make_tensor(Reader& r) {
  // Sizes no tensor can have: these must raise, whatever the dtype.
  if (r.byte() == 0xff) {
    constexpr std::array<int64_t, 4> kBad = {-1, int64_t{1} << 40, int64_t{1} << 62, -7};
    std::vector<int64_t> shape = {r.pick(kBad), r.pick(kBad), 3};
    try {
      Tensor t = empty(shape, r.pick(kDtypes));
      if (t.numel() != 0) __builtin_trap();  // a positive size beyond memory was accepted
    } catch (const Error& e) {
      expect_catalogued(e);
    }
    return {};
  }
  std::vector<int64_t> shape = read_shape(r);
  if (numel_of(shape) > kMaxElements) shape = {r.pick(kSizes)};
  Tensor values = empty(shape, kFloat64);
  double* p = values.data_ptr<double>();
  for (int64_t i = 0; i < values.numel(); ++i)
    p[i] = r.flag() ? r.pick(kValues) : (static_cast<int>(r.byte()) - 128) / 16.0;
  Tensor t = values.to(r.pick(kDtypes));
  if (t.is_floating_point() && r.flag()) t.requires_grad_();
  return t;
}

std::vector<int64_t> read_dims(Reader& r, int64_t rank) {
  std::vector<int64_t> dims(static_cast<size_t>(r.below(rank + 1)));
  for (int64_t& d : dims) d = r.dim(rank);
  return dims;
}

// A view of t: the strides the kernels must handle.
Tensor make_view(Reader& r, const Tensor& t) {
  const int64_t rank = t.dim();
  switch (choose(r, 12, "view")) {
    case 0:
      return t.transpose(r.dim(rank), r.dim(rank));
    case 1: {
      std::vector<int64_t> order(static_cast<size_t>(rank));
      for (int64_t& d : order) d = r.below(rank + 1);
      return t.permute(order);
    }
    case 2:
      return t.slice(r.dim(rank), r.below(5) - 2, r.below(9) - 3, r.below(4));
    case 3:
      return t.select(r.dim(rank), r.below(7) - 3);
    case 4: {
      std::vector<int64_t> size = t.sizes().vec();
      for (int64_t& s : size)
        if (s == 1 || r.flag()) s = r.pick(kSizes);
      if (r.flag()) size.insert(size.begin(), r.below(4) - 1);
      return t.expand(size);
    }
    case 5:
      return t.unsqueeze(r.below(rank + 3) - 1);
    case 6:
      return r.flag() ? t.squeeze() : t.squeeze(r.dim(rank));
    case 7:
      return t.flatten(r.dim(rank), r.dim(rank));
    case 8: {
      std::vector<int64_t> shape = read_shape(r);
      if (r.flag() && !shape.empty()) shape[r.below(shape.size())] = -1;
      return r.flag() ? t.view(shape) : t.reshape(shape);
    }
    case 9:
      return t.narrow(r.dim(rank), r.below(4), r.below(4));
    case 10: {
      std::vector<int64_t> size = read_shape(r, 3), stride(size.size());
      for (int64_t& s : stride) s = r.below(6) - 1;
      return t.as_strided(size, stride, r.below(8));
    }
    default:
      return t.t();
  }
}

Tensor unary(Reader& r, const Tensor& t) {
  switch (choose(r, 17, "unary")) {
    case 0:
      return t.neg();
    case 1:
      return t.abs();
    case 2:
      return t.sqrt();
    case 3:
      return t.exp();
    case 4:
      return t.log();
    case 5:
      return t.sin();
    case 6:
      return t.cos();
    case 7:
      return t.tan();
    case 8:
      return t.tanh();
    case 9:
      return t.sigmoid();
    case 10:
      return t.relu();
    case 11:
      return t.sign();
    case 12:
      return erf(t);
    case 13:
      return t.clamp(r.pick(kValues),
                     r.flag() ? std::optional<Scalar>(r.pick(kValues)) : std::nullopt);
    case 14:
      return t.pow(r.pick(kValues));
    case 15:
      return t.to(r.pick(kDtypes));
    default:
      return r.flag() ? t.contiguous() : t.clone();
  }
}

Tensor binary(Reader& r, const Tensor& a, const Tensor& b) {
  switch (choose(r, 15, "binary")) {
    case 0:
      return a.add(b, r.flag() ? 1 : 2);
    case 1:
      return a.sub(b);
    case 2:
      return a.mul(b);
    case 3:
      return a.div(b);
    case 4:
      return a.pow(b);
    case 5:
      return a.maximum(b);
    case 6:
      return a.minimum(b);
    case 7:
      return a.eq(b);
    case 8:
      return a.lt(b);
    case 9:
      return a.ge(b);
    case 10:
      return where(a.gt(0), a, b);
    case 11:
      return a.masked_fill(b.ne(0), r.pick(kValues));
    case 12:
      return r.flag() ? a.add(r.pick(kValues)) : a.mul(r.pick(kValues));
    case 13:
      return threshold_backward(a, b, r.flag() ? Scalar(0) : r.pick(kValues));
    default:
      return a.div(r.pick(kValues));
  }
}

Tensor reduce(Reader& r, const Tensor& t) {
  const int64_t rank = t.dim();
  switch (choose(r, 16, "reduce")) {
    case 0:
      return t.sum();
    case 1:
      return t.sum(read_dims(r, rank), r.flag());
    case 2:
      return t.mean();
    case 3:
      return t.mean(read_dims(r, rank), r.flag());
    case 4:
      return t.prod();
    case 5:
      return t.prod(r.dim(rank), r.flag());
    case 6:
      return t.amax(read_dims(r, rank), r.flag());
    case 7:
      return t.amin(read_dims(r, rank), r.flag());
    case 8:
      return std::get<0>(t.max(r.dim(rank), r.flag()));
    case 9:
      return std::get<1>(t.min(r.dim(rank), r.flag()));
    case 10:
      return t.argmax(r.dim(rank), r.flag());
    case 11:
      return r.flag() ? t.norm() : t.norm(r.pick(kValues), read_dims(r, rank));
    case 12:
      return t.var(read_dims(r, rank), r.flag(), r.flag());
    case 13:
      return t.std();
    case 14:
      return logsumexp(t, read_dims(r, rank), r.flag());
    default:
      return r.flag() ? t.all() : t.any();
  }
}

Tensor index_tensor(Reader& r, std::vector<int64_t> shape) {
  Tensor index = empty(shape, kInt64);
  int64_t* p = index.data_ptr<int64_t>();
  for (int64_t i = 0; i < index.numel(); ++i) p[i] = r.below(8) - 2;
  return index;
}

Tensor structured(Reader& r, const Tensor& a, const Tensor& b) {
  const int64_t rank = a.dim();
  switch (choose(r, 16, "structured")) {
    case 0:
      return a.mm(b);
    case 1:
      return a.matmul(b);
    case 2:
      return a.bmm(b);
    case 3:
      return r.flag() ? a.dot(b) : a.mv(b);
    case 4:
      return softmax(a, r.dim(rank));
    case 5:
      return log_softmax(a, r.dim(rank));
    case 6:
      return cat({a, b}, r.dim(rank));
    case 7:
      return stack({a, b}, r.dim(rank + 1));
    case 8:
      return a.index_select(r.dim(rank), index_tensor(r, {r.below(5)}));
    case 9:
      return a.gather(r.dim(rank), index_tensor(r, a.sizes().vec()));
    case 10:
      return a.scatter_add(r.dim(rank), index_tensor(r, b.sizes().vec()), b);
    case 11:
      return conv2d(a, b, {}, {r.below(3) + 1, r.below(3) + 1}, {r.below(3), r.below(3)},
                    {r.below(3) + 1, 1}, r.below(3) + 1);
    case 12:
      return max_pool2d(a, {r.below(4), r.below(4)}, {}, {r.below(3), r.below(3)},
                        {r.below(2) + 1, 1}, r.flag());
    case 13:
      return avg_pool2d(a, {r.below(4), r.below(4)}, {r.below(3), r.below(3) + 1},
                        {r.below(3), r.below(3)}, r.flag(), r.flag());
    case 14:
      return im2col(a, {r.below(4), r.below(4)}, {1, r.below(3)}, {r.below(2), 0}, {1, 2});
    default: {
      std::vector<Tensor> pieces =
          r.flag() ? a.split(r.below(4), r.dim(rank)) : a.chunk(r.below(4), r.dim(rank));
      return pieces.empty() ? Tensor() : pieces[r.below(pieces.size())];
    }
  }
}

// In-place writes: on leaves that require grad they must raise; on views and tensors with
// history they must keep later gradients right (or raise).
void in_place(Reader& r, Tensor& t, const Tensor& other) {
  switch (choose(r, 9, "in_place")) {
    case 0:
      t.add_(other);
      break;
    case 1:
      t.mul_(other);
      break;
    case 2:
      t.sub_(r.pick(kValues));
      break;
    case 3:
      t.zero_();
      break;
    case 4:
      t.fill_(r.pick(kValues));
      break;
    case 5:
      t.clamp_(r.pick(kValues));
      break;
    case 6:
      t.relu_();
      break;
    case 7:
      t.exp_();
      break;
    default:
      t.copy_(other);
      break;
  }
}

void backward_at_the_end(Reader& r, std::vector<Tensor>& pool) {
  for (Tensor& t : pool) {
    if (!t.defined() || !t.requires_grad()) continue;
    try {
      Tensor loss = t.sum();
      if (r.flag()) {
        auto grads = autograd::grad({loss}, {t}, {}, true, /*create_graph=*/true, true);
        if (grads[0].defined() && grads[0].requires_grad()) grads[0].sum().backward();
      } else {
        loss.backward({}, r.flag());
      }
    } catch (const Error& e) {
      expect_catalogued(e);
    }
  }
}

void run(Reader& r) {
  std::vector<Tensor> pool;
  auto operand = [&]() -> Tensor& {
    if (pool.empty()) pool.push_back(zeros({2, 2}, requires_grad()));
    Tensor& t = pool[r.below(pool.size())];
    trace_tensor("operand", t);
    return t;
  };
  size_t next_slot = 0;
  for (int step = 0; step < kMaxSteps && !r.done(); ++step) {
    Tensor out;
    try {
      AutoGradMode grad_mode(r.byte() != 0x7f);
      switch (r.below(8)) {
        case 0:
        case 1:
          out = make_tensor(r);
          break;
        case 2:
          out = make_view(r, operand());
          break;
        case 3:
          out = unary(r, operand());
          break;
        case 4: {
          Tensor& a = operand();
          out = binary(r, a, operand());
          break;
        }
        case 5:
          out = reduce(r, operand());
          break;
        case 6: {
          Tensor& a = operand();
          out = structured(r, a, operand());
          break;
        }
        default: {
          Tensor& a = operand();
          in_place(r, a, operand());
          break;
        }
      }
    } catch (const Error& e) {
      if (kTrace) std::fprintf(stderr, "  error: %s\n", e.what());
      expect_catalogued(e);
      continue;
    }
    trace_tensor("result", out);
    if (!out.defined() || out.numel() > kMaxElements * 16) continue;
    if (pool.size() < kPoolSize) {
      pool.push_back(out);
    } else {
      pool[next_slot] = out;
      next_slot = (next_slot + 1) % kPoolSize;
    }
  }
  backward_at_the_end(r, pool);
  std::ostringstream printed;
  for (const Tensor& t : pool)
    if (t.defined()) printed << t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader reader(data, size);
  run(reader);
  return 0;
}
