#!/usr/bin/env python3
"""Train in PyTorch what a Ticketscope run trained, from the same initial weights, and record the curve.

Usage (Debian's python3 has torch):
  /usr/bin/python3 bench/parity.py RUN [RUN ...] --db DB --data-dir DIR [--order ticketscope|torch] \
      [--iterations N] [--out FILE.json] [--ticketscope 'node bin/ticketscope.mjs']

For each RUN (a dense run, or any run whose round 0 trains dense on MNIST or Fashion-MNIST):
- `ticketscope show RUN --json` gives the config (optimizer, batch size, iterations, evaluation interval, validation
  size), the seed and the normalisation the run applied; `ticketscope export RUN:0:init` gives its initial weights;
- the module of docs/pytorch.md (its code blocks are executed, as bench/pytorch_load_check.py does) is built from
  that snapshot (`make_model`, `apply_snapshot`);
- the data set is read from DIR (the IDX files `ticketscope data import` stores), the run's validation examples are
  held out exactly as Ticketscope holds them out (the same seeded permutation, bench/parity_rng.py), and every split
  is normalised with the run's mean and std (the script recomputes them from the pixels it holds out and reports the
  difference: 0 means the same hold-out);
- the net trains with torch.optim.Adam at the run's learning rate, betas (0.9, 0.999) and eps 1e-8 (Ticketscope
  builds its Adam with these, src/main/engine/train.ts; tfjs' own default epsilon would be 1e-7) on the mean softmax
  cross-entropy, in float32, one thread; it is evaluated on the validation and test splits at every evaluation
  iteration of the run (every evalEvery and at the last), and early stopping picks the minimum validation loss
  (earliest on ties), as Ticketscope does.
- `--order ticketscope` (default) feeds the batches in Ticketscope's order for the run's seed (stream batches/round0:
  a permutation per epoch, the last partial batch dropped); `--order torch` draws them with torch's generator seeded
  with the run seed (torch.randperm per epoch, the last partial batch dropped), an independent data order.

Prints one JSON object (and writes it to --out): {"runs": [{runId, seed, order, config, normalisation,
normalisationCheck, iterations, evaluations: [{iteration, train: {loss, accuracy}, validation: {...}, test: {...}}],
earlyStop: {iteration, testAccuracy}, seconds}]}. `node bench/run-ts.mjs bench/results-table.ts parity ...` turns it
and the runs' stored curves into the table of docs/results/pytorch-parity.md.
"""
import argparse
import gzip
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from parity_rng import BatchSampler, holdout  # noqa: E402
from pytorch_load_check import doc_blocks  # noqa: E402

IDX = {'train': ('train-images-idx3-ubyte', 'train-labels-idx1-ubyte'), 'test': ('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte')}
IDX_DATASETS = ('mnist', 'fashion-mnist')


def fail(msg):
    sys.stderr.write(f'parity: {msg}\n')
    sys.exit(2)


def read_idx(path):
    """(array, dims) of an IDX file (uncompressed, or .gz)."""
    for p in (path, path + '.gz'):
        if os.path.exists(p):
            with (gzip.open(p, 'rb') if p.endswith('.gz') else open(p, 'rb')) as f:
                data = f.read()
            break
    else:
        fail(f'{path}: not found (import the data set with `ticketscope data import`)')
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 8:
        fail(f'{path}: not an unsigned-byte IDX file')
    nd = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(nd)]
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * nd)
    if body.size != int(np.prod(dims)):
        fail(f'{path}: {body.size} bytes of data, the header says {dims}')
    return body.reshape(dims)


def load_split(folder, which):
    images, labels = (read_idx(os.path.join(folder, f)) for f in IDX[which])
    if images.shape[0] != labels.shape[0]:
        fail(f'{folder}: {images.shape[0]} {which} images but {labels.shape[0]} labels')
    return images.reshape(images.shape[0], -1), labels.astype(np.int64)


def pixel_stats(pixels):
    """Mean and population std of pixels/255, from the 256-bin histogram as Ticketscope computes them."""
    hist = np.bincount(pixels.reshape(-1), minlength=256).astype(np.float64)
    v = np.arange(256, dtype=np.float64) / 255
    n = hist.sum()
    mean = float((hist * v).sum() / n)
    std = float(np.sqrt((hist * (v - mean) ** 2).sum() / n))
    return mean, std


