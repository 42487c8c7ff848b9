from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.factories import mention
from tocsin.domain import Sentiment
from tocsin.enrich.analysis import (
    EMOTIONS,
    Analysis,
    AnalysisEnricher,
    AnalysisModeError,
    AnalysisModels,
    resolve_mode,
)
from tocsin.enrich.base import Enricher
from tocsin.enrich.embedding import Embedder
from tocsin.enrich.heads import HeadsModel, NgramFeatures
from tocsin.errors import TocsinError
from tocsin.models import artifact_path

CARDS = Path(__file__).resolve().parents[2] / "docs" / "models"

INSULTS = [
    ("en", "shut up you stupid idiot, nobody cares about your garbage opinion"),
    ("en", "you are a fucking moron"),
    ("fr", "Ferme ta gueule espèce de connard"),
    ("fr", "t'es vraiment un gros débile, va te faire foutre"),
]
CALM = [
    ("en", "The store opens at 9am tomorrow."),
    ("en", "Thanks for the quick delivery, great service"),
    ("fr", "Nouvelle collection disponible en magasin le 3 mars."),
    ("fr", "Merci pour la livraison rapide, super service"),
]
COMPLAINTS = [
    ("en", "@shop my order still hasn't arrived after 3 weeks and nobody answers my emails"),
    ("en", "You charged me twice, I want a refund now. Can someone help?"),
    ("fr", "@boutique toujours pas reçu ma commande, 3 semaines, et personne ne répond"),
    ("fr", "Vous m'avez débité deux fois, je veux être remboursée. Quelqu'un peut m'aider ?"),
]
EMOTIONAL = {
    "anger": [
        ("en", "I am so furious right now, this is outrageous and I'm livid"),
        ("fr", "Je suis furieux, c'est scandaleux, ça me met hors de moi"),
    ],
    "fear": [
        ("en", "I'm terrified, the fire is spreading toward our town and we may have to flee"),
        ("fr", "J'ai très peur, le feu se rapproche et on va peut-être devoir évacuer"),
    ],
    "sadness": [
        ("en", "My grandmother passed away this morning, I can't stop crying"),
        ("fr", "Ma grand-mère est décédée ce matin, je n'arrête pas de pleurer"),
    ],
    "joy": [
        ("en", "Best day ever!! I got the job, I'm so happy 😍🎉"),
        ("fr", "Trop heureuse, j'ai eu le poste, meilleure journée de ma vie 🎉"),
    ],
}


def run(enricher: AnalysisEnricher, rows: list[tuple[str, str]]) -> list[Analysis]:
    results = enricher.analyse_texts([t for _, t in rows], [lang for lang, _ in rows])
    done = [r for r in results if r is not None]
    assert len(done) == len(rows)
    return done


def test_artifacts_load_with_named_outputs(models: AnalysisModels) -> None:
    assert models.toxicity.labels == ("toxicity",)
    assert models.emotions.labels == EMOTIONS == ("anger", "fear", "sadness", "joy")
    assert models.complaint.labels == ("complaint",)
    for head in (models.toxicity, models.emotions, models.complaint):
        assert head.meta["validation"] and head.meta["trained_on"]
    # every artifact, sentiment included, within the 60 MB budget
    folder = artifact_path("sentiment.npz").parent
    assert sum(p.stat().st_size for p in folder.glob("*.npz")) <= 60_000_000


@pytest.mark.parametrize("mode", ["full", "fast"])
def test_scores_are_probabilities(
    mode: str, analysis: AnalysisEnricher, fast_analysis: AnalysisEnricher
) -> None:
    enricher = analysis if mode == "full" else fast_analysis
    rows = INSULTS + CALM + COMPLAINTS + [("en", ""), ("fr", "\x00\ud800 ok")]
    for r in run(enricher, rows):
        assert 0.0 <= r.toxicity <= 1.0 and 0.0 <= r.complaint <= 1.0
        assert [name for name, _ in r.emotions] == list(EMOTIONS)
        assert all(0.0 <= s <= 1.0 for _, s in r.emotions)
        assert isinstance(r.sentiment, Sentiment)
    assert enricher.analyse_texts([]) == []


def test_insults_score_above_calm_posts(analysis: AnalysisEnricher) -> None:
    insults = [r.toxicity for r in run(analysis, INSULTS)]
    calm = [r.toxicity for r in run(analysis, CALM)]
    assert min(insults) > max(calm)
    assert min(insults) >= 0.5 and max(calm) < 0.5


