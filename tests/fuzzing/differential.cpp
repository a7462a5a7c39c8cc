#include "fuzzing/differential.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <random>
#include <regex>
#include <set>
#include <sstream>

namespace ember::fuzzing {
namespace F = nn::functional;

// ---------------------------------------------------------------------------------------------
// The catalogue.

namespace {

// The body of a Markdown code span as check_errors.py writes it: a run of backticks, the text
// (padded with one space on each side when it starts or ends with a backtick) and the same run;
// backslash escapes \n, \t, \r and \<char>.
bool parse_code_span(const std::string& s, std::string& out) {
  const size_t run = s.find_first_not_of('`');
  if (run == 0 || run == std::string::npos || s.size() < 2 * run) return false;
  if (s.compare(s.size() - run, run, std::string(run, '`')) != 0) return false;
  std::string body = s.substr(run, s.size() - 2 * run);
  if (body.size() >= 2 && body.front() == ' ' && body.back() == ' ' &&
      body.find_first_not_of(' ') != std::string::npos)
    body = body.substr(1, body.size() - 2);
  out.clear();
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\\' || i + 1 == body.size()) {
      out += body[i];
      continue;
    }
    const char c = body[++i];
    out += c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
  }
  return true;
}

// Whether text matches pattern, where each "{}" of the pattern matches any text.
bool matches(const std::string& pattern, const std::string& text) {
  std::vector<std::string> pieces;
  for (size_t at = 0;;) {
    const size_t hole = pattern.find("{}", at);
    pieces.push_back(pattern.substr(at, hole == std::string::npos ? std::string::npos : hole - at));
    if (hole == std::string::npos) break;
    at = hole + 2;
  }
  if (text.compare(0, pieces.front().size(), pieces.front()) != 0) return false;
  if (pieces.size() == 1) return text.size() == pieces.front().size();
  const std::string& last = pieces.back();
  if (text.size() < pieces.front().size() + last.size() ||
      text.compare(text.size() - last.size(), last.size(), last) != 0)
    return false;
  // The middle pieces in order, each at its first place: the earliest fit leaves the most room.
  size_t at = pieces.front().size();
  const size_t end = text.size() - last.size();
  for (size_t i = 1; i + 1 < pieces.size(); ++i) {
    const size_t found = text.find(pieces[i], at);
    if (found == std::string::npos || found + pieces[i].size() > end) return false;
    at = found + pieces[i].size();
  }
  return true;
}

}  // namespace

ErrorCatalogue::ErrorCatalogue(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error("ErrorCatalogue: cannot read " + path);
  static const std::pair<const char*, ErrorKind> kKinds[] = {
      {"Runtime", ErrorKind::Runtime},
      {"Index", ErrorKind::Index},
      {"Type", ErrorKind::Type},
      {"Value", ErrorKind::Value},
      {"NotImplemented", ErrorKind::NotImplemented}};
  std::string line;
  bool below_marker = false;
  while (std::getline(in, line)) {
    if (line.rfind("<!-- error-catalogue:", 0) == 0) below_marker = true;
    if (!below_marker) continue;
    std::string pattern;
    if (line.rfind("- `", 0) == 0 && parse_code_span(line.substr(2), pattern)) {
      // A template of almost nothing but holes (`{}: {}: {}`, a file error passing on the
      // system's message) would match any message: it vouches for none.
      const std::string literal = std::regex_replace(pattern, std::regex("\\{\\}"), "");
      const auto letters = std::count_if(literal.begin(), literal.end(),
                                         [](unsigned char c) { return std::isalpha(c); });
      entries_.push_back({letters >= 8 ? pattern : std::string(), {}});
    } else if (line.rfind("  - **Kind:** ", 0) == 0 && !entries_.empty()) {
      for (const auto& [name, kind] : kKinds)
        if (line.find(std::string(" ") + name + " (`") != std::string::npos ||
            line.find(std::string("** ") + name + " (`") != std::string::npos)
          entries_.back().kinds.push_back(kind);
    }
  }
  if (entries_.size() < 100)
    throw Error("ErrorCatalogue: " + path + " lists only " + std::to_string(entries_.size()) +
                " messages");
}

const ErrorCatalogue& ErrorCatalogue::project() {
  static const ErrorCatalogue catalogue(EMBER_ERROR_CATALOGUE);
  return catalogue;
}

std::string ErrorCatalogue::match(const Error& e) const {
  for (const Entry& entry : entries_) {
    if (!entry.pattern.empty() &&
        std::find(entry.kinds.begin(), entry.kinds.end(), e.kind()) != entry.kinds.end() &&
        matches(entry.pattern, e.what()))
      return entry.pattern;
  }
  return "";
}

// ---------------------------------------------------------------------------------------------
// The ops a step can run.

namespace {

// Results larger than this are dropped, so that a program stays cheap to gradcheck.
constexpr int64_t kMaxElements = 96;
constexpr size_t kMaxSteps = 8;

// A step's parameter bytes, read by position (byte k of the step), so that what a call reads
// does not depend on the order in which the compiler evaluates its arguments; reads past the
// end give zeros.
class Args {
 public:
  explicit Args(const std::array<uint8_t, 6>& bytes) : bytes_(bytes) {}
  uint8_t at(size_t k) const { return k < bytes_.size() ? bytes_[k] : 0; }
  int64_t below(size_t k, int64_t n) const { return n <= 0 ? 0 : at(k) % n; }
  bool flag(size_t k) const { return at(k) & 1; }
  // A dim of a tensor of this rank (0-dim tensors take 0 and -1); one in sixteen is out of
  // range, which must raise.
  int64_t dim(size_t k, int64_t rank) const {
    const int64_t r = std::max<int64_t>(rank, 1);
    const uint8_t b = at(k);
    if (b % 16 == 15) return b & 16 ? r : -r - 1;
    return static_cast<int64_t>(b % (2 * r)) - r;
  }
  double scalar(size_t k) const {
    static constexpr double kScalars[] = {0.5, 2.0, -1.5, 3.0, 0.25, -0.75, 1.0, -2.0};
    return kScalars[at(k) % 8];
  }

