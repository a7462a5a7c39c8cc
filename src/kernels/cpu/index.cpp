// Gathering kernels: index_select and gather, over strided inputs into contiguous outputs.
#include <cstring>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/parallel_for.h"
#include "kernels/cpu/scalar_ops.h"

namespace ember::detail::cpu {
namespace {

// Element offset of linear position i (row-major over sizes) under strides.
inline int64_t offset_of(int64_t i, IntArrayRef sizes, IntArrayRef strides) {
  int64_t off = 0;
  for (size_t d = sizes.size(); d-- > 0;) {
    off += (i % sizes[d]) * strides[d];
    i /= sizes[d];
  }
  return off;
}

void index_select(const Tensor& out, const Tensor& in, int64_t dim, const Tensor& index) {
  EMBER_DISPATCH_ALL(in.dtype(), "index_select", [&] {
    const scalar_t* src = in.data_ptr<scalar_t>();
    scalar_t* dst = out.data_ptr<scalar_t>();
    const int64_t* idx = index.data_ptr<int64_t>();
    const int64_t istride = index.dim() == 0 ? 0 : index.strides()[0];
    const int64_t total = out.numel();
    parallel_for(0, total, kElementwiseGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        // Decompose the output position, replacing the coordinate along dim by the index.
        int64_t rem = i, off = 0;
        for (int64_t d = out.dim(); d-- > 0;) {
          int64_t c = rem % out.sizes()[d];
          rem /= out.sizes()[d];
          if (d == dim) c = idx[c * istride];
          off += c * in.strides()[d];
        }
        dst[i] = src[off];
      }
    });
  });
}

// Offset, under `strides`, of the element that position i of index (row-major) names: i's own
// coordinates, with the one along dim replaced by the index value there.
inline int64_t indexed_offset(int64_t i, const Tensor& index, const int64_t* idx, int64_t dim,
                              IntArrayRef strides) {
  const int64_t k = idx[offset_of(i, index.sizes(), index.strides())];
  int64_t off = 0;
  for (int64_t d = index.dim(); d-- > 0;) {
    const int64_t c = i % index.sizes()[d];
    i /= index.sizes()[d];
    off += (d == dim ? k : c) * strides[d];
  }
  return off;
}

void gather(const Tensor& out, const Tensor& in, int64_t dim, const Tensor& index) {
  EMBER_DISPATCH_ALL(in.dtype(), "gather", [&] {
    const scalar_t* src = in.data_ptr<scalar_t>();
    scalar_t* dst = out.data_ptr<scalar_t>();
    const int64_t* idx = index.data_ptr<int64_t>();
    parallel_for(0, out.numel(), kElementwiseGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i)
        dst[i] = src[indexed_offset(i, index, idx, dim, in.strides())];
    });
  });
}

// Serial: several source elements may add into the same output element.
void scatter_add(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src) {
  EMBER_DISPATCH_NUMERIC(out.dtype(), "scatter_add", [&] {
    scalar_t* dst = out.data_ptr<scalar_t>();
    const scalar_t* from = src.data_ptr<scalar_t>();
    const int64_t* idx = index.data_ptr<int64_t>();
    for (int64_t i = 0; i < index.numel(); ++i) {
      scalar_t& d = dst[indexed_offset(i, index, idx, dim, out.strides())];
      d = wrapping_add(d, from[offset_of(i, index.sizes(), src.strides())]);
    }
  });
}

void scatter(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src,
             ScatterMode mode) {
  EMBER_DISPATCH_ALL(out.dtype(), "scatter", [&] {
    scalar_t* dst = out.data_ptr<scalar_t>();
    const scalar_t* from = src.data_ptr<scalar_t>();
    const int64_t* idx = index.data_ptr<int64_t>();
    for (int64_t i = 0; i < index.numel(); ++i) {
      scalar_t& d = dst[indexed_offset(i, index, idx, dim, out.strides())];
      const scalar_t v = from[offset_of(i, index.sizes(), src.strides())];
      switch (mode) {
        case ScatterMode::Set:
          d = v;
          break;
        case ScatterMode::Multiply:
          d = wrapping_mul(d, v);
          break;
        case ScatterMode::Max:
          d = BinaryFn<BinaryOp::Maximum, scalar_t>{}(d, v);
          break;
        case ScatterMode::Min:
          d = BinaryFn<BinaryOp::Minimum, scalar_t>{}(d, v);
          break;
      }
    }
  });
}

void searchsorted(const Tensor& out, const Tensor& sorted, const Tensor& values, bool right) {
  EMBER_DISPATCH_ALL(values.dtype(), "searchsorted", [&] {
    const int64_t rows = out.size(0), m = out.size(1), n = sorted.size(1);
    const bool shared = sorted.size(0) == 1;
    const scalar_t* seq = sorted.data_ptr<scalar_t>();
    const scalar_t* val = values.data_ptr<scalar_t>();
    int64_t* dst = out.data_ptr<int64_t>();
    // a < b with NaN above every number (the order sort gives).
    auto less = [](scalar_t a, scalar_t b) {
      if constexpr (std::is_floating_point_v<scalar_t>)
        if (b != b) return a == a;
      if constexpr (std::is_floating_point_v<scalar_t>)
        if (a != a) return false;
      return a < b;
    };
    parallel_for(0, rows * m, kElementwiseGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const scalar_t* row = seq + (shared ? 0 : (i / m) * n);
        const scalar_t v = val[i];
        int64_t lo = 0, hi = n;
        while (lo < hi) {
          const int64_t mid = lo + (hi - lo) / 2;
          const bool go_right = right ? !less(v, row[mid]) : less(row[mid], v);
          if (go_right)
            lo = mid + 1;
          else
            hi = mid;
        }
        dst[i] = lo;
      }
    });
  });
}

}  // namespace

void fill_index_kernels(KernelTable& table) {
  table.index_select = index_select;
  table.gather = gather;
  table.scatter_add = scatter_add;
  table.scatter = scatter;
  table.searchsorted = searchsorted;
}

}  // namespace ember::detail::cpu
