"""The watch-query AST: immutable, hashable, and printable back to a query.

Leaf values are stored normalised (see ``tocsin.query.normalise``): ``Term("remboursement")``,
``Phrase(("l", "arnaque"))``, ``Hashtag("greve")`` (without ``#``), ``Handle("brand.bsky.social")``
(without ``@``), ``Field("lang", "fr-ca")``. ``str(node)`` renders a canonical query string that
``parse`` turns back into an equal node: explicit ``AND``/``OR``, parentheses wherever the
structure needs them (``And`` inside ``And`` keeps its parentheses, so the round trip is exact).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "FIELDS",
    "And",
    "Field",
    "Handle",
    "Hashtag",
    "Near",
    "Node",
    "Not",
    "Or",
    "Phrase",
    "Prefix",
    "Term",
    "named_handles",
]

#: Field names a query may use: ``lang:fr``, ``platform:bluesky``, ``author:handle``,
#: ``sentiment:negative`` (searches only).
FIELDS = ("author", "lang", "platform", "sentiment")


class Node:
    """Base class of every query node."""

    __slots__ = ()

    def __str__(self) -> str:
        return render(self)


@dataclass(frozen=True, slots=True)
class Term(Node):
    """One word (a run of word characters)."""

    value: str

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Phrase(Node):
    """Two or more words, adjacent and in order."""

    words: tuple[str, ...]

    def __str__(self) -> str:
        return '"' + " ".join(self.words) + '"'


@dataclass(frozen=True, slots=True)
class Prefix(Node):
    """A word starting with ``value`` (``rembours*``), at least 2 characters."""

    value: str

    def __str__(self) -> str:
        return self.value + "*"


@dataclass(frozen=True, slots=True)
class Hashtag(Node):
    value: str

    def __str__(self) -> str:
        return "#" + self.value


@dataclass(frozen=True, slots=True)
class Handle(Node):
    value: str

    def __str__(self) -> str:
        return "@" + self.value


@dataclass(frozen=True, slots=True)
class Field(Node):
    """``lang:fr`` (language, by subtag prefix), ``platform:x``, ``author:handle``."""

    name: str
    value: str

    def __str__(self) -> str:
        return f"{self.name}:{self.value}"


@dataclass(frozen=True, slots=True)
class And(Node):
    children: tuple[Node, ...]

    def __str__(self) -> str:
        return render(self)


@dataclass(frozen=True, slots=True)
class Or(Node):
    children: tuple[Node, ...]

    def __str__(self) -> str:
        return render(self)


@dataclass(frozen=True, slots=True)
class Not(Node):
    child: Node

    def __str__(self) -> str:
        return render(self)


@dataclass(frozen=True, slots=True)
class Near(Node):
    """``left NEAR/distance right``: occurrences at most ``distance`` words apart."""

    left: Node
    right: Node
    distance: int

    def __str__(self) -> str:
        return render(self)


LEAVES = (Term, Phrase, Prefix, Hashtag, Handle, Field)


def _wrap(node: Node, parens: bool) -> str:
    s = render(node)
    return f"({s})" if parens else s


def named_handles(node: Node) -> frozenset[str]:
    """The ``@handles`` a query names (normalised, without ``@``), except under ``NOT``: in a
    watch, the brand's own accounts."""
    if isinstance(node, Handle):
        return frozenset((node.value,))
    if isinstance(node, And | Or):
        return frozenset().union(*(named_handles(c) for c in node.children))
    if isinstance(node, Near):
        return named_handles(node.left) | named_handles(node.right)
    return frozenset()  # Not, words, fields


def render(node: Node) -> str:
    """Canonical query text for ``node`` (also what ``str(node)`` returns)."""
    if isinstance(node, And):
        return " AND ".join(_wrap(c, isinstance(c, And | Or)) for c in node.children)
    if isinstance(node, Or):
        return " OR ".join(_wrap(c, isinstance(c, Or)) for c in node.children)
    if isinstance(node, Not):
        return "NOT " + _wrap(node.child, isinstance(node.child, And | Or | Near))
    if isinstance(node, Near):
        left = _wrap(node.left, isinstance(node.left, Or))
        right = _wrap(node.right, isinstance(node.right, Or))
        return f"{left} NEAR/{node.distance} {right}"
    if isinstance(node, LEAVES):
        return str(node)
    raise TypeError(f"not a query node: {node!r}")
