from __future__ import annotations

from tests.factories import mention
from tocsin.enrich.language import LanguageEnricher


def test_fills_missing_language_and_keeps_platform_tags() -> None:
    enricher = LanguageEnricher()
    batch = [
        mention(
            1, text="Je voudrais être remboursée, la commande n'est jamais arrivée", language=None
        ),
        mention(2, text="My order never arrived and nobody answers my emails", language=None),
        mention(3, text="Ceci est en français mais la plateforme dit anglais", language="en"),
        mention(4, text="https://t.co/x @cafelia #cafelia", language=None),
    ]
    out = enricher(batch)
    assert [m.language for m in out] == ["fr", "en", "en", None]


def test_hashtags_and_links_do_not_decide_the_language() -> None:
    enricher = LanguageEnricher()
    text = "#TheBestCoffeeEver #LoveIt https://example.com/great-coffee service très lent ce matin"
    assert enricher.identify(text) == "fr"
