// einsum: the equation is parsed into one label per dim, every operand is brought to a common
// layout (ellipsis dims, then the output's labels, then the summed ones; size 1 where a label is
// absent), and the operands are contracted left to right, each pair as one batched matrix product
// (summing a label as soon as no later operand needs it). Everything is made of differentiable
// ops, so gradients of any order follow.
#include <algorithm>
#include <array>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

#include "ember/ops/index.h"
#include "ember/ops/linalg.h"
#include "ember/ops/reduce.h"
#include "ops/op_utils.h"

namespace ember {
namespace {

constexpr int kLetters = 52;
constexpr int kEllipsis = -1;

int label_of(char c) {
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= 'A' && c <= 'Z') return 26 + (c - 'A');
  return -2;
}

char letter_of(int label) {
  return static_cast<char>(label < 26 ? 'a' + label : 'A' + (label - 26));
}

// One term of the equation: a label per subscript, kEllipsis for "...".
std::vector<int> parse_term(std::string_view term, size_t offset, bool allow_ellipsis = true) {
  std::vector<int> labels;
  bool ellipsis = false;
  for (size_t i = 0; i < term.size(); ++i) {
    if (term[i] == '.') {
      EMBER_CHECK(allow_ellipsis && !ellipsis && term.substr(i, 3) == "...",
                  "einsum(): found '.' for operand {} that is not part of any ellipsis", offset);
      ellipsis = true;
      labels.push_back(kEllipsis);
      i += 2;
      continue;
    }
    const int label = label_of(term[i]);
    EMBER_CHECK(label >= 0,
                "einsum(): invalid subscript given at index {} in the equation string, "
                "subscripts must be in [a-zA-Z]",
                offset + i);
    labels.push_back(label);
  }
  return labels;
}

// The operand with its repeated labels reduced to their diagonal, and the labels of its dims
// (ellipsis dims as kEllipsis).
struct Operand {
  Tensor t;
  std::vector<int> dims;
};

Operand take_diagonals(Tensor t, std::vector<int> dims, size_t operand) {
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == kEllipsis) continue;
    for (size_t j = i + 1; j < dims.size(); ++j) {
      if (dims[j] != dims[i]) continue;
      EMBER_CHECK(t.size(i) == t.size(j),
                  "einsum(): subscript {} is repeated for operand {} but the sizes don't match, "
                  "{} != {}",
                  letter_of(dims[i]), operand, t.size(j), t.size(i));
      // diagonal() moves the pair to the last dim.
      t = t.diagonal(0, static_cast<int64_t>(i), static_cast<int64_t>(j));
      const int label = dims[i];
      dims.erase(dims.begin() + j);
      dims.erase(dims.begin() + i);
      dims.push_back(label);
      return take_diagonals(t, dims, operand);
    }
  }
  return {t, dims};
}

// Contracts two operands of equal rank laid out alike: dims in `summed` are summed, the rest are
// kept (size 1 where both have size 1). One bmm over [batch, rows of a, summed] x [batch, summed,
// columns of b].
Tensor contract(Tensor a, Tensor b, const std::vector<bool>& summed) {
  const int64_t rank = a.dim();
  std::vector<int64_t> batch, rows, cols, sum_dims;
  for (int64_t d = 0; d < rank; ++d) {
    const bool in_a = a.size(d) != 1, in_b = b.size(d) != 1;
    if (summed[d]) {
      // A summed label only one side has is summed there alone.
      if (in_a && in_b) {
        sum_dims.push_back(d);
        continue;
      }
      if (in_a) a = a.sum({d}, true);
      if (in_b) b = b.sum({d}, true);
      cols.push_back(d);  // now of size 1 on both sides
    } else if (in_a && in_b) {
      batch.push_back(d);
    } else if (in_a) {
      rows.push_back(d);
    } else {
      cols.push_back(d);  // b's own dims, and dims of size 1 in both
    }
  }
  const auto product = [&](const std::vector<int64_t>& dims, const Tensor& t) {
    int64_t n = 1;
    for (int64_t d : dims) n *= t.size(d);
    return n;
  };
  const int64_t nb = product(batch, a), nr = product(rows, a), nk = product(sum_dims, a),
                nc = product(cols, b);
  std::vector<int64_t> order_a = batch, order_b = batch;
  order_a.insert(order_a.end(), rows.begin(), rows.end());
  order_a.insert(order_a.end(), sum_dims.begin(), sum_dims.end());
  order_a.insert(order_a.end(), cols.begin(), cols.end());
  order_b.insert(order_b.end(), sum_dims.begin(), sum_dims.end());
  order_b.insert(order_b.end(), rows.begin(), rows.end());
  order_b.insert(order_b.end(), cols.begin(), cols.end());
  const Tensor out =
      bmm(a.permute(order_a).reshape({nb, nr, nk}), b.permute(order_b).reshape({nb, nk, nc}));
  // Back to the common layout: [batch, rows, cols] sizes, summed dims as 1.
  DimVector shape;
  std::vector<int64_t> placed;
  for (int64_t d : batch) shape.push_back(a.size(d)), placed.push_back(d);
  for (int64_t d : rows) shape.push_back(a.size(d)), placed.push_back(d);
  for (int64_t d : cols) shape.push_back(b.size(d)), placed.push_back(d);
  for (int64_t d : sum_dims) shape.push_back(1), placed.push_back(d);
  std::vector<int64_t> inverse(rank);
  for (int64_t i = 0; i < rank; ++i) inverse[placed[i]] = i;
  return out.reshape(shape).permute(inverse);
}

}  // namespace

