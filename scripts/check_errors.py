#!/usr/bin/env python3
"""Keeps docs/errors.md, the catalogue of every error a user can hit, in step with the code.

The script finds every place under src/ and include/ that raises an ember::Error (the EMBER_CHECK*
and EMBER_FAIL macros, `Error(...)` constructions and the few local helpers that wrap them),
works out the message template each one produces (adjacent literals joined, escapes decoded,
every `{...}` field of a fmt string shown as `{}`) and compares the set with the catalogue.

    scripts/check_errors.py            check: exit 1 on any missing, stale or TODO entry
    scripts/check_errors.py --write    regenerate docs/errors.md, keeping the cause/fix text
    scripts/check_errors.py --stats    also print how many raise sites each mechanism has
    scripts/check_errors.py --list     print every template with its kind and file:line sites

A message built in a way the script cannot follow (a format string in a variable, a new helper
that takes the message as a parameter) is reported as unresolved and fails the check, so no
error escapes the catalogue silently: teach the script about the helper in WRAPPERS below.

Python 3 standard library only.
"""

from __future__ import annotations

import argparse
import difflib
import fnmatch
import os
import re
import sys
from dataclasses import dataclass, field

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
    # io: AtomicFile::fail(what, errno) -> "<fn>: <path>: <what> (<strerror>)".
    Wrapper("fail", ("src/io/atomic_file.cpp",), 0, "Runtime", ("{}: {}: ", MSG, " ({})")),
    # nn: local fail(message, kind = Runtime) helpers.
    Wrapper("fail", ("src/nn/functional_loss.cpp", "src/nn/functional_norm.cpp",
                     "src/nn/functional_recurrent.cpp"), 0,
            ("arg", 1, "Runtime")),
    # nn: Conv2d's option checks, a lambda raising ValueErrors.
    Wrapper("fail", ("src/nn/conv.cpp",), 0, "Value"),
]

# Functions that return an Error for the caller to throw (`throw stopped_error();`). Their own
# `Error(...)` (or wrapper) construction is the raise site.
ERROR_FACTORIES = {"stopped_error", "value_error"}

# Throws of something other than ember::Error that are not user errors.
OTHER_THROWS = {"std::bad_alloc"}

# Message parts: calls that add a line to a message raised elsewhere in the same file. Each
# becomes its own catalogue entry (the user sees it inside the heading's message).
# (file glob, object, method, index of the message argument)
MESSAGE_PARTS = [
    ("src/nn/module.cpp", "errors", "push_back", 0),
    ("src/nn/module.cpp", "errors", "insert", 1),
]

SCAN_DIRS = ("src", "include")
SCAN_EXTS = (".cpp", ".h", ".def")
DOC = os.path.join("docs", "errors.md")

AREAS = [
    ("core", "Core: tensors, storage, dtypes, devices"),
    ("kernels", "Kernels"),
    ("graph", "Autograd graph: nodes, saved tensors, history"),
    ("ops", "Ops"),
    ("engine", "Autograd engine: backward, custom functions, gradcheck"),
    ("nn", "nn: modules and functional"),
    ("optim", "optim: optimizers and schedulers"),
    ("data", "data: datasets, loaders, MNIST"),
    ("io", "io: saving and loading"),
]

MARKER = ("<!-- error-catalogue: everything below is regenerated by scripts/check_errors.py "
          "--write; edit only the Cause and Fix lines. -->")
TODO = "TODO"

# --------------------------------------------------------------------------------------------
# A small C++ lexer: identifiers, numbers, string and char literals (decoded), punctuation.

PUNCT = sorted(
    "<<= >>= ... -> ->* :: ## << >> <= >= == != && || ++ -- += -= *= /= %= &= |= ^= .*".split()
    + list("{}[]()<>;:,.?!~+-*/%&|^=#"),
    key=len, reverse=True)


@dataclass
class Tok:
    kind: str  # ident, num, str, char, punct
    text: str
    line: int
    value: str = ""  # decoded contents of a string literal


class LexError(Exception):
    pass


_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v",
                   "\\": "\\", "'": "'", '"': '"', "?": "?"}


