// CPU reductions. A reduction is split into kept dims and reduced dims (each group merged where
// memory allows) and takes one of four paths: contiguous rows reduced to one value each, rows
// of outputs accumulated across outer reduced dims, contiguous runs combined per output, or a
// general strided walk.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/parallel_for.h"
#include "kernels/cpu/scalar_ops.h"
#include "kernels/cpu/simd_math.h"

namespace ember::detail::cpu {
namespace {

// A group of dims (kept or reduced), merged where the strides of every operand allow it.
struct DimGroup {
  DimVector sizes, in_strides, out_strides;  // strides in elements
  int64_t count = 1;

  void add(int64_t size, int64_t in_stride, int64_t out_stride) {
    count *= size;
    if (!sizes.empty() && in_strides.back() == in_stride * size &&
        out_strides.back() == out_stride * size) {
      sizes.back() *= size;
      in_strides.back() = in_stride;
      out_strides.back() = out_stride;
      return;
    }
    sizes.push_back(size);
    in_strides.push_back(in_stride);
    out_strides.push_back(out_stride);
  }
  // Element offsets (input, output) of the i-th position in row-major order of the group.
  void offsets(int64_t i, int64_t& in_off, int64_t& out_off) const {
    in_off = out_off = 0;
    for (size_t d = sizes.size(); d-- > 0;) {
      const int64_t k = i % sizes[d];
      i /= sizes[d];
      in_off += k * in_strides[d];
      out_off += k * out_strides[d];
    }
  }
};

template <typename T>
struct Reducer {
  ReduceOp op;
  T identity() const {
    switch (op) {
      case ReduceOp::Sum:
        return T(0);
      case ReduceOp::Prod:
        return T(1);
      case ReduceOp::Amax:
        return std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity()
                                                    : std::numeric_limits<T>::lowest();
      case ReduceOp::Amin:
        return std::numeric_limits<T>::has_infinity ? std::numeric_limits<T>::infinity()
                                                    : std::numeric_limits<T>::max();
    }
    return T(0);
  }
  // Combines an accumulator with a value; NaN wins for max and min, as in PyTorch.
  template <typename A>
  A combine(A acc, A v) const {
    switch (op) {
      case ReduceOp::Sum:
        if constexpr (std::is_same_v<A, bool>)
          return acc || v;
        else
          return wrapping_add(acc, v);
      case ReduceOp::Prod:
        if constexpr (std::is_same_v<A, bool>)
          return acc && v;
        else
          return wrapping_mul(acc, v);
      case ReduceOp::Amax:
        return (acc != acc || v != v) ? (acc != acc ? acc : v) : (v > acc ? v : acc);
      case ReduceOp::Amin:
        return (acc != acc || v != v) ? (acc != acc ? acc : v) : (v < acc ? v : acc);
    }
    return acc;
  }
};

// Accumulator type: double for float sums and products, the element type otherwise.
template <typename T>
using Acc = std::conditional_t<std::is_floating_point_v<T>, double, T>;

template <typename T>
Acc<T> reduce_contiguous(const Reducer<T>& r, const T* p, int64_t n) {
  if constexpr (std::is_floating_point_v<T>) {
    if (r.op == ReduceOp::Sum) return simd_sum(p, n);
  }
  if (r.op == ReduceOp::Sum || r.op == ReduceOp::Prod) {
    Reducer<Acc<T>> ra{r.op};
    Acc<T> acc = ra.identity();
    for (int64_t i = 0; i < n; ++i) acc = ra.combine(acc, static_cast<Acc<T>>(p[i]));
    return acc;
  }
  T acc = r.identity();
  for (int64_t i = 0; i < n; ++i) acc = r.combine(acc, p[i]);
  return static_cast<Acc<T>>(acc);
}

template <typename T>
void reduce_typed(ReduceOp op, const Tensor& out, const Tensor& in) {
  if (out.numel() == 0) return;  // nothing to write (and no row length to divide by below)
  const Reducer<T> r{op};
  const int nd = static_cast<int>(in.dim());
  DimGroup kept, red;
  for (int d = 0; d < nd; ++d) {
    const int64_t size = in.sizes()[d];
    if (size == 1) continue;
    if (out.sizes()[d] == 1)
      red.add(size, in.strides()[d], 0);
    else
      kept.add(size, in.strides()[d], out.strides()[d]);
  }
  const T* src = in.data_ptr<T>();
  T* dst = out.data_ptr<T>();
  const int64_t num_out = kept.count, n = red.count;

  // Path 1: each output reduces one contiguous row.
  if (red.sizes.size() <= 1 && (red.sizes.empty() || red.in_strides[0] == 1)) {
    if (num_out == 1) {
      // One output: split the row across threads and combine the partial results.
      const int threads = available_threads();
      const int64_t chunks = std::clamp<int64_t>(n / kElementwiseGrain, 1, threads);
      std::unique_ptr<Acc<T>[]> partial(new Acc<T>[static_cast<size_t>(chunks)]);
      parallel_for(0, chunks, 1, [&](int64_t b, int64_t e) {
        for (int64_t c = b; c < e; ++c) {
          const int64_t lo = n * c / chunks, hi = n * (c + 1) / chunks;
          partial[c] = reduce_contiguous(r, src + lo, hi - lo);
        }
      });
      Reducer<Acc<T>> ra{op};
      Acc<T> acc = partial[0];
      for (int64_t c = 1; c < chunks; ++c) acc = ra.combine(acc, partial[c]);
      *dst = static_cast<T>(acc);
      return;
    }
    parallel_for(0, num_out, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(n, 1)),
                 [&](int64_t b, int64_t e) {
                   for (int64_t i = b; i < e; ++i) {
                     int64_t io, oo;
                     kept.offsets(i, io, oo);
                     dst[oo] = static_cast<T>(reduce_contiguous(r, src + io, n));
                   }
                 });
    return;
  }

