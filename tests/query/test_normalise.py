import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tocsin.query import normalise, normalise_with_offsets

from .strategies import post_texts

WORD = re.compile(r"\w")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Snapchat", "snapchat"),
        ("SNCF en GRÈVE", "sncf en greve"),
        ("Écœurée, ça m'énerve", "ecoeuree, ca m'enerve"),
        ("Æsop ÆON", "aesop aeon"),
        ("Straße", "strasse"),
        ("Łódź Øresund", "lodz oresund"),
        ("ＳＮＡＰＣＨＡＴ １２３", "snapchat 123"),
        ("ﬁnance ﬂop", "finance flop"),
        ("İstanbul", "istanbul"),
        # Look-alikes: Cyrillic а, е, о, р, с, у, х and Greek ο, α
        ("Snаpchat", "snapchat"),
        ("ЅNСF", "sncf"),
        ("рауpаl", "paypal"),
        ("Αpple ΝΕΤ", "apple vet"),  # upper-case Greek folds like its lower case
        ("ορεn", "open"),
        # Zero-width and soft hyphen vanish
        ("snap\u200bchat", "snapchat"),
        ("snap\u200cchat snap\u200dchat", "snapchat snapchat"),
        ("snap\u2060chat\ufeff", "snapchat"),
        ("rembour\u00adsement", "remboursement"),
        # Combining accents written separately
        ("gre\u0300ve", "greve"),
        # Symbols and emoji become spaces, compatibility expansions do not glue
        ("snapchat🤬", "snapchat "),
        ("Snapchat™ rocks", "snapchat tm  rocks"),
        ("l’arnaque", "l arnaque"),
        ("lʼarnaque", "l'arnaque"),
        ("ⓢⓝⓐⓟ", "snap"),
        ("𝐒𝐧𝐚𝐩𝐜𝐡𝐚𝐭", "snapchat"),
        ("«\u00a0arnaque\u00a0»", "  arnaque  "),
        ("한국어 東京", "한국어 東京"),
        ("", ""),
    ],
)
def test_examples(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_every_zero_width_character_is_dropped() -> None:
    for ch in "\u200b\u200c\u200d\u2060\ufeff\u00ad":
        assert normalise(f"a{ch}b") == "ab"


def test_cyrillic_and_greek_look_alikes_map_to_latin() -> None:
    cyrillic = "аеорсухіјѕкмтнв"
    assert normalise(cyrillic) == "aeopcyxijskmthb"
    assert normalise(cyrillic.upper()) == "aeopcyxijskmthb"
    assert normalise("οαειανρτυχ") == "oaeiavptux"
    assert normalise("ΟΑΕΙΚΡΤΧ") == "oaeikptx"


def test_astral_characters_beyond_the_table() -> None:
    assert normalise("漢\U0002f800字") == "漢丽字"  # CJK compatibility ideograph
    assert normalise("flag\U000e0067\U000e0062") == "flag"  # tag characters (Cf)
    assert normalise("a\U000e0100b") == "ab"  # variation selector supplement (Mn)
    assert normalise("a\U000f0000b") == "a b"  # private use


def test_every_character_is_idempotent_and_lands_in_the_output_alphabet() -> None:
    # Exhaustive over planes 0 and 1 (the precomputed table) plus plane 14.
    cps = [*range(0xD800), *range(0xE000, 0x20000), *range(0xE0000, 0xE0200)]
    for cp in cps:
        once = normalise(chr(cp))
        assert normalise(once) == once, hex(cp)
        for ch in once:
            # \w or ASCII: exactly what FTS5 and our tokeniser agree on
            assert ch.isascii() or WORD.match(ch), (hex(cp), once)
            assert not ("A" <= ch <= "Z"), hex(cp)
        cat = unicodedata.category(chr(cp))
        if cat[0] == "M" or cat == "Cf":
            assert once == "", hex(cp)


def test_ascii_fast_path_agrees_with_the_table() -> None:
    # A non-ASCII character forces the table path for the rest of the string.
    ascii_chars = "".join(chr(c) for c in range(128))
    assert normalise("é" + ascii_chars) == "e" + normalise(ascii_chars)
    assert normalise(ascii_chars) == ascii_chars.lower()


@given(st.text())
@settings(deadline=None)
def test_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@given(st.text(), st.text())
@settings(deadline=None)
def test_character_by_character(a: str, b: str) -> None:
    assert normalise(a + b) == normalise(a) + normalise(b)


@given(st.one_of(st.text(), post_texts()))
@settings(deadline=None)
def test_offsets_point_back_at_the_original(text: str) -> None:
    norm, offsets = normalise_with_offsets(text)
    assert norm == normalise(text)
    assert len(offsets) == len(norm)
    assert offsets == sorted(offsets)
    for i, o in enumerate(offsets):
        assert 0 <= o < len(text)
        assert norm[i] in normalise(text[o])


def test_offsets_example() -> None:
    norm, offsets = normalise_with_offsets("Écœurée\u200b!")
    assert norm == "ecoeuree!"
    assert offsets == [0, 1, 2, 2, 3, 4, 5, 6, 8]


def test_links_lose_their_tracking_parameters_not_the_page() -> None:
    from tocsin.query.normalise import normalise_link

    page = normalise_link("https://www.carnet.fr/2026/duo-en-panne/")
    for shared in (
        "https://carnet.fr/2026/duo-en-panne?utm_source=newsletter&utm_medium=email",
        "http://WWW.carnet.fr/2026/duo-en-panne/?fbclid=IwAR0abc#comments",
        "carnet.fr/2026/duo-en-panne?UTM_Campaign=x&igshid=1",
    ):
        assert normalise_link(shared) == page == "carnet.fr/2026/duo-en-panne"
    assert normalise_link("https://youtube.com/watch?v=a1&utm_source=x") == "youtube.com/watch?v=a1"
    assert normalise_link("https://shop.fr/p?id=2") != normalise_link("https://shop.fr/p?id=3")