def decode_escapes(body: str) -> str:
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        i += 1
        e = body[i] if i < len(body) else ""
        if e in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[e])
            i += 1
        elif e == "x":
            m = re.match(r"[0-9a-fA-F]+", body[i + 1:])
            out.append(chr(int(m.group(0), 16)))
            i += 1 + len(m.group(0))
        elif e in "uU":
            n = 4 if e == "u" else 8
            out.append(chr(int(body[i + 1:i + 1 + n], 16)))
            i += 1 + n
        elif e.isdigit():
            m = re.match(r"[0-7]{1,3}", body[i:])
            out.append(chr(int(m.group(0), 8)))
            i += len(m.group(0))
        else:
            out.append(e)
            i += 1
    return "".join(out)


def lex(text: str) -> list:
    toks, i, line, n = [], 0, 1, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c in " \t\r\f\v":
            i += 1
        elif c == "\\" and text.startswith("\n", i + 1):  # line continuation
            line += 1
            i += 2
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                raise LexError(f"line {line}: unterminated comment")
            line += text.count("\n", i, j)
            i = j + 2
        elif c.isalpha() or c == "_":
            m = re.compile(r"[A-Za-z_0-9]+").match(text, i)
            word = m.group(0)
            j = m.end()
            raw = re.fullmatch(r"(u8|u|U|L)?R", word)
            if j < n and text[j] == '"' and raw:
                m2 = re.compile(r'"([^()\\ \s]{0,16})\(').match(text, j)
                if not m2:
                    raise LexError(f"line {line}: bad raw string")
                close = ")" + m2.group(1) + '"'
                k = text.find(close, m2.end())
                if k < 0:
                    raise LexError(f"line {line}: unterminated raw string")
                body = text[m2.end():k]
                toks.append(Tok("str", text[i:k + len(close)], line, body))
                line += body.count("\n")
                i = k + len(close)
            elif j < n and text[j] in "\"'" and re.fullmatch(r"u8|u|U|L", word):
                i = _lex_quoted(text, j, line, toks, prefix_start=i)
            else:
                toks.append(Tok("ident", word, line))
                i = j
        elif c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            m = re.compile(r"\.?[0-9](?:[eEpP][+-]|'[0-9A-Za-z]|[0-9A-Za-z_.])*").match(text, i)
            toks.append(Tok("num", m.group(0), line))
            i = m.end()
        elif c in "\"'":
            i = _lex_quoted(text, i, line, toks, prefix_start=i)
        else:
            for p in PUNCT:
                if text.startswith(p, i):
                    toks.append(Tok("punct", p, line))
                    i += len(p)
                    break
            else:
                raise LexError(f"line {line}: unexpected character {c!r}")
    return toks


def _lex_quoted(text, i, line, toks, prefix_start):
    quote = text[i]
    j = i + 1
    while True:
        if j >= len(text) or text[j] == "\n":
            raise LexError(f"line {line}: unterminated literal")
        if text[j] == "\\":
            j += 2
            continue
        if text[j] == quote:
            break
        j += 1
    body = text[i + 1:j]
    toks.append(Tok("str" if quote == '"' else "char", text[prefix_start:j + 1], line,
                    decode_escapes(body)))
    return j + 1


# --------------------------------------------------------------------------------------------
# Templates: tuples of literal text and PH (a value filled in at run time).

PH = None


def tmpl_concat(*parts) -> tuple:
    out = []
    for part in parts:
        for seg in part:
            if seg is PH:
                if not out or out[-1] is not PH:  # "{}{}" tells the reader no more than "{}"
                    out.append(PH)
            elif seg:
                if out and out[-1] is not PH:
                    out[-1] += seg
                else:
                    out.append(seg)
    return tuple(out)


def tmpl_render(t: tuple) -> str:
    return "".join("{}" if s is PH else s.replace("{", "{{").replace("}", "}}") for s in t)


def tmpl_has_text(t: tuple) -> bool:
    return any(s is not PH and re.search(r"[A-Za-z]", s) for s in t)


def tmpl_from_frame(s: str) -> tuple:
    """A wrapper's frame text ("{}: {}: ") as a template: each "{}" a placeholder."""
    parts = s.split("{}")
    return tmpl_concat(*[((PH,) if k else ()) + (p,) for k, p in enumerate(parts)])


class Unresolved(Exception):
    pass


# --------------------------------------------------------------------------------------------
# Token-level helpers.

OPEN = {"(": ")", "[": "]", "{": "}"}
NOT_DECL_BEFORE = {"return", "throw", "else", "do", "case", "co_return", "and", "or", "not"}


