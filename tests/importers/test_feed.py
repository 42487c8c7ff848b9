"""RSS 2.0, RSS 1.0 and Atom feeds, and hostile XML."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.importers.helpers import check_invariants, read_all, sample
from tocsin.domain import Author, Metrics
from tocsin.errors import ImportFormatError
from tocsin.importers import feed as feed_module
from tocsin.importers.feed import FeedImporter

JARVIS = Author("web", "buzzmachine.com/Jeff Jarvis", "buzzmachine.com", "Jeff Jarvis")


def test_buzzmachine_rss() -> None:
    path = sample("buzzmachine_rss.xml")
    mentions, dead = read_all(FeedImporter(), path)
    check_invariants(mentions, dead, "feed")
    dell = mentions[0]
    assert dell.platform == "web"
    assert dell.native_id == "https://buzzmachine.com/?p=1021"
    assert dell.url == "https://buzzmachine.com/2005/06/21/dell-lies-dell-sucks/"
    assert dell.title == "Dell lies. Dell sucks."
    assert dell.text == (
        "Dell lies. Dell sucks.\n\n"
        "I just got a new Dell laptop and paid for the four-year, in-home service.\n\n"
        "The machine is a lemon & the service is a lie. They say they’ll send someone to fix "
        "it\xa0— then they tell me to ship it back.\nDell lies. Dell sucks. #DellHell\n\n"
        "See the follow-up."
    )  # content:encoded preferred over description; the script is dropped
    assert dell.author == JARVIS
    assert dell.created_at == datetime(2005, 6, 21, 17, 15, tzinfo=UTC)
    assert dell.language == "en"
    assert dell.hashtags == ("DellHell",)  # from the text; categories are not hashtags
    assert dell.links == (
        "http://www.dell.com/",
        "https://buzzmachine.com/2005/06/26/dell-hell-the-end/",  # relative link resolved
    )
    assert dell.metrics == Metrics(replies=253)  # slash:comments
    assert dell.raw.startswith(b"<item>") and dell.raw.endswith(b"</item>")
    assert path.read_bytes().count(dell.raw) == 1  # the item's exact bytes

    second = mentions[1]
    assert second.native_id == "buzzmachine.com/dell-hell-2"  # a relative guid is qualified
    assert second.title == "Dell Hell: Une réponse, enfin ? épisode 2"
    assert second.text.endswith("Still no fix. Readers & commenters are piling on: @dellcares?")
    assert second.mentions == ("dellcares",)

    third = mentions[2]
    assert third.native_id == "https://buzzmachine.com/2006/07/10/dells-blog/"  # no guid: link
    assert third.author == JARVIS  # "jeff@… (Jeff Jarvis)"
    assert third.created_at == datetime(2006, 7, 10, 14, 45, tzinfo=UTC)
    assert third.title == "Dell’s blog, at last"

    assert [(d.position, d.reason) for d in dead] == [
        ("item 3", "the item has no pubDate (nor dc:date)"),
        ("item 4", "pubDate: not an RFC 822 date: 'the 30th of June'"),
    ]
    assert dead[0].raw.startswith(b"<item>") and b"Undated" in dead[0].raw


def test_atom() -> None:
    mentions, dead = read_all(FeedImporter(), sample("atom_feed.xml"))
    check_invariants(mentions, dead, "feed")
    enquete, maj = mentions
    assert enquete.native_id == "tag:blog-conso.example.fr,2024:/cafelia-enquete"
    assert enquete.title == "Cafélia : l’enquête"  # type="html" title decoded
    assert enquete.text == (
        "Cafélia : l’enquête\n\n"
        "Nous avons recueilli 40 témoignages de clients Cafélia non remboursés.\n\n"
        "La marque promet «\xa048\xa0h\xa0». Voir vos droits #Cafélia"
    )
    assert enquete.author == Author(
        "web", "blog-conso.example.fr/Camille Dupont", "blog-conso.example.fr", "Camille Dupont"
    )
    assert enquete.created_at == datetime(2024, 3, 4, 17, 0, tzinfo=UTC)
    assert enquete.edited_at == datetime(2024, 3, 5, 8, 30, tzinfo=UTC)  # updated > published
    assert enquete.language == "fr"  # xml:lang of the feed
    assert enquete.links == ("https://blog-conso.example.fr/2024/02/droits-remboursement",)
    assert enquete.hashtags == ("Cafélia",)

    assert maj.text == "Mise à jour\n\nCafélia a répondu 🎉\n\nSuite ici."  # xhtml content
    assert maj.links == ("https://cafelia.fr/communique",)
    assert maj.author.display_name == "Rédaction"  # the feed's author
    assert maj.created_at == datetime(2024, 3, 5, 10, 0, tzinfo=UTC) and maj.edited_at is None

    assert [(d.position, d.reason) for d in dead] == [
        ("item 3", "the entry has no published (nor updated) date"),
    ]


def test_rss1_rdf_and_latin1() -> None:
    rdf = """<?xml version="1.0" encoding="ISO-8859-1"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://presse.example.fr/">
    <title>Presse</title><link>https://presse.example.fr/</link><dc:language>fr</dc:language>
  </channel>
  <item rdf:about="https://presse.example.fr/a1">
    <title>Caf\xe9lia condamn\xe9e</title>
    <link>https://presse.example.fr/a1</link>
    <description>Le tribunal a tranch\xe9.</description>
    <dc:date>2024-03-06T07:00:00+01:00</dc:date>
    <dc:creator>AFP</dc:creator>
  </item>
