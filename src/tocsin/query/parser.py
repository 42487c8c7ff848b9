"""Parse a watch query into an AST; every fault raises ``QueryError`` with its position.

Grammar (precedence NOT > NEAR > AND > OR; operators are upper-case keywords)::

    query    := or_expr
    or_expr  := and_expr ("OR" and_expr)*
    and_expr := near_expr (["AND"] near_expr)*          adjacency is an implicit AND
    near     := unary ("NEAR/n" unary)?                  no chaining: a NEAR/2 b NEAR/3 c
    unary    := ("NOT" | "-")* primary                   "-term" at the start of a word is NOT
    primary  := "(" or_expr ")" | leaf

Leaves, written as they appear in the query (the value is then normalised):

* ``word`` -> ``Term``; lower-case ``and``/``or``/``not``/``near`` are plain words.
  A bare chunk with several words (``l'arnaque``, ``snap-chat``, ``e.leclerc``) is a ``Phrase``.
* ``"exact phrase"`` (also ``“...”`` and ``«...»``): its words, punctuation ignored; a quoted
  single word is a ``Term``.
* ``rembours*`` -> ``Prefix``: one word of at least 2 characters, ``*`` only at the end.
* ``#tag`` -> ``Hashtag``, ``@handle`` (``.`` and ``-`` allowed inside) -> ``Handle``.
* ``lang:fr``, ``platform:bluesky``, ``author:handle`` -> ``Field`` (field names are
  case-insensitive; ``https://...`` is read as words, not as a field). ``sentiment:negative``
  (``neutral``, ``positive``) filters searches only: watches are matched before posts are
  analysed, so ``parse(query, watch=True)`` refuses it.
* ``a NEAR/n b`` with 1 <= n <= 1000; both operands must be words, phrases, prefixes,
  hashtags, handles or parenthesised OR-groups of those.

Limits: 4096 characters, 500 nodes, 32 levels of parentheses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tocsin.domain.mention import SENTIMENT_LABELS
from tocsin.domain.watch import MAX_QUERY_CHARS
from tocsin.errors import QueryError
from tocsin.query.nodes import (
    FIELDS,
    And,
    Field,
    Handle,
    Hashtag,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Prefix,
    Term,
)
from tocsin.query.normalise import normalise

__all__ = ["MAX_DEPTH", "MAX_NEAR", "MAX_NODES", "MAX_QUERY_CHARS", "parse"]

MAX_NODES = 500
MAX_DEPTH = 32
MAX_NEAR = 1000
MIN_PREFIX = 2

_WORDS = re.compile(r"\w+")
_ONE_WORD = re.compile(r"\w+")
_HANDLE = re.compile(r"\w+(?:[.\-]\w+)*")
_FIELD = re.compile(r"([A-Za-z]+):")
_NEAR = re.compile(r"NEAR/(\d{1,6})")
_QUOTES = {'"': '"', "“": "”", "«": "»"}
_CLOSERS = frozenset(_QUOTES.values())
_STOP = frozenset("()") | frozenset(_QUOTES) | _CLOSERS

# Token kinds
_LEAF, _AND, _OR, _NOT, _NEAR_OP, _LPAREN, _RPAREN = range(7)
_OPERAND_START = frozenset((_LEAF, _NOT, _LPAREN))
_KEYWORDS = {"AND": _AND, "OR": _OR, "NOT": _NOT}
_NAMES = {_AND: "AND", _OR: "OR", _NOT: "NOT", _NEAR_OP: "NEAR", _RPAREN: "')'"}


@dataclass(slots=True)
class _Token:
    kind: int
    pos: int
    node: Node | None = None
    distance: int = 0


class _Parser:
    def __init__(self, query: str, *, watch: bool = False) -> None:
        self.query = query
        self.watch = watch
        self.tokens: list[_Token] = []
        self.i = 0
        self.nodes = 0
        self.depth = 0

    # -- errors and limits -------------------------------------------------------------

    def error(self, message: str, pos: int) -> QueryError:
        return QueryError(message, self.query, max(0, min(pos, len(self.query))))

    def count(self, pos: int) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.error(
                f"query is too complex (more than {MAX_NODES} terms and operators)", pos
            )

    # -- lexing ------------------------------------------------------------------------

    def lex(self) -> None:
        q = self.query
        n = len(q)
        i = 0
        while i < n:
            c = q[i]
            if c.isspace():
                i += 1
            elif c == "(":
                self.tokens.append(_Token(_LPAREN, i))
                i += 1
            elif c == ")":
                self.tokens.append(_Token(_RPAREN, i))
                i += 1
            elif c in _QUOTES:
                i = self.lex_phrase(i, _QUOTES[c])
            elif c in _CLOSERS:
                raise self.error(f"unexpected closing quote {c}", i)
            elif c == "-" and i + 1 < n and not q[i + 1].isspace() and q[i + 1] != ")":
                self.tokens.append(_Token(_NOT, i))
                i += 1
            else:
                j = i
                while j < n and not q[j].isspace() and q[j] not in _STOP:
                    j += 1
                self.lex_chunk(q[i:j], i)
                i = j

    def lex_phrase(self, start: int, closer: str) -> int:
        q = self.query
        end = q.find(closer, start + 1)
        if closer != '"':
            plain = q.find('"', start + 1)
            if plain != -1 and (end == -1 or plain < end):
                end = plain
        if end == -1:
            raise self.error("unterminated quote", start)
        words = _WORDS.findall(normalise(q[start + 1 : end]))
        if not words:
            raise self.error("empty phrase", start)
        if end + 1 < len(q) and q[end + 1] == "*":
            raise self.error("'*' cannot follow a phrase", end + 1)
        node: Node = Term(words[0]) if len(words) == 1 else Phrase(tuple(words))
        self.leaf(node, start)
        return end + 1

    def leaf(self, node: Node, pos: int) -> None:
        self.count(pos)
        self.tokens.append(_Token(_LEAF, pos, node))

    def lex_chunk(self, s: str, pos: int) -> None:
        kind = _KEYWORDS.get(s)
        if kind is not None:
            self.tokens.append(_Token(kind, pos))
            return
        if s == "NEAR" or s.startswith("NEAR/"):
            m = _NEAR.fullmatch(s)
            if m is None:
                raise self.error("NEAR needs a distance, like NEAR/3", pos)
            distance = int(m.group(1))
            if not 1 <= distance <= MAX_NEAR:
                raise self.error(f"NEAR distance must be between 1 and {MAX_NEAR}", pos)
            self.tokens.append(_Token(_NEAR_OP, pos, distance=distance))
            return
        if s == "-":
            raise self.error("'-' must be followed by what to exclude", pos)
        star = s.find("*")
        if s[0] in "#@":
            if star != -1:
                raise self.error("'*' only works on plain words", pos + star)
            value = normalise(s[1:])
            if s[0] == "#":
                if _ONE_WORD.fullmatch(value) is None:
                    raise self.error(f"invalid hashtag {s!r}", pos)
                self.leaf(Hashtag(value), pos)
            else:
                if _HANDLE.fullmatch(value) is None:
                    raise self.error(f"invalid handle {s!r}", pos)
                self.leaf(Handle(value), pos)
            return
        m = _FIELD.match(s)
        if m is not None and not s[m.end() :].startswith("//"):
            self.lex_field(m.group(1).lower(), s[m.end() :], pos, pos + m.end())
            return
        if star != -1:
            if star != len(s) - 1:
                raise self.error("'*' is only allowed at the end of a word", pos + star)
            value = normalise(s[:-1])
            if value and _ONE_WORD.fullmatch(value) is None:
                raise self.error("a wildcard applies to a single word of letters or digits", pos)
            if len(value) < MIN_PREFIX:
                raise self.error(
                    f"a wildcard needs at least {MIN_PREFIX} characters before '*'", pos
                )
            self.leaf(Prefix(value), pos)
            return
        words = _WORDS.findall(normalise(s))
        if not words:
            raise self.error(f"nothing to search for in {s!r}", pos)
        self.leaf(Term(words[0]) if len(words) == 1 else Phrase(tuple(words)), pos)

    def lex_field(self, name: str, raw: str, pos: int, value_pos: int) -> None:
        if name not in FIELDS:
            raise self.error(
                f"unknown field {name!r} (use lang:, platform:, author: or sentiment:)", pos
            )
        if not raw:
            raise self.error(f"{name}: needs a value", pos)
        value = normalise(raw)
        if name == "sentiment":
            if self.watch:
                raise self.error(
                    "sentiment: filters searches, not watches (watches are matched before "
                    "analysis; each watch counts its negative, neutral and positive posts)",
                    pos,
                )
            if value not in SENTIMENT_LABELS:
                raise self.error(f"sentiment: is one of {', '.join(SENTIMENT_LABELS)}", value_pos)
        if name == "author":
            value = value.removeprefix("@")
        elif name == "lang":
            value = value.replace("_", "-")
        if _HANDLE.fullmatch(value) is None:
            raise self.error(f"invalid value for {name}:", value_pos)
        self.leaf(Field(name, value), pos)

    # -- parsing -----------------------------------------------------------------------

    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def expect_operand(self, op: _Token) -> None:
        """After an operator: the next token must start an operand."""
        nxt = self.peek()
        if nxt is None or nxt.kind not in _OPERAND_START:
            raise self.error(f"{_NAMES[op.kind]} needs something to its right", op.pos)

    def check_start(self) -> None:
        """At the start of a (sub)query: no operator may come first."""
        tok = self.peek()
        if tok is None:
            raise self.error("empty query", len(self.query))
        if tok.kind == _RPAREN:
            raise self.error("unmatched ')'", tok.pos)
        if tok.kind in (_AND, _OR, _NEAR_OP):
            raise self.error(f"{_NAMES[tok.kind]} needs something to its left", tok.pos)

    def parse(self) -> Node:
        if len(self.query) > MAX_QUERY_CHARS:
            raise self.error(f"query is longer than {MAX_QUERY_CHARS} characters", MAX_QUERY_CHARS)
        self.lex()
        if not self.tokens:
            raise self.error("empty query", 0)
        self.check_start()
        node = self.parse_or()
        tok = self.peek()
        if tok is not None:  # only a stray ')' can stop parse_or early
            raise self.error("unmatched ')'", tok.pos)
        return node

    def parse_or(self) -> Node:
        children = [self.parse_and()]
        while (tok := self.peek()) is not None and tok.kind == _OR:
            self.i += 1
            self.expect_operand(tok)
            children.append(self.parse_and())
        if len(children) == 1:
            return children[0]
        self.count(self.tokens[self.i - 1].pos if self.i else 0)
        return Or(tuple(children))

    def parse_and(self) -> Node:
        children = [self.parse_near()]
        while (tok := self.peek()) is not None:
            if tok.kind == _AND:
                self.i += 1
                self.expect_operand(tok)
            elif tok.kind not in _OPERAND_START:
                break
            children.append(self.parse_near())
        if len(children) == 1:
            return children[0]
        self.count(self.tokens[self.i - 1].pos)
        return And(tuple(children))

    def parse_near(self) -> Node:
        start = self.peek()
        left = self.parse_unary()
        while (tok := self.peek()) is not None and tok.kind == _NEAR_OP:
            if isinstance(left, Near):
                raise self.error("NEAR cannot be chained; combine with AND instead", tok.pos)
            if not _near_operand(left):
                assert start is not None
                raise self.error(_NEAR_OPERANDS, start.pos)
            self.i += 1
            self.expect_operand(tok)
            right_start = self.peek()
            assert right_start is not None
            right = self.parse_unary()
            if not _near_operand(right):
                raise self.error(_NEAR_OPERANDS, right_start.pos)
            self.count(tok.pos)
            left = Near(left, right, tok.distance)
        return left

    def parse_unary(self) -> Node:
        nots: list[_Token] = []
        while (tok := self.peek()) is not None and tok.kind == _NOT:
            self.i += 1
            nots.append(tok)
        if nots:
            self.expect_operand(nots[-1])
        node = self.parse_primary()
        for tok in reversed(nots):
            self.count(tok.pos)
            node = Not(node)
        return node

    def parse_primary(self) -> Node:
        tok = self.peek()
        assert tok is not None and tok.kind in (_LEAF, _LPAREN)  # callers checked
        self.i += 1
        if tok.kind == _LEAF:
            assert tok.node is not None
            return tok.node
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"more than {MAX_DEPTH} nested parentheses", tok.pos)
        nxt = self.peek()
        if nxt is not None and nxt.kind == _RPAREN:
            raise self.error("empty parentheses", tok.pos)
        if nxt is None:
            raise self.error("unclosed '('", tok.pos)
        self.check_start()
        node = self.parse_or()
        close = self.peek()
        if close is None or close.kind != _RPAREN:
            raise self.error("unclosed '('", tok.pos)
        self.i += 1
        self.depth -= 1
        return node


_NEAR_OPERANDS = (
    "NEAR operands must be words, phrases, prefixes, hashtags, handles "
    "or parenthesised OR-groups of those"
)


def _near_operand(node: Node) -> bool:
    if isinstance(node, Term | Phrase | Prefix | Hashtag | Handle):
        return True
    if isinstance(node, Or):
        return all(_near_operand(c) for c in node.children)
    return False


def parse(query: str, *, watch: bool = False) -> Node:
    """Parse ``query`` into an immutable AST; raise ``QueryError`` pointing at the fault.

    ``watch``: the query defines a watch (``sentiment:`` is refused: see the module doc)."""
    return _Parser(query, watch=watch).parse()