def match_close(toks, i, only_parens=False):
    """Index of the bracket closing toks[i]."""
    depth = 0
    opens = ("(",) if only_parens else tuple(OPEN)
    closes = (")",) if only_parens else tuple(OPEN.values())
    for j in range(i, len(toks)):
        t = toks[j]
        if t.kind != "punct":
            continue
        if t.text in opens:
            depth += 1
        elif t.text in closes:
            depth -= 1
            if depth == 0:
                return j
    raise Unresolved(f"line {toks[i].line}: unbalanced brackets")


def split_args(toks, open_idx, macro=False):
    """The argument token lists of the call whose '(' is at open_idx, and the ')' index.

    Macro arguments split at commas outside parentheses only, as the preprocessor does."""
    close = match_close(toks, open_idx, only_parens=macro)
    args, cur, depth = [], [], 0
    for t in toks[open_idx + 1:close]:
        if t.kind == "punct":
            if t.text == "(" or (not macro and t.text in "[{"):
                depth += 1
            elif t.text == ")" or (not macro and t.text in "]}"):
                depth -= 1
            elif t.text == "," and depth == 0:
                args.append(cur)
                cur = []
                continue
        cur.append(t)
    if cur or args:
        args.append(cur)
    return args, close


def prev_skipping_qualifiers(toks, i):
    """Index of the token before the (possibly ::-qualified) name at i, or -1."""
    j = i - 1
    while j >= 1 and toks[j].text == "::":
        j -= 1
        if toks[j].kind == "ident":
            j -= 1
    if j >= 0 and toks[j].text == "::":  # leading ::
        j -= 1
    return j


def is_declaration(toks, i):
    j = prev_skipping_qualifiers(toks, i)
    if j < 0:
        return False
    p = toks[j]
    if p.kind == "ident" and p.text not in NOT_DECL_BEFORE:
        return True  # `void fail(`, `Error value_error(`, `explicit Error(`, `#define X(`
    return p.text == "~"


def top_level_split(toks, sep):
    parts, cur, depth = [], [], 0
    for t in toks:
        if t.kind == "punct":
            if t.text in OPEN:
                depth += 1
            elif t.text in OPEN.values():
                depth -= 1
            elif t.text == sep and depth == 0:
                parts.append(cur)
                cur = []
                continue
        cur.append(t)
    parts.append(cur)
    return parts


def strip_parens(toks):
    while len(toks) >= 2 and toks[0].text == "(" and match_close(toks, 0) == len(toks) - 1:
        toks = toks[1:-1]
    return toks


def call_head(toks):
    """For an expression that is one call `a::b::name(...)`: (name, args). Else None."""
    if len(toks) < 3 or toks[-1].text != ")":
        return None
    k = 0
    while k < len(toks) and (toks[k].kind == "ident" or toks[k].text == "::"):
        k += 1
    if k == 0 or toks[k - 1].kind != "ident" or k >= len(toks) or toks[k].text != "(":
        return None
    if match_close(toks, k) != len(toks) - 1:
        return None
    args, _ = split_args(toks, k)
    qual = "".join(t.text for t in toks[:k])
    return qual, args


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
                       "follow it; register the helper in WRAPPERS in scripts/check_errors.py")
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
            classify_throw(toks, i, rel, scan, problem)
            continue
        if nxt is None or nxt.text != "(":
            if name == "Error" and nxt is not None and nxt.text == "{":
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
               "ember::Error, or register the helper in scripts/check_errors.py")


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


# --------------------------------------------------------------------------------------------
# The catalogue.


@dataclass
class Entry:
    template: str
    kinds: list
    files: list
    sites: list  # (path, line)
    cause: str = TODO
    fix: str = TODO

    @property
    def area(self):
        return area_of(self.files[0])


def area_of(path):
    parts = path.split("/")
    if parts[0] == "src" and len(parts) > 2:
        return parts[1]
    if parts[0] == "include" and len(parts) > 3:
        return parts[2]
    return "core"


def entries_from_scan(scan: Scan) -> dict:
    entries = {}
    for s in scan.sites:
        for t in s.templates:
            e = entries.get(t)
            if e is None:
                e = entries[t] = Entry(t, [], [], [])
            if s.kind not in e.kinds:
                e.kinds.append(s.kind)
            if s.path not in e.files:
                e.files.append(s.path)
            e.sites.append((s.path, s.line))
    area_rank = {a: k for k, (a, _) in enumerate(AREAS)}
    for e in entries.values():
        e.kinds.sort(key=list(KINDS).index)
        e.files.sort(key=lambda p: (area_rank.get(area_of(p), 99), p))
        e.sites.sort()
    return entries