Tensor einsum(std::string_view equation, TensorList operands) {
  EMBER_CHECK(!operands.empty(), "einsum(): must provide at least one operand");
  std::string eq;
  for (char c : equation)
    if (c != ' ') eq += c;
  const size_t arrow = eq.find("->");
  const std::string lhs = eq.substr(0, arrow);

  // ---- Parse the inputs ----
  std::vector<std::vector<int>> terms;
  for (size_t start = 0;;) {
    const size_t comma = lhs.find(',', start);
    terms.push_back(parse_term(std::string_view(lhs).substr(start, comma - start), start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  EMBER_CHECK(terms.size() >= operands.size(),
              "einsum(): more operands were provided than specified in the equation");
  EMBER_CHECK(terms.size() <= operands.size(),
              "einsum(): fewer operands were provided than specified in the equation");

  // Each operand's labels per dim, its ellipsis expanded into kEllipsis dims.
  int64_t ellipsis_rank = 0;
  std::array<int, kLetters> count{};
  std::vector<Operand> ops;
  for (size_t k = 0; k < terms.size(); ++k) {
    const Tensor& t = operands[k];
    const std::vector<int>& term = terms[k];
    const bool has_ellipsis = std::count(term.begin(), term.end(), kEllipsis) > 0;
    const int64_t letters = static_cast<int64_t>(term.size()) - (has_ellipsis ? 1 : 0);
    EMBER_CHECK(has_ellipsis ? t.dim() >= letters : t.dim() == letters,
                "einsum(): the number of subscripts in the equation ({}) does not match the "
                "number of dimensions ({}) for operand {}{}",
                letters, t.dim(), k, has_ellipsis ? "" : " and no ellipsis was given");
    std::vector<int> dims;
    for (int label : term) {
      if (label == kEllipsis) {
        const int64_t covered = t.dim() - letters;
        ellipsis_rank = std::max(ellipsis_rank, covered);
        dims.insert(dims.end(), covered, kEllipsis);
      } else {
        dims.push_back(label);
        ++count[label];
      }
    }
    ops.push_back(take_diagonals(t, dims, k));
  }

  // ---- The output's labels ----
  std::vector<int> output;
  if (arrow != std::string::npos) {
    for (int label : parse_term(std::string_view(eq).substr(arrow + 2), arrow + 2)) {
      if (label != kEllipsis) {
        EMBER_CHECK(std::find(output.begin(), output.end(), label) == output.end(),
                    "einsum(): output subscript {} appears more than once in the output",
                    letter_of(label));
        EMBER_CHECK(count[label] > 0,
                    "einsum(): output subscript {} does not appear in the equation for any input "
                    "operand",
                    letter_of(label));
      }
      output.push_back(label);
    }
  } else {
    // Implicit: the ellipsis dims, then the labels seen once, in alphabetical order.
    if (ellipsis_rank > 0) output.push_back(kEllipsis);
    for (int label = 0; label < kLetters; ++label)
      if (count[label] == 1) output.push_back(label);
  }

  // ---- The common layout: ellipsis dims, output labels, summed labels ----
  std::vector<int> layout;  // label per position; ellipsis positions are kEllipsis
  std::vector<int> summed_labels;
  for (int label : output)
    if (label != kEllipsis) layout.push_back(label);
  for (int label = 0; label < kLetters; ++label)
    if (count[label] > 0 && std::find(layout.begin(), layout.end(), label) == layout.end())
      summed_labels.push_back(label);
  layout.insert(layout.end(), summed_labels.begin(), summed_labels.end());
  const int64_t rank = ellipsis_rank + static_cast<int64_t>(layout.size());
  const auto position = [&](int label) {
    return ellipsis_rank + (std::find(layout.begin(), layout.end(), label) - layout.begin());
  };

  // Bring every operand to the layout, checking that each label's sizes broadcast.
  std::array<int64_t, kLetters> size_of{};
  size_of.fill(1);
  std::vector<Tensor> aligned;
  for (size_t k = 0; k < ops.size(); ++k) {
    const Operand& op = ops[k];
    std::vector<int64_t> order;  // dims of op.t in layout order
    DimVector shape(rank, 1);
    const int64_t own_ellipsis = std::count(op.dims.begin(), op.dims.end(), kEllipsis);
    int64_t e = ellipsis_rank - own_ellipsis;  // right-aligned, as broadcasting does
    std::vector<int64_t> at(op.dims.size());
    for (size_t d = 0; d < op.dims.size(); ++d) {
      const int label = op.dims[d];
      const int64_t size = op.t.size(static_cast<int64_t>(d));
      if (label == kEllipsis) {
        at[d] = e++;
      } else {
        EMBER_CHECK(size == 1 || size_of[label] == 1 || size_of[label] == size,
                    "einsum(): subscript {} has size {} for operand {} which does not broadcast "
                    "with previously seen size {}",
                    letter_of(label), size, k, size_of[label]);
        if (size != 1) size_of[label] = size;
        at[d] = position(label);
      }
      shape[at[d]] = size;
    }
    // Permute op.t's dims into layout order, then view with size 1 for the missing positions.
    std::vector<int64_t> perm(op.dims.size());
    std::iota(perm.begin(), perm.end(), 0);
    std::sort(perm.begin(), perm.end(), [&](int64_t x, int64_t y) { return at[x] < at[y]; });
    aligned.push_back(op.t.permute(perm).reshape(shape));
  }

  // ---- Contract left to right ----
  // A summed label is summed once no later operand has it.
  const auto last_user = [&](int label) {
    size_t last = 0;
    for (size_t k = 0; k < aligned.size(); ++k)
      if (aligned[k].size(position(label)) != 1) last = k;
    return last;
  };
  Tensor result = aligned[0];
  const auto sum_done = [&](Tensor t, size_t k) {
    for (int label : summed_labels)
      if (last_user(label) <= k && t.size(position(label)) != 1) t = t.sum({position(label)}, true);
    return t;
  };
  if (aligned.size() == 1) result = sum_done(result, 0);
  for (size_t k = 1; k < aligned.size(); ++k) {
    std::vector<bool> summed(rank, false);
    for (int label : summed_labels) summed[position(label)] = last_user(label) <= k;
    result = contract(result, aligned[k], summed);
  }

  // ---- Drop the summed dims and order the output ----
  DimVector kept;
  const bool keep_ellipsis = std::find(output.begin(), output.end(), kEllipsis) != output.end();
  if (ellipsis_rank > 0 && !keep_ellipsis) {
    // An explicit output without "..." sums the ellipsis dims.
    std::vector<int64_t> leading(ellipsis_rank);
    std::iota(leading.begin(), leading.end(), 0);
    result = result.sum(leading, true);
  }
  for (int64_t d = 0; d < ellipsis_rank && keep_ellipsis; ++d) kept.push_back(result.size(d));
  for (int label : output)
    if (label != kEllipsis) kept.push_back(result.size(position(label)));
  result = result.reshape(kept);
  // The layout puts the ellipsis first; the output may place it elsewhere.
  const auto at_ellipsis = std::find(output.begin(), output.end(), kEllipsis);
  if (ellipsis_rank > 0 && at_ellipsis != output.begin() && at_ellipsis != output.end()) {
    const int64_t before = at_ellipsis - output.begin();
    std::vector<int64_t> perm;
    for (int64_t d = 0; d < before; ++d) perm.push_back(ellipsis_rank + d);
    for (int64_t d = 0; d < ellipsis_rank; ++d) perm.push_back(d);
    for (int64_t d = ellipsis_rank + before; d < result.dim(); ++d) perm.push_back(d);
    result = result.permute(perm);
  }
  return result;
}

}  // namespace ember