def normalise(pixels, mean, std, shape):
    """Float32 images (N, C, H, W) as Ticketscope's table maps bytes: (v / 255 - mean) * (1 / std)."""
    table = ((np.arange(256, dtype=np.float64) / 255 - mean) * (1 / std)).astype(np.float32)
    return torch.from_numpy(table[pixels]).reshape(-1, *shape)


def ticketscope(cmd, args):
    r = subprocess.run(cmd + args, capture_output=True, text=True)
    if r.returncode != 0:
        last = (r.stderr.strip().splitlines() or [''])[-1]
        fail(f'ticketscope {" ".join(shlex.quote(a) for a in args)} exited {r.returncode}: {last}')
    return r.stdout


def use_onednn_linear(model, shape):
    """Compute every nn.Linear of the model as a 1x1 convolution, which torch runs with oneDNN.

    Debian's torch is built with the reference BLAS (BLAS_INFO=generic), whose float32 matmul is 10-15x slower than
    oneDNN's convolution here; the function computed is the same, x @ W.T + b (with W the masked weight the pruning
    hook sets), only its summation order differs. Returns the largest |logit difference| on a probe batch.
    """
    probe = torch.randn(64, *shape, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        before = model(probe)
    for module in model.modules():
        if isinstance(module, torch.nn.Linear):
            def forward(x, m=module):
                return F.conv2d(x[:, :, None, None], m.weight[:, :, None, None], m.bias).flatten(1)
            module.forward = forward
    with torch.no_grad():
        return float((model(probe) - before).abs().max())


def evaluate(model, x, y, chunk=1000):
    loss = 0.0
    hits = 0
    with torch.no_grad():
        for s in range(0, x.shape[0], chunk):
            logits = model(x[s:s + chunk])
            loss += float(F.cross_entropy(logits, y[s:s + chunk], reduction='sum'))
            hits += int((logits.argmax(1) == y[s:s + chunk]).sum())
    return {'loss': loss / x.shape[0], 'accuracy': hits / x.shape[0]}


def torch_batches(n, batch, seed):
    g = torch.Generator().manual_seed(seed)
    while True:
        perm = torch.randperm(n, generator=g).tolist()
        for s in range(0, n - batch + 1, batch):
            yield perm[s:s + batch]


def ticketscope_batches(n, batch, seed):
    sampler = BatchSampler(n, batch, seed, 0)
    while True:
        yield sampler.next()


def parity_run(ns, cmd, db, data_dir, run_id, order, iterations, tmp, onednn, eps):
    run = json.loads(ticketscope(cmd, ['show', run_id, '--json', '--db', db]))
    cfg = run['config']
    if cfg['dataset'] not in IDX_DATASETS:
        fail(f'run {run_id}: data set {cfg["dataset"]} (this script reads MNIST and Fashion-MNIST)')
    opt = cfg['optimizer']
    if opt['name'] != 'adam' or opt.get('schedule') or opt.get('weightDecay'):
        fail(f'run {run_id}: optimizer {json.dumps(opt)} (this script runs plain Adam)')
    if cfg.get('augmentation') or cfg.get('dropout'):
        fail(f'run {run_id}: augmentation and dropout are not reproduced here')
    if not run.get('normalisation'):
        fail(f'run {run_id}: no normalisation recorded (has its round 0 finished?)')
    snap = os.path.join(tmp, f'{run_id}-init.safetensors')
    ticketscope(cmd, ['export', f'{run_id}:0:init', '--out', snap, '--db', db])
    tensors, meta = ns['load_snapshot'](snap)
    model = ns['make_model'](meta['arch'], meta['dataset'])
    ns['apply_snapshot'](model, tensors, 'weight')
    shape = tuple(ns['INPUT_SHAPES'][meta['dataset']])
    linear_check = use_onednn_linear(model, shape) if onednn else None

    folder = os.path.join(data_dir, cfg['dataset'])
    train_px, train_y = load_split(folder, 'train')
    test_px, test_y = load_split(folder, 'test')
    val_idx, train_idx = holdout(cfg['dataset'], train_px.shape[0], cfg['validation'])
    val_idx, train_idx = np.array(val_idx), np.array(train_idx)
    mean, std = run['normalisation']['mean'], run['normalisation']['std']
    own_mean, own_std = pixel_stats(train_px[train_idx])
    x_train, y_train = normalise(train_px[train_idx], mean, std, shape), torch.from_numpy(train_y[train_idx])
    x_val, y_val = normalise(train_px[val_idx], mean, std, shape), torch.from_numpy(train_y[val_idx])
    x_test, y_test = normalise(test_px, mean, std, shape), torch.from_numpy(test_y)

    total = iterations or cfg['iterations']
    every = cfg['evalEvery']
    batch = min(cfg['batchSize'], x_train.shape[0])
    optimizer = torch.optim.Adam(model.parameters(), lr=opt['lr'], betas=(0.9, 0.999), eps=eps)
    batches = (ticketscope_batches if order == 'ticketscope' else torch_batches)(x_train.shape[0], batch, run['seed'])
    evaluations = []
    loss_sum, hit_sum, seen = 0.0, 0, 0
    start = time.time()
    for it in range(1, total + 1):
        idx = torch.tensor(next(batches), dtype=torch.long)
        xb, yb = x_train[idx], y_train[idx]
        model.train()
        logits = model(xb)
        loss = F.cross_entropy(logits, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        loss_sum += float(loss) * len(idx)
        hit_sum += int((logits.argmax(1) == yb).sum())
        seen += len(idx)
        if it % every == 0 or it == total:
            model.eval()
            evaluations.append({
                'iteration': it,
                'train': {'loss': loss_sum / seen, 'accuracy': hit_sum / seen},
                'validation': evaluate(model, x_val, y_val),
                'test': evaluate(model, x_test, y_test),
            })
            loss_sum, hit_sum, seen = 0.0, 0, 0
    best = min(evaluations, key=lambda e: (e['validation']['loss'], e['iteration']))
    return {
        'runId': run_id,
        'seed': run['seed'],
        'order': order,
        'config': {k: cfg[k] for k in ('dataset', 'arch', 'optimizer', 'batchSize', 'iterations', 'evalEvery', 'validation')},
        'normalisation': {'mean': mean, 'std': std},
        'normalisationCheck': {'mean': own_mean - mean, 'std': own_std - std},
        'iterations': total,
        'evaluations': evaluations,
        'earlyStop': {'iteration': best['iteration'], 'testAccuracy': best['test']['accuracy']},
        'onednnLinearMaxDiff': linear_check,
        'adamEps': eps,
        'seconds': round(time.time() - start, 1),
        'torch': torch.__version__,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('runs', nargs='+')
    ap.add_argument('--db', required=True)
    ap.add_argument('--data-dir', required=True)
    ap.add_argument('--order', choices=('ticketscope', 'torch'), default='ticketscope')
    ap.add_argument('--iterations', type=int, default=0, help='train this many iterations (default: the run\'s)')
    ap.add_argument('--out')
    ap.add_argument('--ticketscope', default=f'node {os.path.join(HERE, "..", "bin", "ticketscope.mjs")}',
                    help='command that runs the ticketscope CLI')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--adam-eps', type=float, default=1e-8,
                    help="Adam's epsilon (default 1e-8, as Ticketscope's; 1e-7, tfjs' own default, shows the difference)")
    ap.add_argument('--plain-linear', action='store_true', help='keep nn.Linear on torch\'s BLAS (slow with Debian\'s)')
    args = ap.parse_args()
    if not os.path.isfile(args.db):
        fail(f'--db {args.db}: no such file')
    if not os.path.isdir(args.data_dir):
        fail(f'--data-dir {args.data_dir}: no such folder')
    torch.set_num_threads(args.threads)
    ns = {'__name__': 'ticketscope_docs'}
    docs = os.path.join(HERE, '..', 'docs', 'pytorch.md')
    for block in doc_blocks(docs):
        exec(compile(block, docs, 'exec'), ns)
    cmd = shlex.split(args.ticketscope)
    with tempfile.TemporaryDirectory(prefix='ticketscope-parity-') as tmp:
        out = {'runs': []}
        for run_id in args.runs:
            r = parity_run(ns, cmd, args.db, args.data_dir, run_id, args.order, args.iterations, tmp, not args.plain_linear, args.adam_eps)
            sys.stderr.write(f'parity: {run_id} seed {r["seed"]} ({args.order} order): test accuracy at early stop '
                             f'{100 * r["earlyStop"]["testAccuracy"]:.2f}% (iteration {r["earlyStop"]["iteration"]}), '
                             f'{r["seconds"]} s\n')
            out['runs'].append(r)
    text = json.dumps(out)
    if args.out:
        fd, part = tempfile.mkstemp(prefix='.parity-', dir=os.path.dirname(os.path.abspath(args.out)))
        with os.fdopen(fd, 'w') as f:
            f.write(text + '\n')
        os.replace(part, args.out)
    print(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
