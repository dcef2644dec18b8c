#!/usr/bin/env python3
"""PyTorch CPU reference for `npm run bench`: the same networks, batch size and optimizer as Ticketscope's benchmark.

Networks (Frankle & Carbin 2019): LeNet-300-100 on 28x28x1; Conv-2/4/6 on 32x32x3 (3x3 convs, padding 1, ReLU,
2x2 max-pool after each pair, then FC 256, 256, 10). Training throughput: forward, softmax cross-entropy,
backward and an Adam step on batch 60 (random inputs, fixed random labels), in samples per second. Inference:
forward only under torch.no_grad() at the benchmark's inference batch size. Threads: as many as CPU cores
(torch.set_num_threads), unless --threads says otherwise.

Prints one JSON object on stdout: {"torch": version, "threads": n, "results": [{"net", "trainSamplesPerSec",
"inferSamplesPerSec", "trainSteps", "trainSeconds"}]}.
Run: python3 bench/reference.py [--nets lenet-300-100,conv-2] [--seconds 5] [--threads 2] [--infer-batch 500]
"""
import argparse
import json
import os
import sys
import time

import torch
from torch import nn

CONV_PLANS = {
    "conv-2": [64, 64, "P"],
    "conv-4": [64, 64, "P", 128, 128, "P"],
    "conv-6": [64, 64, "P", 128, 128, "P", 256, 256, "P"],
    "conv-8": [64, 64, "P", 128, 128, "P", 256, 256, "P", 512, 512, "P"],
}


def make_net(name):
    if name == "lenet-300-100":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 300), nn.ReLU(), nn.Linear(300, 100), nn.ReLU(), nn.Linear(100, 10)), (1, 28, 28)
    layers = []
    c, side = 3, 32
    for v in CONV_PLANS[name]:
        if v == "P":
            layers.append(nn.MaxPool2d(2, 2))
            side //= 2
        else:
            layers += [nn.Conv2d(c, v, 3, padding=1), nn.ReLU()]
            c = v
    layers += [nn.Flatten(), nn.Linear(c * side * side, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10)]
    return nn.Sequential(*layers), (3, 32, 32)


def timed(fn, seconds, warmup):
    for _ in range(warmup):
        fn()
    steps = 0
    start = time.perf_counter()
    while True:
        fn()
        steps += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds and steps >= 3:
            return steps, elapsed


def bench(name, batch, seconds, infer_batch):
    torch.manual_seed(0)
    net, shape = make_net(name)
    opt = torch.optim.Adam(net.parameters(), lr=1.2e-3)
    x = torch.randn(batch, *shape)
    y = torch.randint(0, 10, (batch,))
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()

    net.train()
    steps, elapsed = timed(step, seconds, 3)
    train = steps * batch / elapsed

    xi = torch.randn(infer_batch, *shape)
    net.eval()

    def infer():
        with torch.no_grad():
            net(xi)

    isteps, ielapsed = timed(infer, seconds / 2, 1)
    return {
        "net": name,
        "trainSamplesPerSec": train,
        "inferSamplesPerSec": isteps * infer_batch / ielapsed,
        "trainSteps": steps,
        "trainSeconds": elapsed,
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--nets", default="lenet-300-100,conv-2,conv-4,conv-6")
    p.add_argument("--batch", type=int, default=60)
    p.add_argument("--infer-batch", type=int, default=500)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count())
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    results = []
    for name in a.nets.split(","):
        r = bench(name, a.batch, a.seconds, a.infer_batch)
        print(f"pytorch {name}: train {r['trainSamplesPerSec']:.1f} samples/s, infer {r['inferSamplesPerSec']:.1f} samples/s", file=sys.stderr)
        results.append(r)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "results": results}))


if __name__ == "__main__":
    main()