 private:
  std::array<uint8_t, 6> bytes_;
};

struct Operands {
  const Tensor& a;
  const Tensor& b;
  ScalarType floating;  // the program's floating dtype (float64 or float32)
  const Args& r;
  int64_t rank() const { return a.dim(); }
  int64_t size(int64_t d) const { return a.dim() == 0 ? 1 : a.size(d); }
};

// Keeps domain-limited ops away from the edges of their domains: |t| + 1/4.
Tensor positive(const Tensor& t) { return t.abs().add(0.25); }

// An index tensor of n entries in [0, bound), from the step's bytes first, first + 1, ...
Tensor indices(const Args& r, size_t first, int64_t n, int64_t bound) {
  Tensor index = empty({n}, kInt64);
  for (int64_t i = 0; i < n; ++i)
    index.data_ptr<int64_t>()[i] =
        r.below(first + static_cast<size_t>(i), std::max<int64_t>(bound, 1));
  return index;
}

// A view of t chosen by the step's bytes 0 to 3, for the in-place steps to write through.
Tensor some_view(const Args& r, const Tensor& t) {
  const int64_t rank = t.dim();
  switch (r.below(0, 5)) {
    case 0:
      return t.select(r.dim(1, rank), r.below(2, 2));
    case 1:
      return t.slice(r.dim(1, rank), r.below(2, 2), std::nullopt, r.below(3, 2) + 1);
    case 2:
      return t.transpose(r.dim(1, rank), r.dim(2, rank));
    case 3:
      return rank >= 2 ? t.diagonal() : t.narrow(0, 0, 1);
    default:
      return t;
  }
}

// Writes into a fresh copy of a (through a view of it, when the bytes say so): the copy has
// history, so the write is recorded and the gradient must flow around it.
Tensor write_into_copy(Operands& o, const std::function<void(Tensor&)>& write) {
  Tensor copy = o.a.clone();
  Tensor target = some_view(o.r, copy);
  write(target);
  return copy;
}

struct OpCase {
  const char* name;
  Tensor (*run)(Operands&);
  // How far float32's vector-Jacobian product may stray from float64's, relative to the value,
  // beyond what the noise runs explain.
  double grad_rtol = 1e-4;
};

// clang-format off
const OpCase kOps[] = {
    // Elementwise, one input.
    {"neg", [](Operands& o) { return o.a.neg(); }},
    {"abs", [](Operands& o) { return o.a.abs(); }},
    {"exp", [](Operands& o) { return o.a.exp(); }},
    {"log(|a|+1/4)", [](Operands& o) { return positive(o.a).log(); }},
    {"sqrt(|a|+1/4)", [](Operands& o) { return positive(o.a).sqrt(); }},
    {"rsqrt(|a|+1/4)", [](Operands& o) { return positive(o.a).rsqrt(); }},
    {"reciprocal", [](Operands& o) { return o.a.reciprocal(); }},
    {"sin", [](Operands& o) { return o.a.sin(); }},
    {"cos", [](Operands& o) { return o.a.cos(); }},
    {"tan", [](Operands& o) { return o.a.tan(); }},
    {"tanh", [](Operands& o) { return o.a.tanh(); }},
    {"sigmoid", [](Operands& o) { return o.a.sigmoid(); }},
    {"relu", [](Operands& o) { return o.a.relu(); }},
    {"sign", [](Operands& o) { return o.a.sign(); }},
    {"floor", [](Operands& o) { return o.a.floor(); }},
    {"erf", [](Operands& o) { return erf(o.a); }},
    {"erfc", [](Operands& o) { return erfc(o.a); }},
    {"atan", [](Operands& o) { return atan(o.a); }},
    {"sinh", [](Operands& o) { return sinh(o.a); }},
    {"asinh", [](Operands& o) { return asinh(o.a); }},
    {"expm1", [](Operands& o) { return expm1(o.a); }},
    {"log1p(|a|)", [](Operands& o) { return log1p(o.a.abs()); }},
    {"square", [](Operands& o) { return o.a.pow(2); }},
    {"cube", [](Operands& o) { return o.a.pow(3); }},
    {"pow(|a|+1/4, s)", [](Operands& o) { return positive(o.a).pow(o.r.scalar(0)); }},
    {"clamp", [](Operands& o) {
       const double lo = o.r.scalar(0);
       return o.a.clamp(lo, o.r.flag(1) ? std::optional<Scalar>(lo + 1.5) : std::nullopt);
     }},
    {"gelu", [](Operands& o) { return F::gelu(o.a, o.r.flag(0) ? "tanh" : "none"); }},
    {"elu", [](Operands& o) { return F::elu(o.a, o.r.flag(0) ? 1.0 : 0.5); }},
    {"silu", [](Operands& o) { return F::silu(o.a); }},
    {"mish", [](Operands& o) { return F::mish(o.a); }},
    {"softplus", [](Operands& o) { return F::softplus(o.a, o.r.flag(0) ? 1.0 : 2.0); }},
    {"leaky_relu", [](Operands& o) { return F::leaky_relu(o.a, 0.1); }},
    {"logsigmoid", [](Operands& o) { return F::logsigmoid(o.a); }},
    {"hardswish", [](Operands& o) { return F::hardswish(o.a); }},
    {"to", [](Operands& o) {
       const ScalarType types[] = {o.floating, kInt64, kBool, o.floating};
       return o.a.to(types[o.r.below(0, 4)]);
     }},
    // Elementwise, two inputs that broadcast.
    {"add", [](Operands& o) { return o.a.add(o.b, o.r.scalar(0)); }},
    {"sub", [](Operands& o) { return o.a.sub(o.b); }},
    {"mul", [](Operands& o) { return o.a.mul(o.b); }},
    {"div", [](Operands& o) { return o.a.div(o.b); }},
    {"div(a, |b|+1/4)", [](Operands& o) { return o.a.div(positive(o.b)); }},
    {"maximum", [](Operands& o) { return o.a.maximum(o.b); }},
    {"minimum", [](Operands& o) { return o.a.minimum(o.b); }},
    {"pow(|a|+1/4, b)", [](Operands& o) { return positive(o.a).pow(o.b); }},
    {"atan2", [](Operands& o) { return atan2(o.a, o.b); }},
    {"hypot", [](Operands& o) { return hypot(o.a, o.b); }},
    {"logaddexp", [](Operands& o) { return logaddexp(o.a, o.b); }},
    {"xlogy(a, |b|+1/4)", [](Operands& o) { return xlogy(o.a, positive(o.b)); }},
    {"lerp", [](Operands& o) { return o.a.lerp(o.b, o.r.scalar(0)); }},
    {"addcmul", [](Operands& o) { return o.a.addcmul(o.b, o.b, o.r.scalar(0)); }},
    {"where(a > b)", [](Operands& o) { return where(o.a.gt(o.b), o.a, o.b); }},
    {"where(a > 0)", [](Operands& o) { return where(o.a.gt(0), o.a, o.b); }},
    {"masked_fill(b > 0)", [](Operands& o) { return o.a.masked_fill(o.b.gt(0), o.r.scalar(0)); }},
    {"mul(a, b > 0)", [](Operands& o) { return o.a.mul(o.b.gt(0)); }},
    {"add(a, long(b))", [](Operands& o) { return o.a.add(o.b.to(kInt64)); }},
    {"lt", [](Operands& o) { return o.a.lt(o.b); }},
    {"eq", [](Operands& o) { return o.a.eq(o.b); }},
    {"add(a, s)", [](Operands& o) { return o.a.add(o.r.scalar(0)); }},
    {"mul(a, s)", [](Operands& o) { return o.a.mul(o.r.scalar(0)); }},
    // Reductions and scans.
    {"sum", [](Operands& o) { return o.a.sum(); }},
    {"sum(dim)", [](Operands& o) { return o.a.sum({o.r.dim(0, o.rank())}, o.r.flag(1)); }},
    {"mean(dims)", [](Operands& o) {
       return o.a.mean({o.r.dim(0, o.rank()), o.r.dim(1, o.rank())}, o.r.flag(2));
     }},
    {"prod(dim)", [](Operands& o) { return o.a.prod(o.r.dim(0, o.rank()), o.r.flag(1)); }},
    {"amax(dim)", [](Operands& o) { return o.a.amax({o.r.dim(0, o.rank())}, o.r.flag(1)); }},
    {"amin", [](Operands& o) { return o.a.amin(); }},
    {"max(dim).values", [](Operands& o) { return std::get<0>(o.a.max(o.r.dim(0, o.rank()), o.r.flag(1))); }},
    {"min(dim).indices", [](Operands& o) { return std::get<1>(o.a.min(o.r.dim(0, o.rank()))); }},
    {"argmax", [](Operands& o) { return o.a.argmax(o.r.dim(0, o.rank()), o.r.flag(1)); }},
    {"logsumexp", [](Operands& o) { return logsumexp(o.a, {o.r.dim(0, o.rank())}, o.r.flag(1)); }},
    {"norm", [](Operands& o) {
       const double p[] = {1.0, 2.0, 3.0, 2.0};
       return o.a.norm(p[o.r.below(0, 4)], {o.r.dim(1, o.rank())}, o.r.flag(2));
     }},
    {"var", [](Operands& o) { return o.a.var({o.r.dim(0, o.rank())}, o.r.flag(1), o.r.flag(2)); }},
    {"std", [](Operands& o) { return o.a.std({o.r.dim(0, o.rank())}, true, o.r.flag(1)); }},
    {"cumsum", [](Operands& o) { return o.a.cumsum(o.r.dim(0, o.rank())); }},
    {"cumprod", [](Operands& o) { return o.a.cumprod(o.r.dim(0, o.rank())); }},
    {"softmax", [](Operands& o) { return softmax(o.a, o.r.dim(0, o.rank())); }},
    {"log_softmax", [](Operands& o) { return log_softmax(o.a, o.r.dim(0, o.rank())); }},
    {"sort.values", [](Operands& o) { return std::get<0>(o.a.sort(o.r.dim(0, o.rank()), o.r.flag(1))); }},
    {"topk.values", [](Operands& o) {
       const int64_t d = o.r.dim(0, o.rank());
       return std::get<0>(o.a.topk(o.r.below(1, 3) + 1, d, o.r.flag(2)));
     }},
    // Its backward subtracts nearly equal terms where the normalized values are near +-1 (short
    // rows): in float32 it is off by up to 2e-3 relative, in torch too.
    {"layer_norm", [](Operands& o) { return F::layer_norm(o.a, {o.size(-1)}); }, 1e-2},
    // Views and rearrangements.
    {"transpose", [](Operands& o) { return o.a.transpose(o.r.dim(0, o.rank()), o.r.dim(1, o.rank())); }},
    {"permute", [](Operands& o) {
       std::vector<int64_t> order(static_cast<size_t>(o.rank()));
       for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
       for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[o.r.below(i % 6, static_cast<int64_t>(i))]);
       return o.a.permute(order);
     }},
    {"slice", [](Operands& o) {
       const int64_t d = o.r.dim(0, o.rank());
       return o.a.slice(d, o.r.below(1, 3), o.r.below(2, 5) + 1, o.r.below(3, 2) + 1);
     }},
    {"select", [](Operands& o) { return o.a.select(o.r.dim(0, o.rank()), o.r.below(1, 3)); }},
    {"expand", [](Operands& o) {
       std::vector<int64_t> sizes = o.a.sizes().vec();
       for (int64_t& s : sizes)
         if (s == 1) s = o.r.below(0, 3) + 1;
       sizes.insert(sizes.begin(), o.r.below(1, 2) + 1);
       return o.a.expand(sizes);
     }},
    {"unsqueeze", [](Operands& o) { return o.a.unsqueeze(o.r.dim(0, o.rank() + 1)); }},
    {"squeeze", [](Operands& o) { return o.r.flag(0) ? o.a.squeeze() : o.a.squeeze(o.r.dim(1, o.rank())); }},
    {"flatten", [](Operands& o) { return o.a.flatten(); }},
    {"reshape(reversed)", [](Operands& o) {
       std::vector<int64_t> sizes = o.a.sizes().vec();
       std::reverse(sizes.begin(), sizes.end());
       return o.a.reshape(sizes);
     }},
    {"view(-1)", [](Operands& o) { return o.a.view({-1}); }},
    {"narrow", [](Operands& o) { return o.a.narrow(o.r.dim(0, o.rank()), o.r.below(1, 2), o.r.below(2, 2) + 1); }},
    {"t", [](Operands& o) { return o.a.t(); }},
    {"diagonal", [](Operands& o) { return o.a.diagonal(o.r.below(0, 3) - 1, 0, o.r.dim(1, o.rank())); }},
    {"unfold", [](Operands& o) { return o.a.unfold(o.r.dim(0, o.rank()), o.r.below(1, 2) + 1, o.r.below(2, 2) + 1); }},
    {"flip", [](Operands& o) { return o.a.flip({o.r.dim(0, o.rank())}); }},
    {"roll", [](Operands& o) { return o.a.roll({o.r.below(0, 3) - 1}, {o.r.dim(1, o.rank())}); }},
    {"repeat", [](Operands& o) {
       std::vector<int64_t> times(static_cast<size_t>(o.rank()) + o.r.below(0, 2), 1);
       if (!times.empty()) times[o.r.below(1, times.size())] = 2;
       return o.a.repeat(times);
     }},
    {"tril", [](Operands& o) { return o.a.tril(o.r.below(0, 3) - 1); }},
    // Products, joins and indexing.
    {"matmul", [](Operands& o) { return o.a.matmul(o.b); }},
    {"matmul(a, a^T)", [](Operands& o) {
       return o.rank() >= 2 ? o.a.matmul(o.a.transpose(-1, -2)) : o.a.matmul(o.a);
     }},
    {"cat", [](Operands& o) { return cat({o.a, o.b}, o.r.dim(0, o.rank())); }},
    {"stack", [](Operands& o) { return stack({o.a, o.b}, o.r.dim(0, o.rank() + 1)); }},
    {"index_select", [](Operands& o) {
       const int64_t d = o.r.dim(0, o.rank());
       return o.a.index_select(d, indices(o.r, 2, o.r.below(1, 3) + 1, o.size(d)));
     }},
    {"gather", [](Operands& o) {
       const int64_t d = o.r.dim(0, o.rank());
       Tensor index = indices(o.r, 1, 1, o.size(d)).expand(o.a.sizes()).contiguous();
       return o.a.gather(d, index);
     }},
    {"index_add", [](Operands& o) {
       const int64_t d = o.r.dim(0, o.rank());
       return index_add(o.a, d, indices(o.r, 2, o.size(d), o.size(d)), o.a.flip({d}), o.r.scalar(1));
     }},
    // In-place writes into a copy (through a view of it), recorded in the graph.
    {"copy.view.add_", [](Operands& o) {
       return write_into_copy(o, [&](Tensor& t) { t.add_(o.b); });
     }},
    {"copy.view.mul_", [](Operands& o) {
       return write_into_copy(o, [&](Tensor& t) { t.mul_(o.b); });
     }},
    {"copy.view.copy_", [](Operands& o) {
       return write_into_copy(o, [&](Tensor& t) { t.copy_(o.b); });
     }},
    {"copy.view.fill_", [](Operands& o) {
       const double v = o.r.scalar(5);
       return write_into_copy(o, [&](Tensor& t) { t.fill_(v); });
     }},
    {"copy.view.clamp_", [](Operands& o) {
       const double v = o.r.scalar(5);
       return write_into_copy(o, [&](Tensor& t) { t.clamp_(v); });
     }},
    {"copy.view.exp_", [](Operands& o) {
       return write_into_copy(o, [&](Tensor& t) { t.exp_(); });
     }},
    {"copy.view.sigmoid_", [](Operands& o) {
       return write_into_copy(o, [&](Tensor& t) { t.sigmoid_(); });
     }},
    {"copy.masked_fill_", [](Operands& o) {
       const double v = o.r.scalar(5);
       return write_into_copy(o, [&](Tensor& t) { t.masked_fill_(o.b.gt(0), v); });
     }},
    // In-place writes to a tensor of the pool itself: its views see them, leaves that require
    // grad refuse them and saved tensors they overwrite make backward raise.
    {"add_", [](Operands& o) { return o.a.add_(o.b); }},
    {"mul_(s)", [](Operands& o) { return o.a.mul_(o.r.scalar(0)); }},
    {"tanh_", [](Operands& o) { return o.a.tanh_(); }},
    {"zero_", [](Operands& o) { return o.a.zero_(); }},
};
// clang-format on