def test_insults_rank_above_calm_posts_in_fast_mode(fast_analysis: AnalysisEnricher) -> None:
    insults = [r.toxicity for r in run(fast_analysis, INSULTS)]
    calm = [r.toxicity for r in run(fast_analysis, CALM)]
    assert np.mean(insults) > np.mean(calm) + 0.2


def test_complaints_score_above_other_posts(analysis: AnalysisEnricher) -> None:
    complaints = [r.complaint for r in run(analysis, COMPLAINTS)]
    others = [r.complaint for r in run(analysis, CALM + EMOTIONAL["joy"])]
    assert min(complaints) > max(others)


@pytest.mark.parametrize("emotion", EMOTIONS)
def test_each_emotion_is_highest_on_its_own_posts(emotion: str, analysis: AnalysisEnricher) -> None:
    own = [dict(r.emotions)[emotion] for r in run(analysis, EMOTIONAL[emotion])]
    others = [
        dict(r.emotions)[emotion]
        for other, rows in EMOTIONAL.items()
        if other != emotion
        for r in run(analysis, rows)
    ]
    calm = [dict(r.emotions)[emotion] for r in run(analysis, CALM[:1] + CALM[2:3])]
    assert min(own) > max(calm)
    assert np.mean(own) > np.mean(others)


def test_the_enricher_fills_mentions(analysis: AnalysisEnricher) -> None:
    assert isinstance(analysis, Enricher)
    assert analysis.name == "analysis" and analysis.before_match is False
    batch = [
        mention(1, text=INSULTS[2][1], language="fr"),
        mention(2, text=CALM[1][1], language="en"),
    ]
    out = analysis(batch)
    assert [m.key for m in out] == [m.key for m in batch]
    for m in out:
        assert m.sentiment is not None and m.toxicity is not None and m.complaint is not None
        assert [name for name, _ in m.emotions] == list(EMOTIONS)
    assert (out[0].toxicity or 0.0) > (out[1].toxicity or 1.0)
    assert out[1].sentiment is not None and out[1].sentiment.label == "positive"
    hash(out[0])  # mentions stay hashable
    # the same embedding serves every head: one encoder call for the batch
    assert all(m.text == b.text for m, b in zip(out, batch, strict=True))


def test_one_embedding_per_batch(models: AnalysisModels, embedder: Embedder) -> None:
    calls: list[int] = []

    class Counting(Embedder):
        def encode_prepared(self, texts: Sequence[str]) -> np.ndarray:
            calls.append(len(texts))
            return super().encode_prepared(texts)

    counting = Counting(threads=1, cache_size=0)
    counting._use = embedder._model()  # the session's loaded encoder
    enricher = AnalysisEnricher("full", models=models, embedder=counting)
    enricher([mention(i, text=t) for i, (_, t) in enumerate(INSULTS + CALM)])
    assert calls == [len(INSULTS + CALM)]


def test_off_mode_leaves_mentions_unanalysed(models: AnalysisModels) -> None:
    class NoEncoder(Embedder):
        def encode_prepared(self, texts: object) -> np.ndarray:
            raise AssertionError("off mode must not embed")

    off = AnalysisEnricher("off", models=models, embedder=NoEncoder())
    batch = [mention(1, text=INSULTS[0][1])]
    assert off(batch) == batch
    assert off(batch)[0].toxicity is None and off(batch)[0].emotions == ()
    assert off.analyse_texts(["x", "y"]) == [None, None]


def test_fast_mode_fills_mentions_without_the_encoder(models: AnalysisModels) -> None:
    class NoEncoder(Embedder):
        def encode_prepared(self, texts: object) -> np.ndarray:
            raise AssertionError("fast mode must not embed")

    fast = AnalysisEnricher("fast", models=models, embedder=NoEncoder())
    [m] = fast([mention(1, text=INSULTS[0][1], language="en")])
    assert m.sentiment is not None and m.toxicity is not None and len(m.emotions) == 4