  // Path 2: the innermost kept dim is contiguous in input and output; whole rows of outputs
  // are accumulated while walking the reduced dims.
  if (!kept.sizes.empty() && kept.in_strides.back() == 1 && kept.out_strides.back() == 1) {
    const int64_t row = kept.sizes.back();
    const int64_t rows = num_out / row;
    // Float sums and products accumulate in double (as the other paths do), so that long
    // columns do not drift; max and min stay in the element type.
    const bool widen = !std::is_same_v<Acc<T>, T> && (op == ReduceOp::Sum || op == ReduceOp::Prod);
    parallel_for(
        0, row, std::max<int64_t>(64, kElementwiseGrain / std::max<int64_t>(n, 1)),
        [&](int64_t b, int64_t e) {
          std::unique_ptr<Acc<T>[]> acc(widen ? new Acc<T>[static_cast<size_t>(e - b)] : nullptr);
          const Reducer<Acc<T>> ra{op};
          for (int64_t k = 0; k < rows; ++k) {
            int64_t io, oo;
            kept.offsets(k * row, io, oo);
            T* o = dst + oo;
            if (widen) {
              std::fill(acc.get(), acc.get() + (e - b), ra.identity());
              Acc<T>* a = acc.get();
              for (int64_t m = 0; m < n; ++m) {
                int64_t ri, unused;
                red.offsets(m, ri, unused);
                const T* s = src + io + ri;
                // Sums (bias gradients over tokens) get a loop of their own, which vectorises.
                if (op == ReduceOp::Sum) {
                  for (int64_t j = b; j < e; ++j) a[j - b] += static_cast<Acc<T>>(s[j]);
                  continue;
                }
                for (int64_t j = b; j < e; ++j)
                  a[j - b] = ra.combine(a[j - b], static_cast<Acc<T>>(s[j]));
              }
              for (int64_t j = b; j < e; ++j) o[j] = static_cast<T>(a[j - b]);
              continue;
            }
            for (int64_t j = b; j < e; ++j) o[j] = r.identity();
            for (int64_t m = 0; m < n; ++m) {
              int64_t ri, unused;
              red.offsets(m, ri, unused);
              const T* s = src + io + ri;
              for (int64_t j = b; j < e; ++j) o[j] = r.combine(o[j], s[j]);
            }
          }
        });
    return;
  }

  // Path 3: the innermost reduced dim is contiguous (e.g. a sum over {0, 2, 3} of [N, C, H, W]):
  // each output combines contiguous runs, each reduced with the row kernel.
  if (red.in_strides.back() == 1) {
    const int64_t run = red.sizes.back(), runs = run == 0 ? 0 : n / run;  // no runs if empty
    parallel_for(0, num_out, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(n, 1)),
                 [&](int64_t b, int64_t e) {
                   const Reducer<Acc<T>> ra{op};
                   for (int64_t i = b; i < e; ++i) {
                     int64_t io, oo;
                     kept.offsets(i, io, oo);
                     Acc<T> acc = ra.identity();
                     for (int64_t m = 0; m < runs; ++m) {
                       int64_t ri, unused;
                       red.offsets(m * run, ri, unused);
                       acc = ra.combine(acc, reduce_contiguous(r, src + io + ri, run));
                     }
                     dst[oo] = static_cast<T>(acc);
                   }
                 });
    return;
  }

