#!/usr/bin/env python3
"""Measures how much of PyTorch's public Python API Ember carries, per namespace.

For each namespace (torch, torch.Tensor, torch.nn, ...) it lists the public names of the
installed torch, leaves out the ones Ember deliberately does not carry (each rule below says why),
and counts how many of the rest Ember has under the same name. It writes docs/api_coverage.md
(coverage per namespace and the names still missing) and, with --check, fails when a namespace's
coverage falls below the figure recorded in that file: names may be added, never lost.

    /usr/bin/python3 scripts/api_coverage.py            write docs/api_coverage.md
    /usr/bin/python3 scripts/api_coverage.py --check    compare with it; exit 1 on a drop

Needs torch (python3-torch) and the built Ember package on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import re
import sys
import types

NAMESPACES = ["torch", "torch.Tensor", "torch.nn", "torch.nn.functional", "torch.nn.init",
              "torch.optim", "torch.optim.lr_scheduler", "torch.autograd", "torch.utils.data",
              "torch.distributed"]

# What Ember leaves out on purpose, as (reason, test on (name, torch object)). A name is left out
# by the first rule that matches; the document lists each rule with the count it removed.
PATTERN_RULES = [
    ("quantization (Ember computes in float and int, not quantized types)",
     r"quantiz|^q_|qint|quint|^fake_quant|fbgemm|qscheme|^int_repr|qparams|^dequantize"
     r"|per_channel|per_tensor|^intrinsic$|^qat$"),
    ("sparse layouts (Ember's tensors are dense)",
     r"sparse|^to_dense|_csr|_csc|_bsr|_bsc|crow_|ccol_|^col_indices|^row_indices|^coalesce"
     r"|^is_coalesced|^indices$|^values$|^_nnz|^nnz$|^smm$|^hspmm$|^dsmm$|^sspaddmm$|^saddmm$"
     r"|^SparseAdam$|^native_norm$"),
    ("complex numbers (no complex dtypes)",
     r"complex|^conj|^is_conj|^resolve_conj|^angle$|^polar$|^view_as_real|^cfloat$|^cdouble$"
     r"|^chalf$|^adjoint$|^real$|^imag$|^is_neg$|^resolve_neg$|^_neg_view$"),
    ("vendor backends and accelerators Ember does not build (cuDNN, MIOpen, MKL-DNN, NNPACK, "
     "XLA, Vulkan, MPS, IPU, HPU, XPU, Metal)",
     r"cudnn|miopen|mkldnn|nnpack|xnnpack|vulkan|_mps|^mps$|^is_mps$|metal|xla|ipu|hpu|xpu|^ort$"
     r"|^is_ort$|^is_meta$|^mkl"),
    ("half and bfloat16 types (not among Ember's dtypes yet)",
     r"^half$|^bfloat16$|^float16$|^HalfTensor$|^BFloat16Tensor$|^HalfStorage$|^BFloat16Storage$"),
    ("typed storages and untyped storage (Ember's Storage is internal; tensors carry the API)",
     r"Storage$|^StorageBase$|^storage$|^storage_type$|^untyped_storage$|^set_$|^share_memory_$|^is_shared$"
     r"|^from_file$|^pin_memory$|^is_pinned$|^record_stream$"),
    ("named tensors (deprecated in torch)",
     r"^names$|^refine_names$|^rename_?$|^align_to$|^align_as$|^align_tensors$|^unflatten_names|"
     r"^has_names$"),
    ("dispatcher internals", r"^DispatchKey|^Tag$|^ExcludeDispatchKeyGuard$"),
    ("TorchScript, tracing, FX and export (no compiler or graph capture)",
     r"^jit$|^fx$|^script|^compile|^Script|^is_scripting$|^TracingState$"
     r"|^FileCheck$|^CompilationUnit$|^Graph$|^Node$|^Value$|^Block$|^Use$|^Code$|^IODescriptor$"
     r"|^Gradient$|^ErrorReport$|^ConcreteModuleType|^AliasDb$|^Argument|^FunctionSchema$"
     r"|Type$|^ThroughputBenchmark$|^BenchmarkConfig$|^BenchmarkExecutionStats$|^ExecutionPlan$"
     r"|^GraphExecutorState$|^LiteScriptModule$|^StaticModule$|^LoggerBase$|^NoopLogger$"
     r"|^LockingLogger$|^AggregationType$|^CallStack$|^PyTorchFile|^Serialization|^Deserialization"
     r"|^OperatorInfo$|^InferredType$|^MobileOptimizerType$|^SymIntNode$|^SymFloatNode$"
     r"|^DeepCopyMemoTable$|^Capsule$|^classes$|^ops$|^library$|^package$|^mobile"
     r"|^overrides$|^futures$|^Future$|^Stream$|^RRef|^PRIVATE_OPS$|^candidate$|^attr$"
     r"|^classproperty$|^compiled_with_cxx11_abi$|^USE_|^CONV_BN_FUSION$|^FUSE_ADD_RELU$"
     r"|^HOIST_CONV_PACKED_PARAMS$|^INSERT_FOLD_PREPACK_OPS$|^REMOVE_DROPOUT$|^AVG$|^SUM$"
     r"|^ScriptClass|^DisableTorchFunction$|^has_torch_function|^handle_torch_function$"
     r"|^is_storage$|^typename$|^_C$|^BroadcastingList|^CompleteArgumentSpec$|^FatalError$"
     r"|^JITException$|^boolean_dispatch$"
     r"|^builtins$|^ctypes$|^inspect$|^math$|^os$|^platform$|^sys$|^textwrap$|^warnings$"
     r"|^fork$|^wait$|^set_flush_denormal$|^vitals_enabled$|^set_vital$|^read_vital$"),
    ("CUDA-only calls (Ember's CUDA backend does not exist yet)",
     r"_cuda$|^cuda_|^batch_norm_(stats|elemt|gather_stats|gather_stats_with_counts"
     r"|backward_reduce|backward_elemt)$"),
    ("Python typing names re-exported by torch's modules",
     r"^(Any|Callable|Dict|Iterable|Iterator|List|Optional|Sequence|Set|Tuple|Type|TypeVar|Union"
     r"|Generic|TYPE_CHECKING|NamedTuple|Mapping|overload|cast|no_type_check|Protocol|Literal"
     r"|T|T_co|K|V|OrderedDict|Number|Enum|inf|Final|common_types)$"),
    ("fragments of documentation torch formats into its docstrings",
     r"^(reproducibility_notes|tf32_notes|sparse_support_notes)$"),
]
_COMPILED = [(reason, re.compile(pattern)) for reason, pattern in PATTERN_RULES]


def _script_containers(ns, name, obj):
    """torch.ModuleDict and friends at the top level are TorchScript's C++ containers (the
    nn.ModuleDict users mean lives in torch.nn and is counted there)."""
    return ns == "torch" and name in ("BufferDict", "ModuleDict", "ParameterDict")


def _other_module(ns, name, obj):
    """A module object that is not part of torch (torch imports it for itself)."""
    return isinstance(obj, types.ModuleType) and not obj.__name__.startswith("torch")


def _imported_from_elsewhere(ns, name, obj):
    """A class or function defined outside torch and only imported into the namespace."""
    module = getattr(obj, "__module__", None) or ""
    return (inspect.isclass(obj) or inspect.isfunction(obj)) and module and \
        not module.startswith("torch")


# The copying forms of views that functionalization generates (view_copy, t_copy, ...).
VIEWS_WITH_COPY_FORMS = {
    "alias", "as_strided", "detach", "diagonal", "expand", "permute", "select", "slice", "split",
    "split_with_sizes", "squeeze", "t", "transpose", "unbind", "unfold", "unsqueeze", "view",
    "values", "indices", "ccol_indices", "crow_indices", "col_indices", "row_indices",
    "view_as_real", "view_as_complex", "lift_fresh"}


def _view_copy(ns, name, obj):
    return name.endswith("_copy") and name[:-len("_copy")] in VIEWS_WITH_COPY_FORMS


def _deprecated_init_alias(ns, name, obj):
    """nn.init's old names without the trailing underscore (normal for normal_), which warn."""
    return getattr(obj, "__module__", "") == "torch.nn.init" and not name.endswith("_") and \
        inspect.isfunction(obj) and "deprecated" in (inspect.getsource(obj) or "")