constexpr size_t kOpCount = sizeof(kOps) / sizeof(kOps[0]);

// Whether the noise runs leave op i's operands as they are: ops that may return a view of an
// operand (or the operand itself) or write into one, whose later writes must land where they do
// in the program the run stands for; and ops whose result jumps where they are evaluated
// exactly in both dtypes (eq(x, x), floor and truncation at integer values, ties in argmax).
bool keeps_operands(size_t i) {
  static const std::set<std::string> kKept = {"to",
                                              "transpose",
                                              "permute",
                                              "slice",
                                              "select",
                                              "expand",
                                              "unsqueeze",
                                              "squeeze",
                                              "flatten",
                                              "reshape(reversed)",
                                              "view(-1)",
                                              "narrow",
                                              "t",
                                              "diagonal",
                                              "unfold",
                                              "add_",
                                              "mul_(s)",
                                              "tanh_",
                                              "zero_",
                                              "eq",
                                              "lt",
                                              "argmax",
                                              "min(dim).indices",
                                              "floor",
                                              "add(a, long(b))"};
  return kKept.count(kOps[i].name) > 0;
}

}  // namespace

size_t op_count() { return kOpCount; }
const char* op_name(size_t i) { return kOps[i].name; }

// ---------------------------------------------------------------------------------------------
// Programs.

