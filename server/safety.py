"""Decide whether a query may run: no network access (SERVICE), no updates.

pyoxigraph evaluates ``SERVICE`` by sending HTTP requests to whatever address the query names,
so a query that could contain a SERVICE pattern is parsed with a real SPARQL parser (rdflib's)
and every ``ServiceGraphPattern`` anywhere in it (subqueries, OPTIONAL, FILTER EXISTS, …) is
resolved — prefixed names and BASE-relative IRIs included — and checked against the operator's
allow-list (empty by default).

Fast path: a query whose code and IRIs — after the ``\\uXXXX`` / ``\\UXXXXXXXX`` escapes SPARQL
applies before parsing, NFKC normalisation and case folding, as cut by a small lexer
(:func:`code_text`: code, strings, IRIs, comments) — do not contain "service" cannot call one,
and skips the parse ("service" in string literals and comments costs nothing: "Financial
services"@en). Every other query is parsed in full; the lexer gives a second opinion: a SERVICE
keyword it sees in the code that the parse does not find is a disagreement between two readings
of the query, and the query is refused. Oxigraph ends comments at ``\\r`` as well as ``\\n``; both
readings here do too. A query that mentions SERVICE but cannot be parsed by rdflib is refused
(fail closed). The W3C SPARQL syntax tests and every red-team spelling in tests/server check
that what this lets through never makes Oxigraph open a connection.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_UPDATE_KEYWORDS = {"insert", "delete", "load", "clear", "create", "drop", "copy", "move", "add", "with"}
_PROLOGUE = re.compile(
    r"""\s*(?:\#[^\n]*\n?|BASE\s*<[^>]*>|PREFIX\s+[^\s:]*:\s*<[^>]*>)""",
    re.IGNORECASE | re.VERBOSE,
)


_IRIREF = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_NAME_BEFORE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:?$")
_NAME_AFTER = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:-")


def code_text(text: str, iris: list[str] | None = None) -> str | None:
    """The code of an (unescaped) query: comments blanked, strings as ``""``, IRIs as ``<>``
    (their texts appended to ``iris`` when given: ``<`` may also be a less-than).

    Returns None when the text cannot be cut safely (an unterminated string, say).
    """
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\":  # an escape in a prefixed name's local part (ex:a\#b): never a comment/string
            out.append(" ")
            i += 2
        elif c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            out.append(" ")
        elif c in "\"'":
            long = text.startswith(c * 3, i)
            j = i + (3 if long else 1)
            while True:
                if j >= n:
                    return None
                if text[j] == "\\":
                    j += 2
                    continue
                if long and text.startswith(c * 3, j):
                    j += 3
                    break
                if not long and text[j] == c:
                    j += 1
                    break
                if not long and text[j] in "\r\n":
                    return None
                j += 1
            out.append(' "" ')
            i = j
        elif c == "<":
            m = _IRIREF.match(text, i)
            if m:
                if iris is not None:
                    iris.append(m.group())
                out.append(" <> ")
                i = m.end()
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _fold(c: str) -> str:
    return unicodedata.normalize("NFKC", c).casefold()


def keyword_positions(code: str, word: str) -> list[int]:
    """Where ``word`` (lower case) may stand as a keyword in ``code`` (any case, NFKC-folded)."""
    folded: list[str] = []
    origin: list[int] = []
    for index, c in enumerate(code):
        f = c.lower() if c.isascii() else _fold(c)
        folded.append(f)
        origin.extend([index] * len(f))
    flat = "".join(folded)
    hits = []
    start = flat.find(word)
    while start >= 0:
        first, last = origin[start], origin[start + len(word) - 1]
        before = code[first - 1] if first > 0 else " "
        after = code[last + 1] if last + 1 < len(code) else " "
        if before not in _NAME_BEFORE and after not in _NAME_AFTER:
            hits.append(first)
        start = flat.find(word, start + 1)
    return hits


_FROM = re.compile(r"(?i)(?<![\w:?$.\-])from\s+(named\s+)?(<>|[A-Za-z_][\w.\-]*:|:)")


