import os
WORK = os.environ.get("FT_WORK", "/tmp/ft")
import argparse, pickle, time, json, sys, numpy as np, torch, torch.nn as nn, torch.nn.functional as F
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import USE, batch
ap = argparse.ArgumentParser()
ap.add_argument("--task", default="tox"); ap.add_argument("--epochs", type=int, default=3)
ap.add_argument("--lr", type=float, default=2e-4); ap.add_argument("--head_lr", type=float, default=2e-3)
ap.add_argument("--bs", type=int, default=32); ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--drop", type=float, default=0.1); ap.add_argument("--wd", type=float, default=0.01)
ap.add_argument("--freeze", default=""); ap.add_argument("--save", default="")
ap.add_argument("--langs", default="fr,en,de,it,es,pt,ar,hi")
a = ap.parse_args()
torch.manual_seed(a.seed); np.random.seed(a.seed); torch.set_num_threads(2)
d = pickle.load(open(os.path.join(WORK, "data.pkl"), "rb"))
if a.task == "tox":
    tr = d["tox_train"]; ids, y = tr["ids"], tr["y"]; K = 1
    vals = {k[8:]: d[k] for k in d if k.startswith("tox_val_")}
elif a.task == "sent":
    ids, y = [], []
    for c in a.langs.split(","):
        ids += d["sent_train_" + c]["ids"]; y.append(d["sent_train_" + c]["y"])
    y = np.concatenate(y); K = 3
    vals = {c: d["sent_val_" + c] for c in ("fr", "en")}
if a.task == "both":
    tr = d["tox_train"]; ids = list(tr["ids"]); y = list(tr["y"]); task = [0] * len(ids)
    for c in a.langs.split(","):
        s_ = d["sent_train_" + c]; ids += s_["ids"]; y += list(s_["y"]); task += [1] * len(s_["ids"])
    y = np.array(y); task = np.array(task); K = 4
    vals = {k[8:]: d[k] for k in d if k.startswith("tox_val_")}
    vals.update({c: d["sent_val_" + c] for c in ("fr", "en")})
else:
    task = np.zeros(len(ids), int) if a.task == "tox" else np.ones(len(ids), int)
enc = USE()
head = nn.Linear(512, K)
nn.init.zeros_(head.weight); nn.init.zeros_(head.bias)
scale = nn.Parameter(torch.tensor(10.0))
body = [p for n, p in enc.named_parameters() if not any(n.startswith(f) for f in a.freeze.split(",") if f)]
opt = torch.optim.AdamW([{"params": body, "lr": a.lr, "weight_decay": a.wd},
                         {"params": list(head.parameters()) + [scale], "lr": a.head_lr, "weight_decay": 0}])
n = len(ids); steps = a.epochs * ((n + a.bs - 1) // a.bs)
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1, s / (0.06 * steps)) * max(0, 1 - s / steps) / 1 if s < steps else 0)
lens = np.array([len(s) for s in ids])

def f1s(gold, pred, k):
    return np.mean([2 * ((gold == c) & (pred == c)).sum() / max(1, (gold == c).sum() + (pred == c).sum()) for c in range(k)])
def auc(g, s):
    from scipy.stats import rankdata
    r = rankdata(s); p = g.sum(); q = len(g) - p
    return (r[g == 1].sum() - p * (p + 1) / 2) / (p * q)
def predict(v):
    enc.eval(); out = []
    with torch.no_grad():
        for i in range(0, len(v["ids"]), 128):
            b = batch(v["ids"][i:i + 128]); out.append(head(enc(*b) * scale).numpy())
    enc.train(); return np.concatenate(out)
def evaluate():
    r = {}
    for k, v in vals.items():
        lo = predict(v)
        if K == 1 or (K == 4 and k not in ("fr", "en")):
            s = lo[:, 0]; g = v["y"]
            best = max(f1s(g, (s > t).astype(int), 2) for t in np.quantile(s, np.linspace(0.05, 0.95, 91)))
            r[k] = dict(f1=round(f1s(g, (s > 0).astype(int), 2), 4), best=round(best, 4), auc=round(auc(g, s), 4))
        else:
            r[k] = dict(f1=round(f1s(v["y"], lo[:, -3:].argmax(1), 3), 4))
        r[k + "_logits"] = lo
    return r
t0 = time.time(); step = 0
for ep in range(a.epochs):
    # length-bucketed shuffled batches
    order = np.random.permutation(n)
    chunks = [order[i:i + a.bs * 50] for i in range(0, n, a.bs * 50)]
    batches = []
    for c in chunks:
        c = c[np.argsort(lens[c], kind="stable")]
        batches += [c[i:i + a.bs] for i in range(0, len(c), a.bs)]
    np.random.shuffle(batches)
    tot = 0
    for bi in batches:
        ids_b, mask = batch([ids[i] for i in bi])
        z = enc(ids_b, mask, a.drop)
        lo = head(z * scale)
        yt = torch.from_numpy(y[bi]); tk = torch.from_numpy(task[bi]).bool()
        if K == 1: loss = F.binary_cross_entropy_with_logits(lo[:, 0], yt.float())
        elif K == 3: loss = F.cross_entropy(lo, yt)
        else:
            loss = 0
            if (~tk).any(): loss = loss + F.binary_cross_entropy_with_logits(lo[~tk, 0], yt[~tk].float(), reduction="sum")
            if tk.any(): loss = loss + F.cross_entropy(lo[tk, 1:], yt[tk], reduction="sum")
            loss = loss / len(bi)
        opt.zero_grad(); loss.backward(); opt.step(); sched.step(); step += 1; tot += loss.item()
    r = evaluate()
    print(json.dumps({"epoch": ep + 1, "loss": round(tot / len(batches), 4), "s": round(time.time() - t0),
                      **{k: v for k, v in r.items() if not k.endswith("_logits")}}), flush=True)
if a.save:
    torch.save({"enc": enc.state_dict(), "head": head.state_dict(), "scale": scale.data}, a.save + ".pt")
    pickle.dump({k: v for k, v in r.items() if k.endswith("_logits")}, open(a.save + ".val.pkl", "wb"))
