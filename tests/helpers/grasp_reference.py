"""GraSP's Hessian-gradient product in float64 PyTorch, as Wang et al.'s code computes it (alecwangcq/GraSP,
pruner/GraSP.py): g = the gradient of the mean cross-entropy of logits / T, then per batch
grad_f = autograd.grad(loss, weights, create_graph=True), z = sum(g.detach() * grad_f), Hg += autograd.grad(z).
Scores -w * Hg; the authors remove the int(n * (1 - keep)) highest (keeping those <= the last removed one's score).

The net is written out here from the tfjs layouts, independently of Ticketscope's code: dense weights [in, out]
(x @ W + b), conv weights [kh, kw, in, out] (NHWC maths, 'same' padding, stride 1), ReLU after every layer but the
last, for conv nets a 2x2 max-pool of stride 2 before every second conv and before fc1, and fc1 reading the last
feature map flattened in (h, w, c) order.

Usage: grasp_reference.py DIR... (one case per directory). DIR/meta.json: {"arch": "dense"|"conv", "input": [h, w, c], "temperature": T,
"keep": fraction, "layers": [{"name", "kind", "shape"}], "batches": [{"n": N}]}; float32 little-endian files
DIR/<name>.weight, DIR/<name>.bias, uint8 DIR/<name>.prune (the layer's 0/1 mask, for layers with "masked": true:
the net computes with w * mask), DIR/x<i> (N*h*w*c, NHWC) and int32 DIR/y<i> (labels). Writes float64 files
DIR/<name>.g, DIR/<name>.hg and uint8 DIR/<name>.mask, and prints one JSON summary line per case.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F


def main(d):
    meta = json.load(open(os.path.join(d, "meta.json")))
    torch.set_grad_enabled(True)
    f64 = torch.float64
    h0, w0, c0 = meta["input"]
    T = float(meta["temperature"])
    layers = meta["layers"]
    read = lambda name, dtype: np.fromfile(os.path.join(d, name), dtype=dtype)
    ws, bs, ms = [], [], []
    for l in layers:
        w = torch.tensor(read(l["name"] + ".weight", "<f4").reshape(l["shape"]), dtype=f64, requires_grad=True)
        ws.append(w)
        bs.append(torch.tensor(read(l["name"] + ".bias", "<f4"), dtype=f64))
        ms.append(torch.tensor(read(l["name"] + ".prune", "u1").reshape(l["shape"]), dtype=f64) if l.get("masked") else None)
    eff = lambda i: ws[i] * ms[i] if ms[i] is not None else ws[i]

    def forward(x):
        n = x.shape[0]
        if meta["arch"] == "dense":
            h = x.reshape(n, -1)
            for i, b in enumerate(bs):
                h = h @ eff(i) + b
                if i < len(ws) - 1:
                    h = F.relu(h)
            return h
        convs = [i for i, l in enumerate(layers) if l["kind"] == "conv"]
        h = x.reshape(n, h0, w0, c0).permute(0, 3, 1, 2)
        for i in convs:
            if i > 0 and i % 2 == 0:
                h = F.max_pool2d(h, 2, 2)
            h = F.relu(F.conv2d(h, eff(i).permute(3, 2, 0, 1), bs[i], stride=1, padding=ws[i].shape[0] // 2))
        h = F.max_pool2d(h, 2, 2)
        h = h.permute(0, 2, 3, 1).reshape(n, -1)
        fcs = [i for i, l in enumerate(layers) if l["kind"] == "dense"]
        for k, i in enumerate(fcs):
            h = h @ eff(i) + bs[i]
            if k < len(fcs) - 1:
                h = F.relu(h)
        return h

    batches = []
    for i, b in enumerate(meta["batches"]):
        x = torch.tensor(read("x%d" % i, "<f4").reshape(b["n"], -1), dtype=f64)
        y = torch.tensor(read("y%d" % i, "<i4").astype(np.int64))
        batches.append((x, y))

    loss_of = lambda x, y: F.cross_entropy(forward(x) / T, y)
    g = [torch.zeros_like(w) for w in ws]
    for x, y in batches:
        for gi, gp in zip(g, torch.autograd.grad(loss_of(x, y), ws)):
            gi += gp / len(batches)
    hg = [torch.zeros_like(w) for w in ws]
    for x, y in batches:
        grad_f = torch.autograd.grad(loss_of(x, y), ws, create_graph=True)
        z = sum((gi.detach() * gf).sum() for gi, gf in zip(g, grad_f))
        for hi, hp in zip(hg, torch.autograd.grad(z, ws)):
            hi += hp / len(batches)

    # The authors' selection: remove the int(n * (1 - keep)) highest scores, keep score <= the last removed one's.
    scores = [(-w.detach() * h).flatten() for w, h in zip(ws, hg)]
    allscores = torch.cat(scores)
    norm = torch.abs(torch.sum(allscores)) + 1e-10
    allscores = allscores / norm
    remove = int(len(allscores) * (1 - float(meta["keep"])))
    accept = torch.topk(allscores, remove, sorted=True)[0][-1]
    for l, gi, hi, s in zip(layers, g, hg, scores):
        gi.detach().numpy().astype("<f8").tofile(os.path.join(d, l["name"] + ".g"))
        hi.detach().numpy().astype("<f8").tofile(os.path.join(d, l["name"] + ".hg"))
        ((s / norm) <= accept).numpy().astype(np.uint8).tofile(os.path.join(d, l["name"] + ".mask"))
    print(json.dumps({"dir": d, "torch": torch.__version__, "removed": remove, "weights": len(allscores)}))


if __name__ == "__main__":
    for case in sys.argv[1:]:
        main(case)