def _re_export(ns, name, obj):
    """torch.Tensor or the torch module seen again inside torch.nn.init, torch.nn.functional..."""
    if isinstance(obj, types.ModuleType):
        return obj.__name__ == "torch"
    return inspect.isclass(obj) and getattr(obj, "__module__", "") == "torch" and name == "Tensor"


OBJECT_RULES = [
    ("functionalization's copying forms of views (view_copy, t_copy, ...)", _view_copy),
    ("nn.init's deprecated aliases without the trailing underscore", _deprecated_init_alias),
    ("torch and torch.Tensor imported again into a sub-namespace", _re_export),
    ("TorchScript, tracing, FX and export (no compiler or graph capture)", _script_containers),
    ("modules torch imports for its own use (not torch's API)", _other_module),
    ("classes and functions from other packages, imported into torch's namespaces",
     _imported_from_elsewhere),
]


def public_names(obj):
    return sorted(n for n in dir(obj) if not n.startswith("_"))


def resolve(root, dotted):
    """torch.Tensor -> the Tensor class of `root` (torch or ember); torch.nn -> its nn module."""
    parts = dotted.split(".")[1:]
    obj = root
    for i, part in enumerate(parts):
        if hasattr(obj, part):
            obj = getattr(obj, part)
        else:
            obj = importlib.import_module(".".join([root.__name__] + parts[:i + 1]))
    return obj