Program Program::decode(const uint8_t* data, size_t size) {
  size_t at = 0;
  auto byte = [&]() -> uint8_t { return at < size ? data[at++] : 0; };
  Program p;
  const int inputs = 1 + byte() % 3;
  for (int i = 0; i < inputs; ++i) {
    Input in;
    const uint8_t rank = byte() % 4;
    static constexpr int64_t kSizes[] = {1, 2, 3, 4};
    for (int d = 0; d < 3; ++d) {
      const int64_t s = kSizes[byte() % 4];
      if (d < rank) in.shape.push_back(s);
    }
    const uint8_t kind = byte();
    in.kind = kind % 20 < 16   ? InputKind::Floating
              : kind % 20 < 18 ? InputKind::Long
              : kind % 20 < 19 ? InputKind::Int
                               : InputKind::Bool;
    in.requires_grad = in.kind == InputKind::Floating && (kind / 20) % 4 != 0;
    const uint32_t low = byte(), high = byte();  // two statements: a fixed order of reads
    in.seed = low | high << 8 | static_cast<uint32_t>(i) << 16;
    p.inputs_.push_back(std::move(in));
  }
  while (at < size && p.steps_.size() < kMaxSteps) {
    Step s;
    const unsigned low = byte(), high = byte();
    s.op = static_cast<uint16_t>((low | high << 8) % kOpCount);
    s.a = byte();
    s.b = byte();
    for (uint8_t& x : s.args) x = byte();
    p.steps_.push_back(s);
  }
  return p;
}

Program Program::random(uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::vector<uint8_t> bytes(1 + 3 * 7 + (1 + gen() % kMaxSteps) * 10);
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(gen());
  return decode(bytes.data(), bytes.size());
}

std::vector<Tensor> Program::make_inputs(ScalarType floating, double noise,
                                         uint64_t noise_seed) const {
  std::vector<Tensor> out;
  std::mt19937_64 jitter(noise_seed);
  for (const Input& in : inputs_) {
    std::mt19937 gen(in.seed);
    Tensor values = empty(in.shape, kFloat64);
    double* p = values.data_ptr<double>();
    for (int64_t i = 0; i < values.numel(); ++i) {
      switch (in.kind) {
        case InputKind::Floating: {
          // In [-2, 2], exact in float32; noise scales relative to the value.
          const double x = static_cast<float>(std::uniform_real_distribution<double>(-2, 2)(gen));
          const double u = std::uniform_real_distribution<double>(-1, 1)(jitter);
          p[i] = x * (1 + noise * u);
          break;
        }
        case InputKind::Bool:
          p[i] = gen() % 2;
          break;
        default:
          p[i] = static_cast<double>(gen() % 7) - 3;
      }
    }
    const ScalarType dtype = in.kind == InputKind::Floating ? floating
                             : in.kind == InputKind::Long   ? kInt64
                             : in.kind == InputKind::Int    ? kInt32
                                                            : kBool;
    Tensor t = values.to(dtype);
    if (in.requires_grad) t.requires_grad_();
    out.push_back(t);
  }
  return out;
}

std::string Program::describe() const {
  std::ostringstream os;
  static const char* kKinds[] = {"floating", "int64", "int32", "bool"};
  for (size_t i = 0; i < inputs_.size(); ++i) {
    const Input& in = inputs_[i];
    os << "t" << i << " = input " << IntArrayRef(in.shape) << " "
       << kKinds[static_cast<int>(in.kind)] << (in.requires_grad ? " requires_grad" : "")
       << " seed " << in.seed << "\n";
  }
  for (size_t i = 0; i < steps_.size(); ++i) {
    const Step& s = steps_[i];
    os << "step " << i << ": " << kOps[s.op].name << "(slot " << int(s.a) << ", slot " << int(s.b)
       << ") args";
    for (uint8_t x : s.args) os << " " << int(x);
    os << "\n";
  }
  return os.str();
}