def test_fast_mode_gives_pages_the_full_analysis(
    models: AnalysisModels, embedder: Embedder
) -> None:
    embedded: list[str] = []

    class Counting(Embedder):
        def encode_prepared(self, texts: Sequence[str]) -> np.ndarray:
            embedded.extend(texts)
            return super().encode_prepared(texts)

    counting = Counting(threads=1, cache_size=0)
    counting._use = embedder._model()
    blog = COMPLAINTS[1][1] + " " + INSULTS[1][1]
    page = mention(1, text=blog, language="en", title="My story", url="https://blog.example/a")
    plain = mention(2, text=blog, language="en")
    passed_on = mention(
        3, text=blog, language="en", title="My story", url="https://x/3", repost_of="x:1"
    )
    fast = AnalysisEnricher("fast", models=models, embedder=counting)
    out = fast([plain, page, passed_on])
    assert len(embedded) == 1  # only the page was embedded
    [full_page] = AnalysisEnricher("full", models=models, embedder=embedder)([page])
    [fast_plain] = AnalysisEnricher("fast", models=models, embedder=counting)([plain])
    assert out[1].toxicity == full_page.toxicity and out[1].sentiment == full_page.sentiment
    assert out[0].toxicity == fast_plain.toxicity != full_page.toxicity
    assert out[2].toxicity == fast_plain.toxicity  # a repost is not a page
    assert len(embedded) == 1


def test_mode_from_argument_or_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOCSIN_ANALYSIS", raising=False)
    assert AnalysisEnricher().mode == "full"
    monkeypatch.setenv("TOCSIN_ANALYSIS", "Fast")
    assert AnalysisEnricher().mode == "fast"
    assert AnalysisEnricher("off").mode == "off"
    monkeypatch.setenv("TOCSIN_ANALYSIS", "")
    assert resolve_mode(None) == "full"


def test_bad_mode_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(AnalysisModeError) as bad:
        AnalysisEnricher("quick")
    assert isinstance(bad.value, TocsinError)
    assert "\n" not in str(bad.value) and "full, fast, off" in str(bad.value)
    monkeypatch.setenv("TOCSIN_ANALYSIS", "turbo")
    with pytest.raises(AnalysisModeError, match=r"\$TOCSIN_ANALYSIS.*'turbo'"):
        AnalysisEnricher()


def test_shared_ngrams_give_the_same_scores_as_each_model_alone(
    models: AnalysisModels, embedder: Embedder
) -> None:
    texts = [t for _, t in INSULTS + COMPLAINTS]
    emb = embedder.encode(texts)
    together = models.analyse(texts, emb)
    alone = HeadsModel.load("toxicity.npz").score_texts(texts, emb)[:, 0]
    assert np.allclose([r.toxicity for r in together], alone, atol=1e-4)
    fast_alone = models.emotions.scores(None, NgramFeatures.of(texts, models.ng_config))
    fast_together = models.analyse(texts, None)
    assert np.allclose([[s for _, s in r.emotions] for r in fast_together], fast_alone, atol=1e-4)


@pytest.mark.parametrize("name", ["toxicity", "emotions", "complaint"])
def test_model_cards_quote_the_artifacts_figures(name: str) -> None:
    with np.load(artifact_path(f"{name}.npz")) as z:
        meta = json.loads(str(z["meta"]))
    card = (CARDS / f"{name}.md").read_text(encoding="utf-8")
    for figure in card_figures(name, meta):
        assert f"{figure:.3f}" in card, (name, figure)


def card_figures(name: str, meta: dict[str, Any]) -> list[float]:
    v = meta["validation"]
    if name == "toxicity":
        return [
            v["tweeteval_offensive_en"]["full"]["at_hide_threshold"]["macro_f1"],
            v["mlma_fr"]["full"]["at_hide_threshold"]["roc_auc"],
            v["ftr_fr"]["full"]["at_hide_threshold"]["roc_auc"],
        ]
    if name == "emotions":
        te = v["tweeteval_emotion_en"]["full"]
        return [te[e]["roc_auc"] for e in ("anger", "sadness", "joy")] + [
            v["emodift_fr_val"]["full"]["fear"]["roc_auc"]
        ]
    return [v["complaints_en_val"]["full"]["at_0.5"]["roc_auc"]]


def test_registered_as_a_plugin_and_cheap_to_build(monkeypatch: pytest.MonkeyPatch) -> None:
    from tocsin.plugins import enrichers

    monkeypatch.setenv("TOCSIN_ANALYSIS", "full")
    cls = enrichers()["analysis"]
    assert cls is AnalysisEnricher
    built = cls()  # as plugins are built, worker processes included
    assert built.mode == "full" and built._models is None and built._embedder is None


def test_thresholds_come_with_the_models(
    models: AnalysisModels, analysis: AnalysisEnricher
) -> None:
    for fast in (False, True):
        t = models.thresholds(fast)
        assert set(t) == {"toxicity", "complaint"} and all(0 < v < 1 for v in t.values())
    hide = models.thresholds()["toxicity"]
    insults = [r.toxicity for r in run(analysis, INSULTS)]
    calm = [r.toxicity for r in run(analysis, CALM)]
    assert min(insults) >= hide > max(calm)
