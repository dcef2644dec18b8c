"""Reference for tests/unit/engine-supermask.test.ts: one masked dense layer of Zhou et al. (2019), written after
their TensorFlow code (deconstructing-lottery-tickets, masked_networks.py: get_effective_mask and
MaskedDense.call) in PyTorch, float64, differentiated by autograd.

stdin: JSON {w, s, u: flat [IN*OUT] row-major [IN, OUT]; x: [N*IN]; r: [N*OUT]; IN, OUT, N; rescale, round}
stdout: JSON {loss, grad (dL/ds, flat)} for L = sum((x @ W_eff) * r).
The uniforms u stand in for both of their random draws: the Bernoulli sample (uniform < p) and, with round_mask,
which_to_clamp = round(uniform).
"""
import json
import sys

import torch

d = json.load(sys.stdin)
IN, OUT, N = d["IN"], d["OUT"], d["N"]
f64 = torch.float64
w = torch.tensor(d["w"], dtype=f64).reshape(IN, OUT)
s = torch.tensor(d["s"], dtype=f64, requires_grad=True)
u = torch.tensor(d["u"], dtype=f64).reshape(IN, OUT)
x = torch.tensor(d["x"], dtype=f64).reshape(N, IN)
r = torch.tensor(d["r"], dtype=f64).reshape(N, OUT)

p = torch.sigmoid(s.reshape(IN, OUT))
if d["round"]:
    # Training with round_mask: clamp a random half to round(sigmoid), backprop the other half directly.
    which_to_clamp = torch.round(u)
    binary_mask = torch.round(p)  # round() passes no gradient, as TF's Round
else:
    which_to_clamp = torch.ones_like(u)
    binary_mask = (u < p).to(f64) + p - p.detach()
effective_mask = which_to_clamp * binary_mask + (1 - which_to_clamp) * p
effective_kernel = w * effective_mask
if d["rescale"]:
    ones_in_mask = effective_mask.sum()
    multiplier = effective_mask.numel() / ones_in_mask
    if d.get("constantScale"):
        multiplier = multiplier.detach()  # for the test's contrast only: the scale as a constant
    effective_kernel = multiplier * effective_kernel
loss = ((x @ effective_kernel) * r).sum()
loss.backward()
json.dump({"loss": loss.item(), "grad": s.grad.tolist()}, sys.stdout)