def code_span(text):
    text = (text.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")
            .replace("\r", "\\r"))
    run = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (run + 1)
    if text.startswith("`") or text.endswith("`") or (
            text.startswith(" ") and text.endswith(" ") and text.strip()):
        text = f" {text} "
    return f"{fence}{text}{fence}"


def parse_code_span(s):
    m = re.match(r"(`+)(.*?)\1$", s)
    if not m:
        return None
    body = m.group(2)
    if len(body) >= 2 and body.startswith(" ") and body.endswith(" ") and body.strip():
        body = body[1:-1]
    return re.sub(r"\\(.)", lambda x: {"n": "\n", "t": "\t", "r": "\r"}.get(x.group(1),
                                                                            x.group(1)), body)


ENTRY_RE = re.compile(r"^- (`.*`)$")
CAUSE_RE = re.compile(r"^  - \*\*Cause:\*\* (.*)$")
FIX_RE = re.compile(r"^  - \*\*Fix:\*\* (.*)$")


def parse_doc(text):
    """(intro, {template: (cause, fix)}, [templates in order]) of an existing catalogue."""
    intro, sep, body = text.partition(MARKER)
    if not sep:
        return text, {}, []
    known, order, current = {}, [], None
    for line in body.splitlines():
        m = ENTRY_RE.match(line)
        if m:
            current = parse_code_span(m.group(1))
            if current is not None:
                order.append(current)
                known.setdefault(current, [TODO, TODO])
            continue
        if current is None:
            continue
        m = CAUSE_RE.match(line)
        if m:
            known[current][0] = m.group(1).strip() or TODO
        m = FIX_RE.match(line)
        if m:
            known[current][1] = m.group(1).strip() or TODO
    return intro, {k: tuple(v) for k, v in known.items()}, order


DEFAULT_INTRO = "# Error catalogue\n\n"


def render_doc(intro, entries):
    out = [intro.rstrip("\n") + "\n\n" + MARKER + "\n"]
    by_area = {}
    for e in entries.values():
        by_area.setdefault(e.area, []).append(e)
    titles = dict(AREAS)
    order = [a for a, _ in AREAS] + sorted(set(by_area) - set(titles))
    for area in order:
        if area not in by_area:
            continue
        items = sorted(by_area[area], key=lambda e: (e.files[0], e.sites[0][1], e.template))
        out.append(f"\n## {titles.get(area, area)}\n")
        current_file = None
        for e in items:
            if e.files[0] != current_file:
                current_file = e.files[0]
                out.append(f"\n### `{current_file}`\n\n")
            kinds = " or ".join(f"{k} (`{KINDS[k]}`)" for k in e.kinds)
            files = ", ".join(f"`{f}`" for f in e.files)
            out.append(f"- {code_span(e.template)}\n"
                       f"  - **Kind:** {kinds}. **Raised in:** {files}\n"
                       f"  - **Cause:** {e.cause}\n"
                       f"  - **Fix:** {e.fix}\n")
    return "".join(out)


# --------------------------------------------------------------------------------------------