  // Path 4: anything else, one output at a time.
  parallel_for(0, num_out, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(n, 1)),
               [&](int64_t b, int64_t e) {
                 Reducer<Acc<T>> ra{op};
                 for (int64_t i = b; i < e; ++i) {
                   int64_t io, oo;
                   kept.offsets(i, io, oo);
                   Acc<T> acc = ra.identity();
                   for (int64_t m = 0; m < n; ++m) {
                     int64_t ri, unused;
                     red.offsets(m, ri, unused);
                     acc = ra.combine(acc, static_cast<Acc<T>>(src[io + ri]));
                   }
                   dst[oo] = static_cast<T>(acc);
                 }
               });
}

void reduce(ReduceOp op, const Tensor& out, const Tensor& in) {
  EMBER_DISPATCH_ALL(in.dtype(), "reduce", [&] { reduce_typed<scalar_t>(op, out, in); });
}

// Max or min along one dim, keeping the index of the first extreme (or first NaN).
template <typename T>
void reduce_with_index_typed(bool is_max, const Tensor& values, const Tensor& indices,
                             const Tensor& in, int64_t dim) {
  DimGroup outer;
  for (int64_t d = 0; d < in.dim(); ++d)
    if (d != dim) outer.add(in.sizes()[d], in.strides()[d], 0);
  const int64_t n = in.sizes()[dim], step = in.strides()[dim];
  const T* src = in.data_ptr<T>();
  T* vals = values.data_ptr<T>();
  int64_t* idx = indices.data_ptr<int64_t>();
  // values and indices are contiguous with the outer dims in row-major order.
  parallel_for(0, outer.count, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(n, 1)),
               [&](int64_t b, int64_t e) {
                 for (int64_t i = b; i < e; ++i) {
                   int64_t io, unused;
                   outer.offsets(i, io, unused);
                   const T* p = src + io;
                   T best = p[0];
                   int64_t best_i = 0;
                   for (int64_t k = 1; k < n && best == best; ++k) {
                     const T v = p[k * step];
                     if (v != v || (is_max ? v > best : v < best)) {
                       best = v;
                       best_i = k;
                     }
                   }
                   vals[i] = best;
                   idx[i] = best_i;
                 }
               });
}

void reduce_with_index(bool is_max, const Tensor& values, const Tensor& indices, const Tensor& in,
                       int64_t dim) {
  EMBER_DISPATCH_ALL(in.dtype(), is_max ? "max" : "min",
                     [&] { reduce_with_index_typed<scalar_t>(is_max, values, indices, in, dim); });
}

// Calls row(in_offset, out_offset) for every position of the dims other than dim, split across
// threads; out is contiguous with in's shape.
template <typename Row>
void for_each_row(const Tensor& out, const Tensor& in, int64_t dim, const Row& row) {
  DimGroup outer;
  for (int64_t d = 0; d < in.dim(); ++d)
    if (d != dim) outer.add(in.sizes()[d], in.strides()[d], out.strides()[d]);
  const int64_t n = in.sizes()[dim];
  parallel_for(0, outer.count, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(n, 1)),
               [&](int64_t b, int64_t e) {
                 for (int64_t i = b; i < e; ++i) {
                   int64_t io, oo;
                   outer.offsets(i, io, oo);
                   row(io, oo);
                 }
               });
}

// Running sums along dim. Floats accumulate in double, as PyTorch's CPU cumsum does, so long
// rows keep their precision; integers wrap.
template <typename T>
void cumsum_typed(const Tensor& out, const Tensor& in, int64_t dim) {
  using Acc = std::conditional_t<std::is_floating_point_v<T>, double, T>;
  const int64_t n = in.sizes()[dim], in_step = in.strides()[dim], out_step = out.strides()[dim];
  const T* src = in.data_ptr<T>();
  T* dst = out.data_ptr<T>();
  for_each_row(out, in, dim, [&](int64_t io, int64_t oo) {
    Acc acc = Acc(0);
    for (int64_t k = 0; k < n; ++k) {
      if constexpr (std::is_same_v<T, bool>)
        acc = acc || src[io + k * in_step];
      else if constexpr (std::is_floating_point_v<T>)
        acc += src[io + k * in_step];
      else
        acc = wrapping_add(acc, src[io + k * in_step]);
      dst[oo + k * out_step] = static_cast<T>(acc);
    }
  });
}