// ---------------------------------------------------------------------------------------------
// Running and comparing.

namespace {

// A step that ran: its operands as it saw them (before an in-place step wrote into them) and
// its result as it gave it (copies, without history).
struct Record {
  size_t step;
  Tensor a, b, result;
  bool requires_grad = false;
};

struct Outcome {
  std::vector<Tensor> pool;
  std::vector<std::string> errors;    // per step: the catalogue template it raised, or ""
  std::vector<std::string> problems;  // errors the catalogue does not list, exceptions
  std::vector<int> pool_step;         // per pool entry: the step that made it (-1: input)
  std::vector<Record> records;        // the steps that ran, with their operands
};

// A description of an error, or a problem when the catalogue does not list it.
std::string classify(const Error& e, const std::string& where, std::vector<std::string>& problems) {
  const std::string pattern = ErrorCatalogue::project().match(e);
  if (pattern.empty())
    problems.push_back(where + ": error not in docs/errors.md (or of another kind): " + e.what());
  return pattern.empty() ? std::string("uncatalogued: ") + e.what() : pattern;
}

// How a noise run disturbs a float64 op, to show how far float32's rounding can move its result:
// the result rounded to float32 (which also overflows where float32 would), or the operands
// moved by u |x| with |u| <= 2^-22 drawn from the seed (a float32 rounding inside the op, such
// as a mean of equal values that is not exact). The shifts come in antithetic pairs (u, then -u
// from the same seed), so that a result on a discontinuity falls on each side in one run of
// the pair.
struct Disturbance {
  bool round = false;
  uint64_t jitter_seed = 0;
  double jitter_sign = 1;
};

// The jittered runs: two antithetic pairs.
constexpr std::array<std::pair<uint64_t, double>, 4> kJitters = {
    {{1, 1.0}, {1, -1.0}, {2, 1.0}, {2, -1.0}}};

// t + u |t| with |u| <= 2^-22, u drawn per element. The shift is a constant (its gradient is 1,
// not 1 + u): a scale would keep exact cancellations exact (the gradient of x * s1 / (x * s2) is
// still 0), where a shift breaks them as float32's rounding inside the op's backward does.
Tensor jitter(const Tensor& t, std::mt19937_64& gen, double sign) {
  Tensor u = empty(t.sizes(), kFloat64);
  for (int64_t i = 0; i < u.numel(); ++i)
    u.data_ptr<double>()[i] =
        sign * std::ldexp(std::uniform_real_distribution<double>(-1, 1)(gen), -22);
  return t + t.detach().abs() * u.to(t.dtype());
}

// Sets the default dtype for its lifetime.
class DefaultDtypeGuard {
 public:
  explicit DefaultDtypeGuard(ScalarType dtype) : saved_(get_default_dtype()) {
    set_default_dtype(dtype);
  }
  ~DefaultDtypeGuard() { set_default_dtype(saved_); }
  DefaultDtypeGuard(const DefaultDtypeGuard&) = delete;
  DefaultDtypeGuard& operator=(const DefaultDtypeGuard&) = delete;

