// Function transforms on the reverse-mode engine (Note [Transform levels]).
#include "ember/func.h"

#include "core/batched.h"
#include "core/check.h"
#include "ember/autograd.h"
#include "ember/ops.h"
#include "graph/forward_grad.h"
#include "kernels/kernel_table.h"

namespace ember::func {
namespace {

// Note [Transform levels]
// Each transform runs its function on fresh inputs: a new leaf for an input that does not
// require grad, or a non-leaf alias of one that does, so gradients with respect to this level's
// inputs are told apart from an enclosing level's while still flowing into it. The graph of the
// computed derivatives is kept (create_graph) when something outside can differentiate them: an
// enclosing transform, or an input that requires grad. Otherwise results come back detached.
thread_local int depth = 0;

// A grad transform's level; its tensors are stamped as one run, so in-place writes into tensors
// captured from outside are refused (detail::check_not_captured).
struct Level {
  Level() : enclosing(ember::detail::begin_run(ember::detail::RunKind::kGrad)) { ++depth; }
  ~Level() {
    --depth;
    ember::detail::end_run(enclosing);
  }
  Level(const Level&) = delete;
  Level& operator=(const Level&) = delete;
  /// True inside another transform.
  static bool nested() { return depth > 1; }
  const ember::detail::RunScope enclosing;
};

// The transform's own input for x: made inside its run, so writing into it is not a write into
// a captured tensor (a leaf that requires grad refuses it instead, as in functorch).
Tensor track(const Tensor& x) {
  Tensor input = x.requires_grad() ? x.view_as(x) : x.detach().requires_grad_(true);
  input.unsafe_impl()->set_vmap_run(ember::detail::current_vmap_run());
  return input;
}

bool keeps_graph(const std::vector<Tensor>& inputs) {
  if (Level::nested()) return true;
  for (const Tensor& x : inputs)
    if (x.defined() && x.requires_grad()) return true;
  return false;
}

std::vector<Tensor> maybe_detach(std::vector<Tensor> ts, bool keep) {
  if (!keep)
    for (Tensor& t : ts)
      if (t.defined()) t = t.detach();
  return ts;
}

// The gradients of outputs (with cotangents) with respect to inputs; zeros where none flows.
std::vector<Tensor> gradients(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                              const std::vector<Tensor>& cotangents, bool create_graph) {
  std::vector<Tensor> outs, cots;
  for (size_t i = 0; i < outputs.size(); ++i)
    if (outputs[i].requires_grad()) {
      outs.push_back(outputs[i]);
      cots.push_back(cotangents[i]);
    }
  std::vector<Tensor> grads;
  if (!outs.empty())
    grads = autograd::grad(outs, inputs, cots, /*retain_graph=*/true, create_graph,
                           /*allow_unused=*/true);
  else
    grads.resize(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i)
    if (!grads[i].defined()) grads[i] = zeros_like(inputs[i]);
  return grads;
}

std::vector<Tensor> run(const TensorListFn& f, const std::vector<Tensor>& inputs, const char* op) {
  EnableGradGuard grad_mode;
  std::vector<Tensor> outputs = f(inputs);
  for (const Tensor& t : outputs)
    EMBER_CHECK(t.defined(), "{}: the function returned an undefined tensor", op);
  return outputs;
}

void check_argnums(const std::vector<int64_t>& argnums, size_t n, const char* op) {
  EMBER_CHECK(!argnums.empty(), "{}: argnums must be non-empty", op);
  for (int64_t a : argnums)
    EMBER_CHECK(a >= 0 && a < static_cast<int64_t>(n),
                "{}: Got argnum={}, but only {} positional inputs", op, a, n);
}

// The function of args[argnums] alone, the other arguments held fixed.
TensorListFn restrict_to(const TensorListFn& f, std::vector<Tensor> args,
                         std::vector<int64_t> argnums) {
  return [f, args, argnums](const std::vector<Tensor>& xs) {
    std::vector<Tensor> all = args;
    for (size_t i = 0; i < argnums.size(); ++i) all[argnums[i]] = xs[i];
    return f(all);
  };
}

std::vector<Tensor> pick(const std::vector<Tensor>& args, const std::vector<int64_t>& argnums) {
  std::vector<Tensor> out;
  for (int64_t a : argnums) out.push_back(args[a]);
  return out;
}

DimVector concat_shape(IntArrayRef a, IntArrayRef b) {
  DimVector shape(a.begin(), a.end());
  shape.insert(shape.end(), b.begin(), b.end());
  return shape;
}

}  // namespace

int transform_depth() { return depth; }

Tensor all_entries(const Tensor& t) { return ember::detail::all_entries(t); }

std::pair<std::vector<Tensor>, VjpFn> vjp(const TensorListFn& f,
                                          const std::vector<Tensor>& primals) {
  Level level;
  const bool keep = keeps_graph(primals);
  std::vector<Tensor> inputs;
  for (const Tensor& p : primals) inputs.push_back(track(p));
  std::vector<Tensor> outputs = run(f, inputs, "vjp");
  VjpFn vjp_fn = [outputs, inputs, keep](const std::vector<Tensor>& cotangents) {
    EMBER_CHECK(cotangents.size() == outputs.size(),
                "vjp: Expected {} cotangents (one per output of the function), got {}",
                outputs.size(), cotangents.size());
    for (size_t i = 0; i < outputs.size(); ++i)
      EMBER_CHECK(cotangents[i].sizes() == outputs[i].sizes(),
                  "vjp: Mismatch in shape: cotangent {} has a shape of {} and output {} has a "
                  "shape of {}",
                  i, shape_str(cotangents[i].sizes()), i, shape_str(outputs[i].sizes()));
    // Called inside another transform, the products must stay differentiable for it.
    bool create = keep || depth > 0;
    for (const Tensor& c : cotangents) create = create || c.requires_grad();
    return maybe_detach(gradients(outputs, inputs, cotangents, create), create);
  };
  return {maybe_detach(outputs, keep), std::move(vjp_fn)};
}

std::pair<std::vector<Tensor>, std::vector<Tensor>> jvp(const TensorListFn& f,
                                                        const std::vector<Tensor>& primals,
                                                        const std::vector<Tensor>& tangents) {
  EMBER_CHECK(tangents.size() == primals.size(),
              "jvp: Expected primals and tangents to have the same length, got {} and {}",
              primals.size(), tangents.size());
  for (size_t i = 0; i < primals.size(); ++i)
    EMBER_CHECK(tangents[i].sizes() == primals[i].sizes(),
                "jvp: Expected primals and tangents to have the same shape, got {} and {} at "
                "position {}",
                shape_str(primals[i].sizes()), shape_str(tangents[i].sizes()), i);
  Level level;
  bool keep = keeps_graph(primals);
  for (const Tensor& t : tangents) keep = keep || t.requires_grad();
  std::vector<Tensor> inputs;
  for (const Tensor& p : primals) inputs.push_back(track(p));
  std::vector<Tensor> outputs = run(f, inputs, "jvp");
  // J^T u is linear in u, so its gradient with respect to u along the tangents is J v.
  std::vector<Tensor> us;
  for (const Tensor& o : outputs) us.push_back(zeros_like(o).requires_grad_(true));
  std::vector<Tensor> vjps = gradients(outputs, inputs, us, /*create_graph=*/true);
  std::vector<Tensor> products = gradients(vjps, us, tangents, keep);
  return {maybe_detach(outputs, keep), maybe_detach(products, keep)};
}

std::pair<std::vector<Tensor>, Tensor> grad_and_value(const TensorListFn& f,
                                                      const std::vector<Tensor>& args,
                                                      const std::vector<int64_t>& argnums) {
  check_argnums(argnums, args.size(), "grad");
  auto [outputs, vjp_fn] = vjp(restrict_to(f, args, argnums), pick(args, argnums));
  EMBER_CHECK(outputs.size() == 1, "grad: Expected f(*args) to return one tensor, got {}",
              outputs.size());
  EMBER_CHECK(outputs[0].numel() == 1,
              "grad: Expected f(*args) to return a scalar Tensor, got tensor with {} dims. Maybe "
              "you wanted to use the vjp or jacrev APIs instead?",
              outputs[0].dim());
  return {vjp_fn({ones_like(outputs[0])}), outputs[0]};
}

std::vector<std::vector<Tensor>> jacrev(const TensorListFn& f, const std::vector<Tensor>& args,
                                        const std::vector<int64_t>& argnums) {
  check_argnums(argnums, args.size(), "jacrev");
  auto [outputs, vjp_fn] = vjp(restrict_to(f, args, argnums), pick(args, argnums));
  std::vector<std::vector<Tensor>> jac(outputs.size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    // One vector-Jacobian product per output element gives one row of each Jacobian.
    std::vector<std::vector<Tensor>> rows(argnums.size());
    for (int64_t e = 0; e < outputs[i].numel(); ++e) {
      std::vector<Tensor> cotangents;
      for (size_t k = 0; k < outputs.size(); ++k) {
        Tensor c = zeros_like(outputs[k]);
        if (k == i) c.view({-1})[e].fill_(1);
        cotangents.push_back(c);
      }
      std::vector<Tensor> row = vjp_fn(cotangents);
      for (size_t j = 0; j < argnums.size(); ++j) rows[j].push_back(row[j]);
    }
    for (size_t j = 0; j < argnums.size(); ++j) {
      const Tensor& x = args[argnums[j]];
      const DimVector shape = concat_shape(outputs[i].sizes(), x.sizes());
      jac[i].push_back(rows[j].empty() ? zeros(shape, TensorOptions(x.dtype()))
                                       : stack(rows[j]).reshape(shape));
    }
  }
  return jac;
}

std::vector<std::vector<Tensor>> jacfwd(const TensorListFn& f, const std::vector<Tensor>& args,
                                        const std::vector<int64_t>& argnums) {
  check_argnums(argnums, args.size(), "jacfwd");
  const std::vector<Tensor> primals = pick(args, argnums);
  Level level;
  const bool keep = keeps_graph(primals);
  std::vector<Tensor> inputs;
  for (const Tensor& p : primals) inputs.push_back(track(p));
  const std::vector<Tensor> outputs = run(restrict_to(f, args, argnums), inputs, "jacfwd");
  // As in jvp: J^T u once, then one Jacobian-vector product (a column) per input element.
  std::vector<Tensor> us;
  for (const Tensor& o : outputs) us.push_back(zeros_like(o).requires_grad_(true));
  const std::vector<Tensor> vjps = gradients(outputs, inputs, us, /*create_graph=*/true);
  std::vector<std::vector<Tensor>> jac(outputs.size());
  for (size_t j = 0; j < primals.size(); ++j) {
    std::vector<std::vector<Tensor>> columns(outputs.size());
    for (int64_t e = 0; e < primals[j].numel(); ++e) {
      std::vector<Tensor> tangents;
      for (size_t k = 0; k < primals.size(); ++k) {
        Tensor t = zeros_like(primals[k]);
        if (k == j) t.view({-1})[e].fill_(1);
        tangents.push_back(t);
      }
      std::vector<Tensor> column = maybe_detach(gradients(vjps, us, tangents, keep), keep);
      for (size_t i = 0; i < outputs.size(); ++i) columns[i].push_back(column[i]);
    }
    for (size_t i = 0; i < outputs.size(); ++i) {
      const DimVector shape = concat_shape(outputs[i].sizes(), primals[j].sizes());
      // Columns stack along a last dim of the input's numel, which then takes the input's shape.
      jac[i].push_back(columns[i].empty() ? zeros(shape, TensorOptions(outputs[i].dtype()))
                                          : stack(columns[i], -1).reshape(shape));
    }
  }
  return jac;
}

namespace {

// randomness="error" refuses a random draw inside the function.
void check_draw(bool drew, Randomness randomness) {
  EMBER_CHECK(!drew || randomness != Randomness::kError,
              "vmap: called random operation while in randomness error mode. Please either use "
              "the 'same' or 'different' randomness flags on vmap or perform the randomness "
              "operation out of vmap");
}

thread_local int64_t vmap_level = 0;

struct VmapLevel {
  VmapLevel() : level(++vmap_level) {}
  ~VmapLevel() { --vmap_level; }
  VmapLevel(const VmapLevel&) = delete;
  VmapLevel& operator=(const VmapLevel&) = delete;
  const int64_t level;
};

int64_t wrap_out_dim(int64_t out_dim, int64_t rank) {
  EMBER_CHECK_VALUE(out_dim >= -rank && out_dim < rank,
                    "vmap: Got out_dim={} for an output but the output is of type Tensor with {} "
                    "dims once batched. out_dims must be in [-{}, {})",
                    out_dim, rank, rank, rank);
  return out_dim < 0 ? out_dim + rank : out_dim;
}

void check_out_dims(const std::vector<int64_t>& out_dims, size_t n) {
  EMBER_CHECK_VALUE(out_dims.size() == 1 || out_dims.size() == n,
                    "vmap: out_dims is not compatible with the structure of `outputs`: expected {} "
                    "entries, got {}",
                    n, out_dims.size());
}

// Routes kernel calls through the batching rules while this vmap runs (detail::vmaps_live).
struct LiveVmap {
  LiveVmap() { ember::detail::vmaps_live.fetch_add(1, std::memory_order_relaxed); }
  ~LiveVmap() { ember::detail::vmaps_live.fetch_sub(1, std::memory_order_relaxed); }
  LiveVmap(const LiveVmap&) = delete;
  LiveVmap& operator=(const LiveVmap&) = delete;
};

// Marks the tensors made while f runs batched as this run's (TensorImpl::vmap_run).
struct BatchedRun {
  BatchedRun() : enclosing(ember::detail::begin_run(ember::detail::RunKind::kBatched)) {}
  ~BatchedRun() { ember::detail::end_run(enclosing); }
  BatchedRun(const BatchedRun&) = delete;
  BatchedRun& operator=(const BatchedRun&) = delete;
  const ember::detail::RunScope enclosing;
};

// f run once on batched tensors (Note [Batched tensors] in src/core/batched.cpp), or nothing
// when that cannot stand for running it per entry: an op without a batching rule, a random
// draw that must differ per entry, or results that require grad (their backward would run
// batched formulas after vmap returns, where no per-entry fallback is left).
std::optional<std::vector<Tensor>> run_batched(const TensorListFn& f,
                                               const std::vector<Tensor>& args,
                                               const std::vector<int64_t>& dims, int64_t batch,
                                               const std::vector<int64_t>& out_dims,
                                               Randomness randomness) {
  VmapLevel level;
  std::vector<Tensor> xs;
  std::vector<uint32_t> versions;
  for (size_t i = 0; i < args.size(); ++i) {
    xs.push_back(dims[i] >= 0 ? ember::detail::hide_dim(args[i], dims[i], level.level) : args[i]);
    versions.push_back(args[i]._version());
  }
  const Tensor rng = get_rng_state();
  const uint64_t draws = ember::detail::random_draws();
  std::vector<Tensor> outputs;
  bool no_rule = false;
  try {
    BatchedRun run;
    outputs = f(xs);
  } catch (const NoBatchingRule&) {
    no_rule = true;
  }
  // Running f again per entry would repeat its in-place writes into the inputs.
  bool written = false;
  for (size_t i = 0; i < args.size(); ++i) written = written || args[i]._version() != versions[i];
  EMBER_CHECK(!no_rule || !written,
              "vmap: the function wrote into an input in place and then called an op that has "
              "no batching rule; write into a copy of the input instead");
  const bool drew =
      no_rule ? false : ember::detail::random_draws() != draws || !get_rng_state().equal(rng);
  check_draw(drew, randomness);
  // Unbatched draws are shared by every entry: right for "same", not for "different".
  EMBER_CHECK(!drew || randomness != Randomness::kDifferent || !written,
              "vmap: the function wrote into an input in place and drew random numbers with "
              "randomness='different'; write into a copy of the input instead");
  bool again = no_rule || (drew && randomness == Randomness::kDifferent);
  for (const Tensor& t : outputs) {
    EMBER_CHECK(t.defined(), "vmap: the function returned an undefined tensor");
    again = again || (t.requires_grad() && !written);
  }
  if (again) {
    set_rng_state(rng);
    return std::nullopt;
  }
  check_out_dims(out_dims, outputs.size());
  std::vector<Tensor> results;
  for (size_t k = 0; k < outputs.size(); ++k) {
    const Tensor& t = outputs[k];
    const int64_t d = wrap_out_dim(out_dims.size() == 1 ? out_dims[0] : out_dims[k], t.dim() + 1);
    if (ember::detail::has_level(t, level.level)) {
      results.push_back(ember::detail::reveal_dim(t, level.level, d));
    } else {
      // The same result for every entry: expanded, as functorch returns it.
      DimVector shape(t.sizes().begin(), t.sizes().end());
      shape.insert(shape.begin() + d, batch);
      results.push_back(t.unsqueeze(d).expand(shape));
    }
  }
  return results;
}

}  // namespace

std::vector<Tensor> vmap(const TensorListFn& f, const std::vector<Tensor>& args,
                         const std::vector<std::optional<int64_t>>& in_dims,
                         const std::vector<int64_t>& out_dims, Randomness randomness) {
  LiveVmap live;
  EMBER_CHECK_VALUE(in_dims.size() == args.size(),
                    "vmap: in_dims is not compatible with the structure of `inputs`: expected {} "
                    "entries, got {}",
                    args.size(), in_dims.size());
  int64_t batch = -1;
  std::vector<int64_t> dims(args.size(), -1);
  bool differentiated = false;
  for (size_t i = 0; i < args.size(); ++i) {
    differentiated = differentiated || (args[i].requires_grad() && GradMode::is_enabled());
    if (!in_dims[i]) continue;
    const Tensor& x = args[i];
    const int64_t d = *in_dims[i];
    EMBER_CHECK_VALUE(
        d >= -x.dim() && d < x.dim(),
        "vmap: Got in_dim={} for an input but the input is of type Tensor with {} dims. "
        "in_dims must be in [-{}, {})",
        d, x.dim(), x.dim(), x.dim());
    dims[i] = d < 0 ? d + x.dim() : d;
    const int64_t size = x.size(dims[i]);
    EMBER_CHECK_VALUE(
        batch < 0 || batch == size,
        "vmap: Expected all tensors to have the same size in the mapped dimension, got "
        "sizes {} and {} for the mapped dimension",
        batch, size);
    batch = size;
  }
  EMBER_CHECK_VALUE(
      batch >= 0,
      "vmap: at least one input must be mapped over (got in_dims with every entry None)");
  EMBER_CHECK_VALUE(batch > 0, "vmap: the mapped dimension has size 0");
  // Inputs that an enclosing transform or backward differentiates keep the per-entry loop:
  // its graph needs no batching rule for the backward that runs after vmap returns. So do
  // functions under a dual level, whose tangents the batched results would not carry.
  if (!differentiated && !autograd::forward_ad_enabled())
    if (auto results = run_batched(f, args, dims, batch, out_dims, randomness)) return *results;
  const Tensor rng = get_rng_state();
  std::vector<std::vector<Tensor>> per_entry;
  for (int64_t b = 0; b < batch; ++b) {
    std::vector<Tensor> xs;
    for (size_t i = 0; i < args.size(); ++i)
      xs.push_back(dims[i] >= 0 ? args[i].select(dims[i], b) : args[i]);
    if (randomness == Randomness::kSame) set_rng_state(rng);
    const Tensor before = randomness == Randomness::kError ? get_rng_state() : Tensor();
    const uint64_t draws = ember::detail::random_draws();
    per_entry.push_back(f(xs));
    check_draw(randomness == Randomness::kError &&
                   (ember::detail::random_draws() != draws || !get_rng_state().equal(before)),
               randomness);
    EMBER_CHECK_VALUE(per_entry.back().size() == per_entry.front().size(),
                      "vmap: the function returned {} outputs for one entry and {} for another",
                      per_entry.front().size(), per_entry.back().size());
  }
  const size_t n = per_entry.front().size();
  check_out_dims(out_dims, n);
  std::vector<Tensor> outputs;
  for (size_t k = 0; k < n; ++k) {
    std::vector<Tensor> parts;
    for (const auto& entry : per_entry) parts.push_back(entry[k]);
    const int64_t out_dim = out_dims.size() == 1 ? out_dims[0] : out_dims[k];
    outputs.push_back(stack(parts, wrap_out_dim(out_dim, parts[0].dim() + 1)));
  }
  return outputs;
}

}  // namespace ember::func
