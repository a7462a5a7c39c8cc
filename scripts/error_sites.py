"""Finds every place under src/ and include/ that raises an ember::Error and works out the
message template each produces (for scripts/check_errors.py). The configuration at the top says
how errors are raised in this code base; teach it about a new helper there.

Python 3 standard library only.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field

from cpp_tokens import (OPEN, PH, LexError, Tok, Unresolved, call_head, is_declaration, lex,
                        match_close, split_args, strip_parens, tmpl_concat, tmpl_from_frame,
                        tmpl_has_text, tmpl_render, top_level_split)

# --------------------------------------------------------------------------------------------
# Configuration: how errors are raised in this code base.

KINDS = {
    "Runtime": "RuntimeError",
    "Index": "IndexError",
    "Type": "TypeError",
    "Value": "ValueError",
    "NotImplemented": "NotImplementedError",
}

# EMBER_CHECK-style macros: name -> (kind or None when the first argument names it, index of
# the format-string argument). The remaining arguments are the format arguments.
MACROS = {
    "EMBER_CHECK": ("Runtime", 1),
    "EMBER_CHECK_INDEX": ("Index", 1),
    "EMBER_CHECK_TYPE": ("Type", 1),
    "EMBER_CHECK_VALUE": ("Value", 1),
    "EMBER_CHECK_KIND": (None, 2),
    "EMBER_FAIL": ("Runtime", 0),
}

MSG = object()  # marks where a wrapper puts its message argument in its own template


@dataclass
class Wrapper:
    """A helper that raises an Error from a message argument.

    Calls to it are raise sites; the Error raised inside its own body is not (its message is the
    parameter). name is the helper's unqualified name, files the glob(s) where it is visible.
    kind is a kind name, or ("arg", index, default) when an argument carries an ErrorKind.
    template is how the helper frames the message: MSG stands for the message argument, "{}"
    for a value the helper adds itself (the op name, the path, strerror).
    """

    name: str
    files: tuple
    msg_arg: int
    kind: object
    template: tuple = (MSG,)
    # the message argument must be a string literal (check_arg's "what", a name, not a message)
    literal_msg: bool = False


WRAPPERS = [
    # detail::throw_error(kind, message): what the EMBER_CHECK macros expand to.
    Wrapper("throw_error", ("src/*", "include/*"), 1, ("arg", 0, None)),
    # optim: Error(message, ErrorKind::Value) as a value.
    Wrapper("value_error", ("src/optim/optimizer.cpp", "src/nn/rnn.cpp"), 0, "Value"),
    # optim: check_arg(ok, what, v) raises "Invalid <what>: <v>" (PyTorch's wording).
    Wrapper("check_arg", ("src/optim/*",), 1, "Value", ("Invalid ", MSG, ": {}"), True),
    # data: IDX reading, "<fn>: <path>: <what>".
    Wrapper("fail", ("src/data/idx.cpp",), 2, "Runtime", ("{}: {}: ", MSG)),
    # io: safetensors reading, File::fail(what, kind) -> "<fn>: <path>: <what>".
    Wrapper("fail", ("src/io/safetensors_read.cpp",), 0, ("arg", 1, "Runtime"), ("{}: {}: ", MSG)),
    # io: torch.save reading, fail(problem) -> "<what>: <problem>"; the zip reader adds
    # "not a valid zip archive: ".
    Wrapper("fail", ("src/io/torch_checkpoint.cpp",), 0, "Runtime", ("{}: ", MSG)),
    Wrapper("fail", ("src/io/zip_archive.cpp",), 0, "Runtime",
            ("{}: not a valid zip archive: ", MSG)),
    # io: AtomicFile::fail(what, errno) -> "<fn>: <path>: <what> (<strerror>)".
    Wrapper("fail", ("src/io/atomic_file.cpp",), 0, "Runtime", ("{}: {}: ", MSG, " ({})")),
    # nn: local fail(message, kind = Runtime) helpers.
    Wrapper("fail", ("src/nn/functional_loss.cpp", "src/nn/functional_norm.cpp",
                     "src/nn/functional_recurrent.cpp", "src/nn/embedding.cpp",
                     "src/nn/functional_ctc.cpp", "src/nn/functional_fractional_pool.cpp"), 0,
            ("arg", 1, "Runtime")),
    # nn: embedding_bag's fail(message, kind = Runtime); interpolate's fail(message, kind = Value).
    Wrapper("fail", ("src/nn/functional_embedding_bag.cpp",), 0, ("arg", 1, "Runtime")),
    Wrapper("fail", ("src/nn/functional_spatial.cpp",), 0, ("arg", 1, "Value")),
    # nn: Conv2d's option checks, a lambda raising ValueErrors.
    Wrapper("fail", ("src/nn/conv.cpp",), 0, "Value"),
    # ops: the decompositions' fail(op, where, what) -> LinAlgError "<op>: <where><what>".
    Wrapper("fail", ("src/ops/linalg_decompositions.cpp",), 2, "Runtime", ("{}: {}", MSG)),
]

# Functions that return an Error for the caller to throw (`throw stopped_error();`). Their own
# `Error(...)` (or wrapper) construction is the raise site.
ERROR_FACTORIES = {"stopped_error", "value_error", "collective_error"}

# Throws of something other than ember::Error that are not user errors.
# Closed and Timeout are the TCP store's socket signals, caught inside it.
# NoBatchingRule is vmap's signal to run the function per entry, caught by func::vmap.
OTHER_THROWS = {"std::bad_alloc", "Closed", "Timeout", "net::Closed", "net::Timeout",
                "NoBatchingRule"}

# Message parts: calls that add a line to a message raised elsewhere in the same file. Each
# becomes its own catalogue entry (the user sees it inside the heading's message).
# (file glob, object, method, index of the message argument)
MESSAGE_PARTS = [
    ("src/nn/module.cpp", "errors", "push_back", 0),
    ("src/nn/module.cpp", "errors", "insert", 1),
]

SCAN_DIRS = ("src", "include")
SCAN_EXTS = (".cpp", ".h", ".def")

# --------------------------------------------------------------------------------------------
# Evaluating a message expression to templates.


class Evaluator:
    def __init__(self, toks, encl):
        self.toks = toks
        self.encl = encl

    def outer_body(self, i):
        """The outermost function body around token i (its '{' index), or None."""
        bodies = function_bodies(self.toks, self.encl, i)
        return bodies[-1][0] if bodies else None

    def eval(self, expr, at, depth=0, whole=False) -> list:
        """The templates an expression can produce. at: token index (for variable lookup).

        whole: the expression is the entire message, so a call of a message-building function
        of the same file (one returning std::string) is followed into its return statements.
        """
        expr = strip_parens(expr)
        if not expr:
            return [(PH,)]
        if depth > 8:
            return [(PH,)]
        # cond ? a : b
        q = self._top_level_index(expr, "?")
        if q is not None:
            rest = expr[q + 1:]
            colon = self._matching_colon(rest)
            if colon is not None:
                return (self.eval(rest[:colon], at, depth + 1, whole)
                        + self.eval(rest[colon + 1:], at, depth + 1, whole))
        # a + b + c (string concatenation)
        parts = top_level_split(expr, "+")
        if len(parts) > 1 and all(parts):
            if not any(t.kind == "str" for p in parts for t in p):
                return [(PH,)]  # arithmetic, not string concatenation
            results = [()]
            for p in parts:
                results = [tmpl_concat(r, t) for r in results for t in self.eval(p, at, depth + 1)]
            return results
        if all(t.kind == "str" for t in expr):
            return [("".join(t.value for t in expr),)]
        head = call_head(expr)
        if head:
            qual, args = head
            name = qual.split("::")[-1]
            if name == "format" and qual in ("fmt::format", "format", "std::format") and args:
                return self.format(args, at, depth, whole)
            if qual in ("std::move", "std::string", "std::string_view") and len(args) == 1:
                return self.eval(args[0], at, depth + 1, whole)
            if whole:
                returns = self.builder_returns(name)
                if returns:
                    return [t for ret, k in returns for t in self.eval(ret, k, depth + 1)]
            return [(PH,)]
        if len(expr) == 1 and expr[0].kind == "ident":
            init = self.find_initializer(expr[0].text, at)
            if init is not None:
                init_expr, init_at, appended = init
                got = self.eval(init_expr, init_at, depth + 1, whole)
                # `x += ...` later on adds text the script cannot follow: a trailing "{}"
                return [tmpl_concat(t, (PH,)) for t in got] if appended else got
        return [(PH,)]

    def builder_returns(self, name):
        """[(expr, index)] of the return statements of std::string name(...) in this file."""
        toks, out = self.toks, []
        for i in range(2, len(toks) - 1):
            if toks[i].text != name or toks[i + 1].text != "(" or not is_declaration(toks, i):
                continue
            if toks[i - 1].text != "string":
                continue
            close = match_close(toks, i + 1)
            j = close + 1
            while j < len(toks) and toks[j].text in ("const", "noexcept"):
                j += 1
            if j >= len(toks) or toks[j].text != "{":
                continue  # a declaration only
            end = match_close(toks, j)
            k = j
            while k < end:
                if toks[k].text == "return":
                    m = k + 1
                    depth = 0
                    while m < end and not (toks[m].text == ";" and depth == 0):
                        if toks[m].text in OPEN:
                            depth += 1
                        elif toks[m].text in OPEN.values():
                            depth -= 1
                        m += 1
                    out.append((toks[k + 1:m], k))
                    k = m
                k += 1
        return out

    def format(self, args, at, depth, whole=False) -> list:
        """Templates of fmt::format(args...): fields filled from literal arguments, else {}."""
        fmt_str = strip_parens(args[0])
        if not fmt_str or not all(t.kind == "str" for t in fmt_str):
            raise Unresolved("format string is not a literal")
        text = "".join(t.value for t in fmt_str)
        arg_templates = [None] * (len(args) - 1)
        passthrough = whole and text == "{}"  # fmt::format("{}", message_builder(...))

        def arg_value(idx):
            if idx >= len(arg_templates):
                raise Unresolved(f"format string {text!r} uses argument {idx} of "
                                 f"{len(arg_templates)}")
            if arg_templates[idx] is None:
                arg_templates[idx] = self.eval(args[idx + 1], at, depth + 1, passthrough)
            return arg_templates[idx]

        results = [()]
        auto, i = 0, 0
        while i < len(text):
            c = text[i]
            if text.startswith("{{", i) or text.startswith("}}", i):
                results = [tmpl_concat(r, (c,)) for r in results]
                i += 2
            elif c == "{":
                j = text.find("}", i)
                if j < 0:
                    raise Unresolved(f"unterminated field in {text!r}")
                spec = text[i + 1:j]
                if "{" in spec:
                    raise Unresolved(f"nested replacement field in {text!r}")
                arg_id, _, fmt_spec = spec.partition(":")
                if arg_id == "":
                    idx = auto
                    auto += 1
                elif arg_id.isdigit():
                    idx = int(arg_id)
                else:
                    raise Unresolved(f"named field in {text!r}")
                vals = arg_value(idx)
                if fmt_spec or len(vals) != 1:
                    vals = [(PH,)]
                results = [tmpl_concat(r, v) for r in results for v in vals]
                i = j + 1
            else:
                j = i
                while j < len(text) and text[j] not in "{}":
                    j += 1
                if j == i:  # a lone '}'
                    j = i + 1
                results = [tmpl_concat(r, (text[i:j],)) for r in results]
                i = j
        return results

    def find_initializer(self, name, at):
        """(expr, index, appended) for the last `name = expr;` before token `at` in the same
        function; appended tells whether `name += ...` follows. None when there is none."""
        toks = self.toks
        body = self.outer_body(at)
        if body is None:
            return None
        for j in range(at - 1, body, -1):
            t = toks[j]
            if t.kind == "ident" and t.text == name and toks[j + 1].text == "=":
                before = toks[j - 1]
                if before.kind == "ident" or before.text in (";", "{", "}", ">", "&", "*"):
                    end = j + 2
                    depth = 0
                    while end < len(toks):
                        x = toks[end]
                        if x.text in OPEN:
                            depth += 1
                        elif x.text in OPEN.values():
                            depth -= 1
                        elif x.text == ";" and depth == 0:
                            break
                        end += 1
                    appended = any(toks[k].text == name and toks[k + 1].text == "+="
                                   for k in range(end, at))
                    return toks[j + 2:end], j, appended
        return None

    @staticmethod
    def _top_level_puncts(toks):
        """(index, token) of each punctuator outside any brackets."""
        depth = 0
        for k, t in enumerate(toks):
            if t.kind != "punct":
                continue
            if t.text in OPEN:
                depth += 1
            elif t.text in OPEN.values():
                depth -= 1
            elif depth == 0:
                yield k, t

    @staticmethod
    def _top_level_index(expr, sym):
        return next((k for k, t in Evaluator._top_level_puncts(expr) if t.text == sym), None)

    @staticmethod
    def _matching_colon(toks):
        nested = 0
        for k, t in Evaluator._top_level_puncts(toks):
            if t.text == "?":
                nested += 1
            elif t.text == ":":
                if nested == 0:
                    return k
                nested -= 1
        return None


def parse_kind(arg_toks):
    """The ErrorKind an argument names (`ErrorKind::Value`, `::ember::ErrorKind::Index`)."""
    names = [t.text for t in arg_toks if t.kind == "ident"]
    if "ErrorKind" in names and names[-1] in KINDS and names[-2] == "ErrorKind":
        return names[-1]
    if len(names) == 1 and names[0] in KINDS and len(arg_toks) == 1:
        return names[0]  # EMBER_CHECK_KIND(Value, ...)
    return None


# --------------------------------------------------------------------------------------------
# Finding raise sites.


@dataclass
class Site:
    path: str
    line: int
    mechanism: str
    kind: str
    templates: list


@dataclass
class Scan:
    sites: list = field(default_factory=list)
    problems: list = field(default_factory=list)  # "path:line: what"
    counts: dict = field(default_factory=dict)
    wrapper_defs: set = field(default_factory=set)
    wrapper_calls: set = field(default_factory=set)
    parts_found: set = field(default_factory=set)
    throws: int = 0
    files: list = field(default_factory=list)

    def count(self, what):
        self.counts[what] = self.counts.get(what, 0) + 1


def function_bodies(toks, encl, i):
    """[(brace index, name)] of the function and lambda bodies around token i, innermost first.

    name is the function's unqualified name, a lambda's variable (`auto fail = [](...) {`), or
    None. Braces of namespaces, classes, control statements and initializers are skipped."""
    out = []
    b = encl[i]
    while b is not None:
        j = b - 1
        while j >= 0 and toks[j].kind == "ident" and toks[j].text in (
                "const", "noexcept", "override", "final", "mutable"):
            j -= 1
        if j >= 0 and toks[j].text == "]":  # a lambda without a parameter list: `[&] {`
            out.append((b, None))
        elif j >= 0 and toks[j].text == ")":
            depth, k = 0, j
            while k >= 0:
                if toks[k].text == ")":
                    depth += 1
                elif toks[k].text == "(":
                    depth -= 1
                    if depth == 0:
                        break
                k -= 1
            before = toks[k - 1] if k > 0 else None
            if before is not None and before.text == "]":  # a lambda: `auto name = [..](..) {`
                m = k - 1
                while m >= 0 and toks[m].text != "[":
                    m -= 1
                named = m >= 2 and toks[m - 1].text == "=" and toks[m - 2].kind == "ident"
                out.append((b, toks[m - 2].text if named else None))
            elif before is not None and before.kind == "ident" and before.text not in (
                    "if", "for", "while", "switch", "catch"):
                out.append((b, before.text))
        b = encl[b]
    return out


def enclosing_function(toks, encl, i):
    """Name of the innermost function (or named lambda) whose body contains token i, or None."""
    bodies = function_bodies(toks, encl, i)
    return bodies[0][1] if bodies else None


def brace_parents(toks):
    """encl[i]: index of the innermost '{' enclosing token i (None at file level)."""
    encl, stack = [None] * len(toks), []
    for i, t in enumerate(toks):
        encl[i] = stack[-1] if stack else None
        if t.text == "{":
            stack.append(i)
        elif t.text == "}" and stack:
            stack.pop()
    return encl


def wrapper_for(name, rel):
    for w in WRAPPERS:
        if w.name == name and any(fnmatch.fnmatch(rel, g) for g in w.files):
            return w
    return None


def scan_file(root, rel, scan: Scan):
    with open(os.path.join(root, rel), encoding="utf-8") as f:
        text = f.read()
    try:
        toks = lex(text)
    except LexError as e:
        scan.problems.append(f"{rel}: cannot lex ({e})")
        return
    encl = brace_parents(toks)
    ev = Evaluator(toks, encl)

    def problem(i, what):
        scan.problems.append(f"{rel}:{toks[i].line}: {what}")

    def add(i, mechanism, kind, msg_expr, frame=(MSG,), literal_frame=False):
        """Records a site whose message is msg_expr framed by a wrapper's template."""
        if any(t.text == "__VA_ARGS__" for t in msg_expr):
            scan.count("(macro forwarding)")  # the definition of a raising macro
            return
        try:
            inner = ev.eval(msg_expr, i, whole=True)
        except Unresolved as e:
            problem(i, f"cannot read the message of {mechanism}: {e}")
            return
        templates = []
        for t in inner:
            if literal_frame and (len(t) != 1 or t[0] is PH):
                problem(i, f"{mechanism}: expected a string literal argument")
                return
            templates.append(tmpl_concat(*[t if s is MSG else tmpl_from_frame(s) for s in frame]))
        if not any(tmpl_has_text(t) for t in templates):
            problem(i, f"{mechanism}: the message is built at run time and the script cannot "
                       "follow it; register the helper in WRAPPERS in scripts/error_sites.py")
            return
        if kind is None:
            problem(i, f"{mechanism}: cannot tell the ErrorKind")
            return
        scan.sites.append(Site(rel, toks[i].line, mechanism, kind,
                               [tmpl_render(t) for t in templates]))
        scan.count(mechanism)

    def in_wrapper_body(i):
        fn = enclosing_function(toks, encl, i)
        w = wrapper_for(fn, rel) if fn else None
        if w:
            scan.wrapper_defs.add((w.name, w.files))
            scan.count(f"(wrapper body: {fn})")
            return True
        return False

    for i, t in enumerate(toks):
        if t.kind != "ident":
            continue
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        name = t.text

        if name == "throw":
            # A wrapper may throw its own Error subclass; its calls are the catalogued sites.
            if in_wrapper_body(i):
                scan.throws += 1
                continue
            classify_throw(toks, i, rel, scan, problem)
            continue
        if nxt is None or nxt.text != "(":
            # (`public Error {` opens a subclass, not a construction.)
            if (name == "Error" and nxt is not None and nxt.text == "{"
                    and not (i > 0 and toks[i - 1].text == "public")):
                problem(i, "Error{...} construction: use Error(...) so the script can read it")
            continue
        if is_declaration(toks, i):
            continue

        if name in MACROS:
            try:
                args, _ = split_args(toks, i + 1, macro=True)
            except Unresolved as e:
                problem(i, str(e))
                continue
            fixed_kind, fmt_idx = MACROS[name]
            if len(args) <= fmt_idx:
                problem(i, f"{name} without a message")
                continue
            kind = fixed_kind or parse_kind(args[0])
            # The macro formats its remaining arguments: read them as fmt::format(...).
            call = [Tok("ident", "fmt", t.line), Tok("punct", "::", t.line),
                    Tok("ident", "format", t.line), Tok("punct", "(", t.line)]
            for k, a in enumerate(args[fmt_idx:]):
                if k:
                    call.append(Tok("punct", ",", t.line))
                call.extend(a)
            call.append(Tok("punct", ")", t.line))
            add(i, name, kind, call)
            continue

        if name == "Error":
            args, _ = split_args(toks, i + 1)
            if in_wrapper_body(i):
                continue
            if not args or len(args) > 2:
                problem(i, "Error(...) with an unexpected number of arguments")
                continue
            kind = parse_kind(args[1]) if len(args) == 2 else "Runtime"
            add(i, "Error", kind, args[0])
            continue

        w = wrapper_for(name, rel)
        if w:
            args, _ = split_args(toks, i + 1)
            if in_wrapper_body(i):
                continue
            scan.wrapper_calls.add((w.name, w.files))
            if isinstance(w.kind, tuple):
                _, kidx, default = w.kind
                kind = parse_kind(args[kidx]) if len(args) > kidx else default
            else:
                kind = w.kind
            if len(args) <= w.msg_arg:
                problem(i, f"{name}(...) without a message")
                continue
            add(i, name, kind, args[w.msg_arg], w.template, w.literal_msg)
            continue

        for part in MESSAGE_PARTS:
            glob, obj, method, arg = part
            if (fnmatch.fnmatch(rel, glob) and name == method and i >= 2
                    and toks[i - 1].text == "." and toks[i - 2].text == obj):
                scan.parts_found.add(part)
                args, _ = split_args(toks, i + 1)
                add(i, "message part", "Runtime", args[arg])


