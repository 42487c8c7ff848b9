import os
WORK = os.environ.get("FT_WORK", "/tmp/ft")
import pickle, sys, numpy as np
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from tocsin.enrich.heads import HeadsModel, NgramFeatures
from tocsin.enrich.analysis import AnalysisModels
d = pickle.load(open(os.path.join(WORK, "data.pkl"), "rb"))
v = d["tox_val_oe"]; g = v["y"]
import tocsin.enrich.heads as H
from importlib import resources
arr = dict(np.load(str(resources.files("tocsin.models").joinpath("toxicity.npz")), allow_pickle=False))
m = HeadsModel(arr)
feats = NgramFeatures.of(v["texts"], tuple(arr["ng.config"]))
ship = m.logits(v["emb"], feats.dot(m.fast_w))[:, 0]
def f1s(gold, pred):
    return np.mean([2 * ((gold == c) & (pred == c)).sum() / max(1, (gold == c).sum() + (pred == c).sum()) for c in range(2)])
def best(s): return max(f1s(g, (s > t).astype(int)) for t in np.quantile(s, np.linspace(0.05, 0.95, 181)))
z = lambda s: (s - s.mean()) / s.std()
print("shipped best", round(best(ship), 4))
for name in sys.argv[1:]:
    ft = pickle.load(open(os.path.join(WORK, f"{name}.val.pkl"), "rb"))["oe_logits"][:, 0]
    print(name, "ft best", round(best(ft), 4), *[f"w{w}:{best(z(ship) + w * z(ft)):.4f}" for w in (0.5, 1, 1.5, 2)])
# optional: the MiniLM-L6 experiment's validation probabilities (docs/models/toxicity.md)
MINI = os.environ.get("MINILM_VAL_PROBS")
if MINI:
    mini = np.clip(np.load(MINI), 1e-6, 1 - 1e-6)
    mini = np.log(mini / (1 - mini))
    print("minilm best", round(best(mini), 4))
    ft = pickle.load(open(os.path.join(WORK, sys.argv[1] + ".val.pkl"), "rb"))["oe_logits"][:, 0]
    for w in (0.5, 1, 2):
        print("mini+ft", w, round(best(z(mini) + w * z(ft)), 4),
              "mini+ft+ship", round(best(z(mini) + w * z(ft) + z(ship)), 4))