 private:
  ScalarType saved_;
};

Outcome execute(const Program& program, const std::vector<Tensor>& inputs, ScalarType floating) {
  // Integer inputs promote to the program's floating dtype in both runs, as they would in a
  // program written for that dtype.
  DefaultDtypeGuard default_dtype(floating);
  Outcome out;
  for (const Tensor& t : inputs) {
    // Inputs that do not require grad are copied, so that in-place steps leave the caller's alone.
    out.pool.push_back(t.requires_grad() ? t : t.clone());
    out.pool_step.push_back(-1);
  }
  const auto& steps = program.steps();
  for (size_t i = 0; i < steps.size(); ++i) {
    const Program::Step& s = steps[i];
    Args args(s.args);
    const size_t n = out.pool.size();
    const Tensor& a = out.pool[s.a % n];
    const Tensor& b = out.pool[s.b % n];
    Operands operands{a, b, floating, args};
    Tensor a_before, b_before;
    {
      NoGradGuard no_grad;
      a_before = a.detach().clone();
      b_before = b.is_same(a) ? a_before : b.detach().clone();
    }
    std::string error;
    Tensor result;
    const std::string where = "step " + std::to_string(i) + " (" + kOps[s.op].name + ")";
    try {
      result = kOps[s.op].run(operands);
    } catch (const Error& e) {
      error = classify(e, where, out.problems);
    } catch (const std::exception& e) {
      out.problems.push_back(where + ": threw a non-ember exception: " + e.what());
      error = "exception";
    }
    out.errors.push_back(error);
    if (!result.defined() || result.numel() > kMaxElements) continue;
    {
      NoGradGuard no_grad;  // as it is now: later in-place steps may write into it
      out.records.push_back(
          {i, a_before, b_before, result.detach().clone(), result.requires_grad()});
    }
    out.pool.push_back(result);
    out.pool_step.push_back(static_cast<int>(i));
  }
  return out;
}

// Fixed weights that turn each tensor requiring grad into a scalar: the gradient of
// sum_i <w_i, t_i> checks every element's gradient at once, against random directions.
std::vector<Tensor> projections(const Outcome& run, const std::vector<size_t>& slots) {
  std::vector<Tensor> out;
  for (size_t slot : slots) {
    const Tensor& t = run.pool[slot];
    std::mt19937 gen(static_cast<uint32_t>(1000 + slot));
    Tensor w = empty(t.sizes(), kFloat64);
    for (int64_t i = 0; i < w.numel(); ++i)
      w.data_ptr<double>()[i] =
          static_cast<float>(std::uniform_real_distribution<double>(-1, 1)(gen));
    out.push_back(t.mul(w.to(t.dtype())).sum());
  }
  return out;
}

// The pool slots whose tensors require grad (floating, with history from an input).
std::vector<size_t> differentiable_slots(const Outcome& run) {
  std::vector<size_t> slots;
  for (size_t i = 0; i < run.pool.size(); ++i)
    if (run.pool[i].requires_grad()) slots.push_back(i);
  return slots;
}

// Element-wise: |x - ref| must stay within atol + rtol |ref|, plus what noise explains. Each
// noise tensor is the float64 reference under a disturbance as large as float32's rounding, so
// a difference it reproduces (to a factor of 100) is conditioning, not a bug. Each spread
// tensor is x's own computation with its operands moved by a few float32 ulps, which draws
// float32's rounding inside the op anew (1 - y^2 at y near 1 in layer_norm's backward, say): a
// difference as large as that spread (to a factor of 10) is float32's own noise, while a wrong
// kernel is off the same way every time. Returns the first element nothing explains, or -1.
int64_t unexplained(const Tensor& x, const Tensor& ref, const std::vector<Tensor>& noise,
                    double rtol, double atol, const std::vector<Tensor>& spread = {}) {
  const std::vector<double> xs = [&] {
    Tensor c = x.detach().to(kFloat64).contiguous();
    return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
  }();
  Tensor r = ref.detach().to(kFloat64).contiguous();
  const double* rs = r.data_ptr<double>();
  std::vector<Tensor> ns;
  for (const Tensor& n : noise) {
    // A noise run whose result has another shape moved everything.
    if (n.sizes() != ref.sizes()) return -1;
    ns.push_back(n.detach().to(kFloat64).contiguous());
  }
  std::vector<Tensor> ss;
  for (const Tensor& n : spread) {
    if (n.sizes() != ref.sizes()) return -1;
    ss.push_back(n.detach().to(kFloat64).contiguous());
  }
  for (int64_t i = 0; i < r.numel(); ++i) {
    const double a = xs[static_cast<size_t>(i)], b = rs[i];
    if (a == b || (std::isnan(a) && std::isnan(b))) continue;
    // Element by element: one large element must not loosen the others.
    double allowed = atol + rtol * std::abs(b);
    for (const Tensor& n : ns) {
      const double v = n.data_ptr<double>()[i];
      const double moved = (std::isnan(v) != std::isnan(b)) ? INFINITY : std::abs(v - b);
      allowed = std::max(allowed, 100 * (std::isnan(moved) ? 0 : moved));
    }
    for (const Tensor& n : ss) {
      const double v = n.data_ptr<double>()[i];
      const double moved = (std::isnan(v) != std::isnan(a)) ? INFINITY : std::abs(v - a);
      allowed = std::max(allowed, 10 * (std::isnan(moved) ? 0 : moved));
    }
    // NaN on one side only differs infinitely (|NaN - b| <= inf is false, so say it).
    const double differs = std::isnan(a) != std::isnan(b) ? INFINITY : std::abs(a - b);
    if (!(differs <= allowed)) return i;
  }
  return -1;
}

std::string text(const Tensor& t) {
  std::ostringstream os;
  os << t;
  return os.str();
}

std::string shape_and_dtype(const Tensor& t) {
  std::ostringstream os;
  os << t.sizes() << " " << t.dtype();
  return os.str();
}

// The two runs give results of the same shapes, dtypes (float32 for float64) and history.
void compare_structure(const Outcome& run64, const Outcome& run32,
                       std::vector<std::string>& problems) {
  for (size_t i = 0; i < run64.pool.size(); ++i) {
    const Tensor& ref = run64.pool[i];
    const Tensor& x = run32.pool[i];
    const std::string where = "pool slot " + std::to_string(i);
    const ScalarType expected = ref.dtype() == kFloat64 ? kFloat32 : ref.dtype();
    if (x.sizes() != ref.sizes() || x.dtype() != expected)
      problems.push_back(where + ": float64 run gives " + shape_and_dtype(ref) +
                         ", float32 run gives " + shape_and_dtype(x));
    else if (x.requires_grad() != ref.requires_grad())
      problems.push_back(where + ": requires_grad differs between the float32 and float64 runs");
  }
}

// What one op gives on given operands: its result and, with an upstream gradient, the
// gradients of its floating operands (undefined where it raised).
struct OpResult {
  Tensor result;
  std::vector<Tensor> grads;
};

OpResult run_op(size_t op, const std::array<uint8_t, 6>& bytes, Tensor a, Tensor b,
                ScalarType floating, const Disturbance& disturbance, bool differentiate,
                uint32_t upstream_seed) {
  DefaultDtypeGuard default_dtype(floating);
  std::mt19937_64 gen(disturbance.jitter_seed);
  // The operands as leaves of their own, converted to this dtype (the same tensor stays one).
  const bool same = a.is_same(b);
  auto leaf = [&](const Tensor& t) {
    Tensor c = t.detach().to(t.is_floating_point() ? floating : t.dtype(), /*copy=*/true);
    if (differentiate && c.is_floating_point()) c.requires_grad_();
    return c;
  };
  a = leaf(a);
  b = same ? a : leaf(b);
  Tensor used_a = a, used_b = b;
  if (disturbance.jitter_seed && !keeps_operands(op)) {
    if (a.is_floating_point()) used_a = jitter(a, gen, disturbance.jitter_sign);
    // Each on its own also when both are one tensor: x / x is then no longer exactly 1, and its
    // backward no longer cancels exactly, as in float32.
    if (b.is_floating_point()) used_b = jitter(b, gen, disturbance.jitter_sign);
  }
  // In-place steps write into their operand: into a copy, so that a leaf stays a leaf.
  if (differentiate && keeps_operands(op)) {
    if (used_a.is_floating_point()) used_a = used_a * 1;
    if (used_b.is_floating_point()) used_b = same ? used_a : used_b * 1;
  }
  OpResult out;
  const Args args(bytes);
  Operands operands{used_a, used_b, floating, args};
  try {
    out.result = kOps[op].run(operands);
  } catch (const Error&) {
    return {};
  }
  if (disturbance.round) {
    NoGradGuard no_grad;
    out.result = out.result.detach().to(kFloat32).to(out.result.dtype());
  }
  if (!differentiate || !out.result.requires_grad()) return out;
  std::mt19937 draw(upstream_seed);
  Tensor upstream = empty(out.result.sizes(), kFloat64);
  for (int64_t k = 0; k < upstream.numel(); ++k)
    upstream.data_ptr<double>()[k] =
        static_cast<float>(std::uniform_real_distribution<double>(-1, 1)(draw));
  std::vector<Tensor> leaves;
  for (const Tensor& t : {a, b})
    if (t.requires_grad() && (leaves.empty() || !same)) leaves.push_back(t);
  try {
    out.grads = autograd::grad({out.result}, leaves, {upstream.to(out.result.dtype())}, false,
                               false, /*allow_unused=*/true);
    for (size_t k = 0; k < leaves.size(); ++k)
      if (!out.grads[k].defined()) out.grads[k] = zeros_like(leaves[k]);
  } catch (const Error&) {
    out.grads.clear();
  }
  return out;
}

// Every step of the float32 run against the same op in float64 on the same operands (the
// float32 run's, converted), values and vector-Jacobian products: each op is judged on its own,
// so the conditioning of the program around it does not count. A difference must exceed what
// float32's rounding can explain: the float64 op with its operands moved by 2^-22 of their size
// (antithetic pairs, so a result on a discontinuity falls on each side once), or its result
// rounded to float32 (an overflow), with a factor of 100 to spare.
void compare_steps(const Program& program, const Outcome& run32, Tally& tally,
                   std::vector<std::string>& problems) {
  for (const Record& r : run32.records) {
    const Program::Step& s = program.steps()[r.step];
    const std::string where = "step " + std::to_string(r.step) + " (" + kOps[s.op].name + ")";
    const uint32_t upstream_seed = static_cast<uint32_t>(r.step * 131 + 7);
    const bool differentiate = r.requires_grad;
    const OpResult x = run_op(s.op, s.args, r.a, r.b, kFloat32, {}, differentiate, upstream_seed);
    const OpResult ref = run_op(s.op, s.args, r.a, r.b, kFloat64, {}, differentiate, upstream_seed);
    if (!x.result.defined() || !ref.result.defined()) continue;  // compared as errors already
    // Made on the first difference only: most steps need none.
    std::vector<OpResult> noise, spread;
    auto noise_runs = [&]() {
      if (!noise.empty()) return;
      noise.push_back(
          run_op(s.op, s.args, r.a, r.b, kFloat64, {true, 0, 1}, differentiate, upstream_seed));
      for (const auto& [seed, sign] : kJitters) {
        noise.push_back(run_op(s.op, s.args, r.a, r.b, kFloat64, {false, seed, sign}, differentiate,
                               upstream_seed));
        spread.push_back(run_op(s.op, s.args, r.a, r.b, kFloat32, {false, seed, sign},
                                differentiate, upstream_seed));
      }
    };
    auto judge_tensor = [&](const Tensor& got, const Tensor& want, auto pick, double rtol,
                            double atol, int64_t& compared, int64_t& unstable,
                            const std::string& what) {
      ++compared;
      if (got.sizes() != want.sizes()) {
        problems.push_back(where + ": " + what + " has shape " + shape_and_dtype(got) +
                           " in float32, " + shape_and_dtype(want) + " in float64");
        return;
      }
      const bool exact = !want.is_floating_point();
      if (unexplained(got, want, {}, exact ? 0 : rtol, exact ? 0 : atol) < 0) return;
      noise_runs();
      std::vector<Tensor> moved, resampled;
      for (const OpResult& n : noise)
        if (Tensor t = pick(n); t.defined()) moved.push_back(t);
      for (const OpResult& n : spread)
        if (Tensor t = pick(n); t.defined()) resampled.push_back(t);
      const int64_t at =
          unexplained(got, want, moved, exact ? 0 : rtol, exact ? 0 : atol, resampled);
      if (at < 0) {
        ++unstable;
        return;
      }
      auto element = [at](const Tensor& t) {
        return std::to_string(t.detach().to(kFloat64).reshape({-1})[at].item<double>());
      };
      problems.push_back(where + ": " + what + " differs at element " + std::to_string(at) +
                         ": float32 " + element(got) + ", float64 " + element(want) +
                         " (operands " + shape_and_dtype(r.a) + ", " + shape_and_dtype(r.b) +
                         "):\nfloat64 " + text(want) + "\nfloat32 " + text(got));
    };
    // The value the program computed (with its operands' real strides) against float64's.
    judge_tensor(
        r.result, ref.result, [](const OpResult& n) { return n.result; }, 1e-4, 1e-5,
        tally.values_compared, tally.values_unstable, "the result");
    if (x.grads.size() != ref.grads.size()) continue;  // a backward that raised: judged below
    for (size_t k = 0; k < ref.grads.size(); ++k) {
      // An inf or NaN gradient marks a singular point, and one beyond the square root of
      // float32's range overflows on its way there (a 1/x^2 of 1e20 is inf in float32).
      if (!ref.grads[k].isfinite().all().item<bool>() ||
          ref.grads[k].abs().gt(std::sqrt(std::numeric_limits<float>::max())).any().item<bool>()) {
        ++tally.grads_compared;
        ++tally.grads_unstable;
        continue;
      }
      judge_tensor(
          x.grads[k], ref.grads[k],
          [k](const OpResult& n) { return k < n.grads.size() ? n.grads[k] : Tensor(); },
          kOps[s.op].grad_rtol, 1e-5, tally.grads_compared, tally.grads_unstable,
          "the gradient of operand " + std::to_string(k));
    }
  }
}

// Leaf gradients of sum(projections) after a run, or the backward's error.
struct Gradients {
  std::vector<Tensor> grads;
  std::string error;
};

Gradients backward_of(const Program& program, const std::vector<Tensor>& inputs,
                      ScalarType floating, std::vector<std::string>& problems) {
  Gradients out;
  Outcome run = execute(program, inputs, floating);
  const std::vector<size_t> slots = differentiable_slots(run);
  std::vector<Tensor> leaves;
  for (const Tensor& t : inputs)
    if (t.requires_grad()) leaves.push_back(t);
  if (slots.empty() || leaves.empty()) return out;
  try {
    Tensor total = zeros({}, floating);
    for (const Tensor& p : projections(run, slots)) total = total + p;
    out.grads = autograd::grad({total}, leaves, {}, false, false, /*allow_unused=*/true);
  } catch (const Error& e) {
    out.error = classify(e, "backward", problems);
  }
  return out;
}

// The whole program's backward raises alike in both dtypes (an in-place write over a saved
// tensor, say), and only with errors the catalogue lists.
void compare_backward_errors(const Program& program, Tally& tally,
                             std::vector<std::string>& problems) {
  const Gradients g64 = backward_of(program, program.make_inputs(kFloat64), kFloat64, problems);
  const Gradients g32 = backward_of(program, program.make_inputs(kFloat32), kFloat32, problems);
  if (g64.error != g32.error)
    problems.push_back("backward raises differently: float64 '" + g64.error + "', float32 '" +
                       g32.error + "'");
  else if (!g64.error.empty())
    ++tally.backward_failed;
}

// Whether two Jacobians agree: |a - n| <= atol + rtol |n| everywhere (NaN never agrees); atol
// holds one tolerance per column (output).
bool agree(const std::vector<Tensor>& a, const std::vector<Tensor>& n, const Tensor& atol,
           double rtol) {
  for (size_t i = 0; i < a.size(); ++i)
    if (!(a[i] - n[i]).abs().le(n[i].abs() * rtol + atol).all().item<bool>()) return false;
  return true;
}

// How a gradcheck of a program ended.
enum class Verdict { Agrees, Unjudgeable, Raised, Differs };

// Gradchecks fn at inputs in float64, judging only where it can be judged: a central difference
// of step eps resolves no better than |f| * rounding / eps (an output of 1e17 hides the
// derivatives of its small terms), an inf or NaN derivative marks a singular point (hypot at
// zero, as in torch), and where finite differences of other steps disagree with each other the
// point is a kink or too steep. A disagreement beyond all that is reported as a problem.
Verdict judge(const autograd::TensorFunction& fn, const std::vector<Tensor>& inputs,
              const std::string& what, std::vector<std::string>& problems) {
  autograd::Jacobians j;
  try {
    j = autograd::jacobians(fn, inputs, 1e-6);
  } catch (const Error&) {
    return Verdict::Raised;  // the backward's error was compared between the dtypes already
  }
  Tensor magnitude;
  {
    NoGradGuard no_grad;
    std::vector<Tensor> flat;
    for (const Tensor& o : fn(inputs))
      if (o.defined()) flat.push_back(o.reshape({-1}).abs());
    if (flat.empty()) return Verdict::Agrees;
    magnitude = cat(flat);
  }
  if (!magnitude.isfinite().all().item<bool>()) return Verdict::Unjudgeable;
  auto resolution = [&](double eps, double atol) { return magnitude * (1e-14 / eps) + atol; };
  if (agree(j.analytical, j.numerical, resolution(1e-6, 1e-5), 1e-3)) return Verdict::Agrees;
  for (const Tensor& a : j.analytical)
    if (!a.isfinite().all().item<bool>()) return Verdict::Unjudgeable;
  const autograd::Jacobians wide = autograd::jacobians(fn, inputs, 1e-4);
  const autograd::Jacobians narrow = autograd::jacobians(fn, inputs, 1e-7);
  if (!agree(wide.numerical, narrow.numerical, resolution(1e-7, 1e-4), 1e-2) ||
      !agree(j.numerical, narrow.numerical, resolution(1e-7, 1e-4), 1e-2))
    return Verdict::Unjudgeable;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& a = j.analytical[i];
    const Tensor& n = j.numerical[i];
    Tensor bad = (a - n).abs().gt(n.abs() * 1e-3 + resolution(1e-6, 1e-5)).reshape({-1});
    if (!bad.any().item<bool>()) continue;
    const int64_t at = bad.to(kInt64).argmax().item<int64_t>();
    const int64_t cols = a.size(1);
    auto entry = [&](const Tensor& m) {
      return std::to_string(m.reshape({-1})[at].item<double>());
    };
    problems.push_back(what + ": input " + std::to_string(i) + ", element " +
                       std::to_string(at / cols) + ", output element " + std::to_string(at % cols) +
                       ": analytical " + entry(a) + ", numerical " + entry(n) + " (step 1e-4: " +
                       entry(wide.numerical[i]) + ", 1e-7: " + entry(narrow.numerical[i]) + ")");
  }
  return Verdict::Differs;
}

