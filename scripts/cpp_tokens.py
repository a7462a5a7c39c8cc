"""A small C++ lexer and the token helpers scripts/check_errors.py reads raise sites with:
tokens (string literals decoded), message templates (literal text and run-time placeholders),
and bracket matching and argument splitting.

Python 3 standard library only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