def classify_throw(toks, i, rel, scan, problem):
    scan.throws += 1
    j = i + 1
    if j >= len(toks):
        return
    if toks[j].text == ";":
        scan.count("(rethrow)")
        return
    k = j
    while k < len(toks) and (toks[k].kind == "ident" or toks[k].text == "::"):
        k += 1
    qual = "".join(t.text for t in toks[j:k])
    name = qual.split("::")[-1]
    if name == "Error":
        return  # counted as an Error(...) site
    if name in ERROR_FACTORIES:
        scan.count(f"(throw {name}())")
        return
    if qual in OTHER_THROWS:
        scan.count(f"(throw {qual}: not a user error)")
        return
    problem(i, f"throw of something the script does not know ({qual or toks[j].text}): throw "
               "ember::Error, or register the helper in scripts/error_sites.py")


def scan_tree(root) -> Scan:
    scan = Scan()
    files = []
    for d in SCAN_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, d)):
            dirnames.sort()
            for fn in sorted(filenames):
                if fn.endswith(SCAN_EXTS):
                    rel = os.path.relpath(os.path.join(dirpath, fn), root)
                    files.append(rel.replace(os.sep, "/"))
    if not files:
        scan.problems.append(f"no sources found under {root}")
    for rel in files:
        scan_file(root, rel, scan)
    # Configuration that no longer matches the code is an error too, so it cannot rot.
    for w in WRAPPERS:
        key = (w.name, w.files)
        where = ", ".join(w.files)
        if key not in scan.wrapper_calls:
            scan.problems.append(f"WRAPPERS: no call of {w.name} in {where} (stale entry?)")
        if key not in scan.wrapper_defs:
            scan.problems.append(f"WRAPPERS: no definition of {w.name} in {where} (stale entry?)")
    for part in MESSAGE_PARTS:
        if part not in scan.parts_found:
            scan.problems.append(f"MESSAGE_PARTS: no {part[1]}.{part[2]}(...) in {part[0]} "
                                 "(stale entry?)")
    scan.files = files
    return scan


def grep_counts(root, files):
    """What a plain grep sees, for --stats: lines naming each macro, and lines with `throw`."""
    macro_re = re.compile(r"\b(EMBER_CHECK(?:_INDEX|_TYPE|_VALUE|_KIND)?|EMBER_FAIL)\(")
    counts = {}
    for rel in files:
        with open(os.path.join(root, rel), encoding="utf-8") as f:
            for line in f:
                code = line.split("//")[0]
                if code.lstrip().startswith("#define"):
                    continue
                for m in macro_re.finditer(code):
                    counts[m.group(1)] = counts.get(m.group(1), 0) + 1
                hits = len(re.findall(r"\bthrow\b", code))
                if hits:
                    counts["throw"] = counts.get("throw", 0) + hits
    return counts