def exclusion(ns, name, obj):
    for reason, test in OBJECT_RULES:
        if test(ns, name, obj):
            return reason
    for reason, pattern in _COMPILED:
        if pattern.search(name):
            return reason
    return None


def measure(torch, ember):
    """{namespace: (counted, present, missing, {reason: count})}."""
    result = {}
    for ns in NAMESPACES:
        theirs, ours = resolve(torch, ns), resolve(ember, ns)
        counted, excluded = [], {}
        for name in public_names(theirs):
            reason = exclusion(ns, name, getattr(theirs, name, None))
            if reason:
                excluded[reason] = excluded.get(reason, 0) + 1
            else:
                counted.append(name)
        present = [n for n in counted if hasattr(ours, n)]
        missing = [n for n in counted if not hasattr(ours, n)]
        result[ns] = (counted, present, missing, excluded)
    return result


def percent(present, counted):
    return 100.0 * len(present) / len(counted) if counted else 100.0


HEADER = "| namespace | covered | counted | coverage |"
ROW_RE = re.compile(r"^\| `([\w.]+)` \| (\d+) \| (\d+) \| ([\d.]+)% \|$")


def render(result, torch_version):
    lines = [
        "# API coverage",
        "",
        f"Ember's public Python names against installed torch {torch_version}, written by "
        "`scripts/api_coverage.py` (run by the test suite with `--check`, which fails when a "
        "namespace's coverage drops below these figures). Names Ember leaves out on purpose are "
        "not counted; the rules and what each removed are listed below.",
        "",
        HEADER,
        "| --- | --- | --- | --- |",
    ]
    for ns, (counted, present, _, _) in result.items():
        lines.append(f"| `{ns}` | {len(present)} | {len(counted)} | "
                     f"{percent(present, counted):.1f}% |")
    lines += ["", "## Left out on purpose", ""]
    reasons = {}
    for ns, (_, _, _, excluded) in result.items():
        for reason, n in excluded.items():
            reasons.setdefault(reason, []).append(f"{ns} {n}")
    for reason, where in reasons.items():
        lines.append(f"- {reason}: {', '.join(where)}")
    lines += ["", "## Missing", ""]
    for ns, (_, _, missing, _) in result.items():
        lines.append(f"- `{ns}` ({len(missing)}): " +
                     (", ".join(f"`{n}`" for n in missing) if missing else "none"))
    return "\n".join(lines) + "\n"


def recorded(path):
    """{namespace: coverage percent} from the document, or {} when it does not exist."""
    if not os.path.exists(path):
        return {}
    found = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = ROW_RE.match(line.strip())
            if m:
                found[m.group(1)] = float(m.group(4))
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="fail if a namespace's coverage is below docs/api_coverage.md's")
    args = parser.parse_args(argv)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    doc = os.path.join(root, "docs", "api_coverage.md")
    import torch

    import ember
    result = measure(torch, ember)
    if args.check:
        floor = recorded(doc)
        if not floor:
            print(f"{doc}: no recorded coverage to check against", file=sys.stderr)
            return 1
        dropped = []
        for ns, (counted, present, missing, _) in result.items():
            now = percent(present, counted)
            if ns not in floor or round(now, 1) < floor[ns]:
                dropped.append(f"{ns}: {now:.1f}% < recorded {floor.get(ns, 'none')}% "
                               f"(missing now: {', '.join(missing[:20])})")
        for line in dropped:
            print("coverage dropped: " + line, file=sys.stderr)
        if not dropped:
            print("api coverage: every namespace at or above its recorded figure")
        return 1 if dropped else 0
    with open(doc, "w", encoding="utf-8") as f:
        f.write(render(result, torch.__version__))
    for ns, (counted, present, _, _) in result.items():
        print(f"{ns:28} {len(present):4}/{len(counted):<4} {percent(present, counted):5.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