</rdf:RDF>""".encode("latin-1")
    [m], [] = read_all(FeedImporter(), rdf)
    assert m.native_id == "https://presse.example.fr/a1"
    assert m.text == "Cafélia condamnée\n\nLe tribunal a tranché."
    assert m.created_at == datetime(2024, 3, 6, 6, 0, tzinfo=UTC)
    assert m.author == Author("web", "presse.example.fr/AFP", "presse.example.fr", "AFP")
    assert m.language == "fr"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>x</title><item><title>&lol9;</title>
<pubDate>Tue, 21 Jun 2005 13:15:00 -0400</pubDate></item></channel></rss>"""


def test_billion_laughs_is_refused_quickly() -> None:
    started = time.perf_counter()
    with pytest.raises(ImportFormatError, match=r"unsafe XML refused.*entities"):
        read_all(FeedImporter(), BILLION_LAUGHS)
    assert time.perf_counter() - started < 1


def test_external_entities_are_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    xxe = f"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>
<rss version="2.0"><channel><title>x</title><item><title>&xxe;</title><link>https://a.b/c</link>
<pubDate>Tue, 21 Jun 2005 13:15:00 -0400</pubDate></item></channel></rss>""".encode()
    with pytest.raises(ImportFormatError, match="unsafe XML refused"):
        read_all(FeedImporter(), xxe)
    # A parameter entity reaching for an external DTD is refused too.
    param = b"""<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY % ext SYSTEM "http://127.0.0.1/x.dtd">
%ext;]><rss version="2.0"><channel/></rss>"""
    with pytest.raises(ImportFormatError, match="unsafe XML refused"):
        read_all(FeedImporter(), param)


def test_a_plain_doctype_without_entities_is_fine() -> None:
    old = b"""<?xml version="1.0"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
 "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel><title>Old</title><link>https://old.example/</link>
<item><title>Hello</title><link>https://old.example/1</link>
<pubDate>Tue, 21 Jun 2005 13:15:00 GMT</pubDate></item></channel></rss>"""
    [m], [] = read_all(FeedImporter(), old)
    assert m.text == "Hello"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<rss><channel><item><title>unclosed</channel></rss>", "not well-formed XML"),
        (b"<rss>\x00</rss>", "not well-formed XML"),
        (
            b"<?xml version='1.0' encoding='utf-8'?><rss><title>\xff\xfe</title></rss>",
            "not well-formed XML",
        ),
        (b"", "not well-formed XML"),
        (b"<html><body>not a feed</body></html>", "is not an RSS or Atom feed"),
        (b"<rss version='2.0'></rss>", "is not an RSS or Atom feed"),
        (b"<rss>" + b"<a>" * 1000 + b"</a>" * 1000 + b"</rss>", "nested deeper"),
    ],
)
def test_invalid_xml(data: bytes, message: str) -> None:
    with pytest.raises(ImportFormatError, match=message):
        read_all(FeedImporter(), data)


def test_size_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feed_module, "MAX_FEED_BYTES", 1000)
    with pytest.raises(ImportFormatError, match="feed is larger than 1000 bytes"):
        read_all(FeedImporter(), sample("buzzmachine_rss.xml"))
