"""The watch query language: what users of Brandwatch or Talkwalker write.

    Snapchat AND (panne OR bug OR "ne marche plus") NOT #pub lang:fr
    rembours* NEAR/5 (sncf OR @sncf OR #sncf)
    "l'arnaque du siècle" OR arnaque* -jeu

Syntax (see ``tocsin.query.parser`` for the grammar): words, ``"exact phrases"``, upper-case
``AND`` / ``OR`` / ``NOT`` and parentheses, implicit ``AND`` between adjacent operands,
precedence ``NOT > NEAR > AND > OR``, ``-word`` for ``NOT word``, prefixes ``rembours*`` (2+
characters), ``#hashtag``, ``@handle``, ``lang:fr``, ``platform:bluesky``, ``author:handle`` and
``a NEAR/n b``. Lower-case ``and``/``or``/``not`` are ordinary words.

Matching is insensitive to case, accents, character width, zero-width characters and common
look-alike letters; queries and texts go through the same ``normalise``
(``tocsin.query.normalise``). Tokenisation and hashtag/handle rules are in
``tocsin.query.document``, the semantics of each operator in ``tocsin.query.match``, the
many-watches index in ``tocsin.query.index`` and the SQLite FTS5 pre-filter in
``tocsin.query.fts``.

Typical use::

    index = WatchIndex(watches)                      # QueryError names a bad watch
    doc = Document.from_mention(mention, norm_text)  # norm_text = normalise(mention.text)
    ids = index.match(doc)                           # sorted watch ids
"""

from tocsin.query.document import Document
from tocsin.query.fts import fts_expression, required_values
from tocsin.query.index import WatchIndex
from tocsin.query.match import Hit, evaluate, explain
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
from tocsin.query.normalise import normalise, normalise_with_offsets
from tocsin.query.parser import parse

__all__ = [
    "And",
    "Document",
    "Field",
    "Handle",
    "Hashtag",
    "Hit",
    "Near",
    "Node",
    "Not",
    "Or",
    "Phrase",
    "Prefix",
    "Term",
    "WatchIndex",
    "evaluate",
    "explain",
    "fts_expression",
    "normalise",
    "normalise_with_offsets",
    "parse",
    "required_values",
]