class Refused(Exception):
    """The query may not run; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Analysis:
    has_dataset: bool = False  # FROM / FROM NAMED present in the query
    services: list[str] = field(default_factory=list)  # allowed SERVICE IRIs it calls
    parsed: bool = False  # whether rdflib parsed it


def unescape(text: str) -> str:
    """Apply SPARQL's codepoint escapes (done on the whole query string before parsing)."""

    def repl(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        try:
            return chr(code)
        except (ValueError, OverflowError):
            return m.group(0)

    return _ESCAPE.sub(repl, text)


def scan_text(text: str) -> str:
    """The query text reduced for keyword scanning: unescaped, NFKC-normalised, case-folded."""
    return unicodedata.normalize("NFKC", unescape(text)).casefold()


def looks_like_update(text: str) -> bool:
    """True for SPARQL Update requests (INSERT, DELETE, LOAD, CLEAR, …)."""
    rest = unescape(text)
    while True:
        m = _PROLOGUE.match(rest)
        if not m or m.end() == 0:
            break
        rest = rest[m.end() :]
    word = re.match(r"\s*([A-Za-z]+)", rest)
    if word and word.group(1).casefold() in _UPDATE_KEYWORDS:
        return True
    try:
        from rdflib.plugins.sparql.parser import parseUpdate

        parsed = parseUpdate(text)
        return bool(parsed.get("request"))
    except Exception:
        return False


def _walk(node, found: list, seen: set[int]) -> None:
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    if id(node) in seen:
        return
    if isinstance(node, CompValue):
        seen.add(id(node))
        if node.name == "ServiceGraphPattern":
            found.append(node)
        for value in node.values():
            _walk(value, found, seen)
    elif isinstance(node, dict):
        seen.add(id(node))
        for value in node.values():
            _walk(value, found, seen)
    elif isinstance(node, list | tuple | set | ParseResults):
        seen.add(id(node))
        for value in node:
            _walk(value, found, seen)
    elif hasattr(node, "algebra"):  # rdflib Query object
        _walk(node.algebra, found, seen)


MAX_NESTING = 256  # brackets ( { [ open at once; Oxigraph's recursive parser overflows its stack near 5,000
MAX_UNARY = 256  # ! - + ^ in a row (10,000 ! crashed a worker)


def check_nesting(text: str) -> None:
    """Refuse (400, naming the limit) a query nested too deep for the engine to parse safely.

    Counted in the code only (:func:`code_text`), so brackets in strings and IRIs do not count;
    most queries have fewer brackets in all than the limit and are not scanned at all.
    """
    if (
        text.count("(") + text.count("{") + text.count("[") <= MAX_NESTING
        and sum(text.count(c) for c in "!-+^") <= MAX_UNARY
    ):
        return
    code = code_text(unescape(text.replace("\r", "\n")))
    if code is None:
        code = text  # cannot cut it: count everything (stricter)
    depth = deepest = run = longest = 0
    for c in code:
        if c in "({[":
            depth += 1
            deepest = max(deepest, depth)
        elif c in ")}]":
            depth -= 1
        if c in "!-+^":
            run += 1
            longest = max(longest, run)
        elif not c.isspace():
            run = 0
    if deepest > MAX_NESTING:
        raise Refused(400, f"The query nests brackets {deepest} deep; this endpoint allows {MAX_NESTING}.")
    if longest > MAX_UNARY:
        raise Refused(400, f"The query has {longest} operators (! - + ^) in a row; this endpoint allows {MAX_UNARY}.")


def analyse(text: str, allowlist: tuple[str, ...] | frozenset[str] = ()) -> Analysis:
    """Check a query; raise :class:`Refused` when it would reach the network.

    Any query whose code or IRIs mention "service" (after unescaping and folding; glued to a name
    or a number too) is parsed in full, and the parse decides; "service" in strings and comments
    only does not need it. The lexer is then a second opinion: where it sees a SERVICE keyword the
    parse does not, the two grammars disagree and the query is refused (fail closed). Oxigraph
    ends a comment at ``\r`` as well as at ``\n``, so both readings here see ``\r`` as a line end.

    Syntax errors are left to pyoxigraph (whose parser runs the query and gives the message),
    except that a query mentioning SERVICE which rdflib cannot parse is refused here.
    """
    check_nesting(text)
    result = Analysis()
    folded = scan_text(text)
    if "service" not in folded and "from" not in folded:
        return result
    text = text.replace("\r", "\n")  # what Oxigraph reads as a line end, for both readings below
    iris: list[str] = []
    code = code_text(unescape(text), iris)
    if code is None:  # could not cut it safely: decide with the full parse
        lexer_service = mentions_from = mentions_service = True
    else:
        lexer_service = bool(keyword_positions(code, "service"))  # a keyword with clean edges
        result.has_dataset = bool(_FROM.search(code))
        mentions_from = False
        # "service" anywhere in the code, glued to a name or a number (1SERVICE, trueSERVICE)
        # included, or inside what looked like an IRI (<2)SERVICE#> may be a less-than): parse.
        # Only strings and comments, which both readings cut alike, cannot hide it.
        mentions_service = "service" in scan_text(code) or any("service" in scan_text(iri) for iri in iris)
    if not mentions_service and not mentions_from:
        return result

    try:
        from rdflib.plugins.sparql.algebra import translateQuery
        from rdflib.plugins.sparql.parser import parseQuery

        parsed = parseQuery(text)
        query = translateQuery(parsed)
    except Exception as exc:
        if looks_like_update(text):
            raise Refused(403, "This endpoint is read-only: SPARQL Update is not allowed.") from None
        if mentions_service:
            raise Refused(
                400,
                "The query mentions SERVICE and could not be verified as safe, so it was not run. "
                f"Parser message: {_short(exc)}",
            ) from None
        # Only FROM mentioned: the dataset is decided lexically; pyoxigraph reports syntax errors.
        result.has_dataset = bool(re.search(r"(?i)\bfrom\s+(named\s+)?(<|[\w-]*:)", unescape(text)))
        return result

    result.parsed = True
    body = parsed[1] if len(parsed) > 1 else {}
    result.has_dataset = "datasetClause" in body and bool(body.get("datasetClause"))

    in_tree: list = []
    _walk(list(parsed), in_tree, set())
    in_algebra: list = []
    _walk(query.algebra, in_algebra, set())
    if len(in_algebra) != len(in_tree):  # never silently lose one between parse and algebra
        raise Refused(400, "SERVICE is not allowed on this endpoint (it could not be resolved).")
    if lexer_service and not in_tree:  # the two readings disagree: fail closed
        raise Refused(400, "SERVICE is not allowed on this endpoint (the query could not be read unambiguously).")
    allowed = set(allowlist)
    for node in in_algebra:
        term = node.get("term")
        iri = str(term) if term is not None else ""
        from rdflib.term import URIRef

        if not isinstance(term, URIRef):
            raise Refused(400, "SERVICE with a variable endpoint is not allowed on this endpoint.")
        if iri not in allowed:
            raise Refused(
                400,
                f"SERVICE is not allowed on this endpoint: <{iri}> is not in the operator's "
                "allow-list (PILOTKG_SERVICE_ALLOWLIST).",
            )
        result.services.append(iri)
    return result


def _short(exc: BaseException, limit: int = 300) -> str:
    msg = " ".join(str(exc).split())
    return msg if len(msg) <= limit else msg[:limit] + "…"
