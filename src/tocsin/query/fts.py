"""A SQLite FTS5 pre-filter for a query: necessary, never sufficient.

``fts_expression(node)`` returns a MATCH expression for an FTS5 column holding
``normalise(text)`` (``Document.norm_text``) under ``tokenize='unicode61 remove_diacritics 2'``,
or ``None`` when it can offer no filter. Every row whose post matches the query also
matches the expression; rows it returns still need ``evaluate``.

* ``Term`` -> ``"word"``; ``Phrase`` -> ``"w1 w2"``; ``Prefix`` -> ``"stem"*``. Every string is
  quoted, and FTS5 splits it like the indexed text (``"snap_chat"`` is the phrase snap chat).
* ``And`` -> the ``AND`` of the children that give a filter; ``Or`` -> ``OR`` of its children,
  or ``None`` if one child gives none; ``Near`` -> both sides, ``AND`` (positions are counted in
  different tokens); ``Not`` and fields -> dropped.
* ``#tag`` / ``@handle`` -> no filter by default, because they also match the mention's
  ``hashtags`` / ``mentions`` fields, which ``norm_text`` does not contain. If the column holds
  ``Document.fts_text`` (the normalised text plus those fields), pass ``tags_indexed=True``
  and they become the phrases of their words (``#tag`` -> ``"tag"``, ``@a.b`` -> ``"a.b"``).

Why this is sound: ``normalise`` turns every character that FTS5 could count as part of a
token but Python's ``\\w`` does not (emoji, symbols, private-use characters, marks) into a
space or nothing, so each of our words is a run of whole FTS5 tokens. The only word
characters FTS5 treats as separators are ``_`` and a few letters that changed category after
Unicode 6.1; a word made only of those gives no filter.
"""

from __future__ import annotations

from tocsin.query.nodes import (
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

__all__ = ["FTS_SEPARATOR_WORD_CHARS", "fts_expression", "required_values"]

#: Word characters (``\w``) that FTS5 unicode61 treats as separators: ``_``, and marks that
#: became letters after Unicode 6.1 (New Tai Lue vowel signs and tone marks, Vedic
#: ardhavisarga). Checked exhaustively against SQLite by tests/query/test_fts.py.
FTS_SEPARATOR_WORD_CHARS = frozenset(
    "_" + "".join(chr(c) for c in (*range(0x19B0, 0x19CA), 0x1CF2, 0x1CF3))
)


def _has_token(value: str) -> bool:
    return any(ch not in FTS_SEPARATOR_WORD_CHARS and ch not in " .-" for ch in value)


def _string(value: str) -> str | None:
    """A quoted FTS5 string, or None if FTS5 would find no token in it."""
    if not _has_token(value):
        return None
    return '"' + value.replace('"', '""') + '"'


def fts_expression(node: Node, *, tags_indexed: bool = False) -> str | None:
    """A necessary FTS5 MATCH condition for ``node``, or ``None`` for no useful filter."""
    if isinstance(node, Term):
        return _string(node.value)
    if isinstance(node, Phrase):
        return _string(" ".join(node.words))
    if isinstance(node, Prefix):
        s = _string(node.value)
        return None if s is None else s + "*"
    if isinstance(node, Hashtag | Handle):
        return _string(node.value) if tags_indexed else None
    if isinstance(node, Field | Not):
        return None
    if isinstance(node, And | Near):
        kids = node.children if isinstance(node, And) else (node.left, node.right)
        parts = [p for c in kids if (p := fts_expression(c, tags_indexed=tags_indexed))]
        parts = list(dict.fromkeys(parts))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"
    if isinstance(node, Or):
        alts: list[str] = []
        for c in node.children:
            p = fts_expression(c, tags_indexed=tags_indexed)
            if p is None:
                return None
            alts.append(p)
        alts = list(dict.fromkeys(alts))
        return alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")"
    raise TypeError(f"not a query node: {node!r}")


def required_values(node: Node, name: str) -> frozenset[str] | None:
    """The values field ``name`` must take for ``node`` to match (``sentiment:negative`` ->
    ``{"negative"}``), or ``None`` when the query does not restrict it. Like the FTS
    expression, a necessary condition: a column filter that never drops a matching row."""
    if isinstance(node, Field):
        return frozenset((node.value,)) if node.name == name else None
    if isinstance(node, And):
        found: frozenset[str] | None = None
        for child in node.children:
            values = required_values(child, name)
            if values is not None:
                found = values if found is None else found & values
        return found
    if isinstance(node, Or):
        union: set[str] = set()
        for child in node.children:
            values = required_values(child, name)
            if values is None:
                return None
            union |= values
        return frozenset(union)
    return None  # Not, Near (words only) and word leaves say nothing about fields