void cumsum(const Tensor& out, const Tensor& in, int64_t dim) {
  EMBER_DISPATCH_ALL(in.dtype(), "cumsum", [&] { cumsum_typed<scalar_t>(out, in, dim); });
}

template <typename T>
void scan_typed(ScanOp op, const Tensor& out, const Tensor& indices, const Tensor& in,
                int64_t dim) {
  const int64_t n = in.sizes()[dim], in_step = in.strides()[dim], out_step = out.strides()[dim];
  const T* src = in.data_ptr<T>();
  T* dst = out.data_ptr<T>();
  int64_t* idx = indices.defined() ? indices.data_ptr<int64_t>() : nullptr;
  for_each_row(out, in, dim, [&](int64_t io, int64_t oo) {
    if (n == 0) return;
    T acc = src[io];
    int64_t at = 0;
    for (int64_t k = 0; k < n; ++k) {
      const T x = src[io + k * in_step];
      if (k > 0) {
        switch (op) {
          case ScanOp::Prod:
            acc = wrapping_mul(acc, x);
            break;
          // The latest extreme wins ties, and a NaN, once seen, stays (a later NaN moves the
          // index), as in PyTorch.
          case ScanOp::Max:
          case ScanOp::Min: {
            bool take = op == ScanOp::Max ? x >= acc : x <= acc;
            if constexpr (std::is_floating_point_v<T>) take = x != x || (take && acc == acc);
            if (take) acc = x, at = k;
            break;
          }
          case ScanOp::LogSumExp:
            if constexpr (std::is_floating_point_v<T>) acc = log_add_exp(acc, x, false);
            break;
        }
      }
      dst[oo + k * out_step] = acc;
      if (idx) idx[oo + k * out_step] = at;
    }
  });
}

void scan(ScanOp op, const Tensor& out, const Tensor& indices, const Tensor& in, int64_t dim) {
  EMBER_DISPATCH_ALL(in.dtype(), "scan", [&] { scan_typed<scalar_t>(op, out, indices, in, dim); });
}

// Sorts each row along dim, keeping equal elements in their order (so `stable` needs nothing
// more); NaN sorts above every number, as in PyTorch.
template <typename T>
void sort_typed(const Tensor& values, const Tensor& indices, const Tensor& in, int64_t dim,
                bool descending) {
  const int64_t n = in.sizes()[dim], in_step = in.strides()[dim];
  const int64_t out_step = values.strides()[dim];
  const T* src = in.data_ptr<T>();
  T* vals = values.data_ptr<T>();
  int64_t* idx = indices.data_ptr<int64_t>();
  auto less = [](T a, T b) {
    if constexpr (std::is_floating_point_v<T>) {
      if (b != b) return a == a;
      return a < b;
    } else {
      return a < b;
    }
  };
  for_each_row(values, in, dim, [&](int64_t io, int64_t oo) {
    std::vector<int64_t> order(static_cast<size_t>(n));
    for (int64_t k = 0; k < n; ++k) order[static_cast<size_t>(k)] = k;
    const T* row = src + io;
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
      return descending ? less(row[b * in_step], row[a * in_step])
                        : less(row[a * in_step], row[b * in_step]);
    });
    for (int64_t k = 0; k < n; ++k) {
      const int64_t from = order[static_cast<size_t>(k)];
      vals[oo + k * out_step] = row[from * in_step];
      idx[oo + k * out_step] = from;
    }
  });
}

void sort(const Tensor& values, const Tensor& indices, const Tensor& in, int64_t dim,
          bool descending) {
  EMBER_DISPATCH_ALL(in.dtype(), "sort",
                     [&] { sort_typed<scalar_t>(values, indices, in, dim, descending); });
}

}  // namespace

void fill_reduce_kernels(KernelTable& table) {
  table.reduce = reduce;
  table.reduce_with_index = reduce_with_index;
  table.cumsum = cumsum;
  table.scan = scan;
  table.sort = sort;
}

}  // namespace ember::detail::cpu