void gradcheck_program(const Program& program, Tally& tally, std::vector<std::string>& problems) {
  std::vector<Tensor> inputs = program.make_inputs(kFloat64);
  const Outcome first = execute(program, inputs, kFloat64);
  const std::vector<size_t> slots = differentiable_slots(first);
  std::vector<Tensor> leaves;
  for (const Tensor& t : inputs)
    if (t.requires_grad()) leaves.push_back(t);
  if (slots.empty() || leaves.empty()) return;
  for (const Tensor& p : projections(first, slots))
    if (!std::isfinite(p.item<double>())) return;  // no derivative to check at inf or NaN
  // A huge intermediate (tan near pi/2, 1/x near 0) marks a singular point: derivatives there
  // are products of huge and vanishing factors, and neither side can be trusted.
  for (const Tensor& t : first.pool)
    if (t.is_floating_point() && t.numel() > 0 && t.detach().abs().max().item<double>() > 1e8) {
      ++tally.gradchecks;
      ++tally.gradchecks_unstable;
      return;
    }
  // One scalar per result that requires grad (a random projection of it).
  auto fn = [&](const std::vector<Tensor>& xs) {
    // As recorded, also where the numerical Jacobian calls this in no-grad mode: a write to a
    // leaf that requires grad must raise there too, not overwrite the perturbed input.
    EnableGradGuard grad_mode;
    std::vector<Tensor> all = inputs;
    for (size_t i = 0, k = 0; i < all.size(); ++i)
      if (all[i].requires_grad()) all[i] = xs[k++];
    const Outcome run = execute(program, all, kFloat64);
    // The same program: a step that raises only at a moved input makes the point unjudgeable.
    if (run.pool_step != first.pool_step)
      throw Error("differential: the program took another course at a moved input");
    return projections(run, slots);
  };
  const Verdict first_order = judge(fn, leaves, "gradcheck", problems);
  if (first_order == Verdict::Raised) {
    ++tally.gradchecks_raised;
    return;
  }
  ++tally.gradchecks;
  if (first_order == Verdict::Unjudgeable) ++tally.gradchecks_unstable;
  if (first_order != Verdict::Agrees) return;
  // Second order, as gradgradcheck: the vector-Jacobian product is checked with respect to the
  // inputs and to upstream gradients that are inputs too, so every step's double backward runs.
  std::vector<Tensor> checked = leaves;
  std::mt19937 gen(static_cast<uint32_t>(slots.size() * 7919 + leaves.size()));
  for (size_t k = 0; k < slots.size(); ++k)
    checked.push_back(scalar_tensor(std::uniform_real_distribution<double>(0.5, 1.5)(gen), kFloat64)
                          .requires_grad_());
  const Verdict second_order =
      judge(autograd::vjp_function(fn, leaves.size()), checked, "gradgradcheck", problems);
  if (second_order == Verdict::Raised) return;
  ++tally.gradgradchecks;
  if (second_order == Verdict::Unjudgeable) ++tally.gradgradchecks_unstable;
}

}  // namespace