def plural(n, word):
    if n == 1:
        return f"1 {word}"
    return f"{n} {word[:-1] + 'ies' if word.endswith('y') else word + 's'}"


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", default=os.path.dirname(here), help="repository root to scan")
    ap.add_argument("--doc", help="catalogue path (default: ROOT/docs/errors.md)")
    ap.add_argument("--write", action="store_true", help="regenerate the catalogue")
    ap.add_argument("--stats", action="store_true", help="print raise-site counts")
    ap.add_argument("--list", action="store_true", help="print every template and its sites")
    args = ap.parse_args(argv)
    root = os.path.abspath(args.root)
    doc_path = args.doc or os.path.join(root, DOC)

    scan = scan_tree(root)
    entries = entries_from_scan(scan)

    if args.stats:
        print(f"scanned {len(scan.files)} files under {', '.join(SCAN_DIRS)}")
        print("raise sites by mechanism:")
        for k in sorted(scan.counts):
            label = k if k.startswith("(") else f"{k}(...)"
            print(f"  {label:40} {scan.counts[k]:4}")
        real = sum(v for k, v in scan.counts.items() if not k.startswith("("))
        print(f"  {'total raise sites':40} {real:4}")
        print(f"  {'`throw` statements seen':40} {scan.throws:4}")
        print(f"  {'unreadable sites':40} {len(scan.problems):4}")
        print(f"  {'distinct templates':40} {len(entries):4}")
        print("for comparison, what a plain grep counts (outside // comments and #define lines):")
        for k, v in sorted(grep_counts(root, scan.files).items()):
            print(f"  {k:40} {v:4}")
    if args.list:
        for t in sorted(entries):
            e = entries[t]
            sites = ", ".join(f"{p}:{ln}" for p, ln in e.sites)
            print(f"{'/'.join(e.kinds):8} {t!r}  <- {sites}")

    if scan.problems:
        print("error sites the script cannot read (fix the code or teach the script):",
              file=sys.stderr)
        for p in scan.problems:
            print(f"  {p}", file=sys.stderr)

    if os.path.exists(doc_path):
        with open(doc_path, encoding="utf-8") as f:
            old_text = f.read()
    else:
        old_text = ""
    intro, known, _ = parse_doc(old_text) if old_text else (DEFAULT_INTRO, {}, [])
    for t, e in entries.items():
        if t in known:
            e.cause, e.fix = known[t]
    new_text = render_doc(intro, entries)

    if args.write:
        if scan.problems:
            print("not writing the catalogue while some sites are unreadable", file=sys.stderr)
            return 1
        os.makedirs(os.path.dirname(doc_path), exist_ok=True)
        with open(doc_path, "w", encoding="utf-8") as f:
            f.write(new_text)
        todo = sum(1 for e in entries.values() if TODO in (e.cause, e.fix))
        added = sum(1 for t in entries if t not in known)
        dropped = sum(1 for t in known if t not in entries)
        print(f"wrote {os.path.relpath(doc_path, root)}: {len(entries)} entries "
              f"({added} new, {dropped} removed, {todo} with TODO cause/fix)")
        return 0

    failed = bool(scan.problems)
    rel_doc = os.path.relpath(doc_path, root)
    if not old_text:
        print(f"{rel_doc} does not exist; run scripts/check_errors.py --write", file=sys.stderr)
        return 1
    missing = [t for t in entries if t not in known]
    stale = [t for t in known if t not in entries]
    todo = [t for t, e in entries.items() if t in known and TODO in (e.cause, e.fix)]
    if missing:
        failed = True
        print(f"{plural(len(missing), 'error message')} raised in the code "
              f"{'is' if len(missing) == 1 else 'are'} missing from {rel_doc}:", file=sys.stderr)
        for t in sorted(missing, key=lambda t: entries[t].sites[0]):
            p, ln = entries[t].sites[0]
            print(f"  {p}:{ln}: {t!r}", file=sys.stderr)
    if stale:
        failed = True
        print(f"{plural(len(stale), 'entry')} in {rel_doc} no longer raised anywhere in the code:",
              file=sys.stderr)
        for t in stale:
            print(f"  {t!r}", file=sys.stderr)
    if todo:
        failed = True
        print(f"{plural(len(todo), 'entry')} in {rel_doc} still "
              f"{'has' if len(todo) == 1 else 'have'} a TODO cause or fix:", file=sys.stderr)
        for t in todo:
            print(f"  {t!r}", file=sys.stderr)
    if not failed and new_text != old_text:
        failed = True
        print(f"{rel_doc} is out of date (kinds, files, order or layout differ from the code):",
              file=sys.stderr)
        diff = list(difflib.unified_diff(old_text.splitlines(), new_text.splitlines(),
                                         rel_doc, "regenerated", lineterm="", n=1))
        for line in diff[:40]:
            print(f"  {line}", file=sys.stderr)
    if failed:
        if missing or todo:
            print("fix: run scripts/check_errors.py --write, then replace every TODO with a cause "
                  "and a fix", file=sys.stderr)
        elif stale or not scan.problems:
            print("fix: run scripts/check_errors.py --write", file=sys.stderr)
        return 1
    print(f"{rel_doc}: all {len(entries)} error messages are catalogued")
    return 0


if __name__ == "__main__":
    sys.exit(main())