std::string trace(const Program& program, ScalarType floating) {
  std::ostringstream os;
  const std::vector<Tensor> inputs = program.make_inputs(floating);
  const Outcome run = execute(program, inputs, floating);
  for (size_t i = 0; i < run.pool.size(); ++i) {
    os << "slot " << i << " (";
    if (run.pool_step[i] < 0)
      os << "input";
    else
      os << "step " << run.pool_step[i];
    os << "): " << run.pool[i] << "\n";
  }
  for (size_t i = 0; i < run.errors.size(); ++i)
    if (!run.errors[i].empty()) os << "step " << i << " raised: " << run.errors[i] << "\n";
  std::vector<std::string> problems;
  const Gradients g = backward_of(program, inputs, floating, problems);
  for (size_t i = 0; i < g.grads.size(); ++i) os << "gradient " << i << ": " << g.grads[i] << "\n";
  if (!g.error.empty()) os << "backward raised: " << g.error << "\n";
  return os.str();
}

std::vector<std::string> check(const Program& program, Tally& tally) {
  if (tally.op_runs.size() != kOpCount) tally.op_runs.assign(kOpCount, 0);
  ++tally.programs;
  std::vector<std::string> problems;
  const Outcome run64 = execute(program, program.make_inputs(kFloat64), kFloat64);
  const Outcome run32 = execute(program, program.make_inputs(kFloat32), kFloat32);
  for (const std::string& p : run64.problems) problems.push_back("float64 " + p);
  for (const std::string& p : run32.problems) problems.push_back("float32 " + p);
  for (size_t i = 0; i < run64.errors.size(); ++i) {
    ++tally.steps;
    if (run64.errors[i] != run32.errors[i]) {
      problems.push_back("step " + std::to_string(i) + " raises differently: float64 '" +
                         run64.errors[i] + "', float32 '" + run32.errors[i] + "'");
    } else if (!run64.errors[i].empty()) {
      ++tally.steps_failed;
    } else {
      ++tally.op_runs[program.steps()[i].op];
    }
  }
  if (!problems.empty()) return problems;
  if (run64.pool.size() != run32.pool.size()) {
    problems.push_back("the float32 and float64 runs keep different results");
    return problems;
  }
  compare_structure(run64, run32, problems);
  if (!problems.empty()) return problems;
  compare_steps(program, run32, tally, problems);
  compare_backward_errors(program, tally, problems);
  if (problems.empty()) gradcheck_program(program, tally, problems);
  return problems;
}

}  // namespace ember::fuzzing
