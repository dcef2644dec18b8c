#!/usr/bin/env python3
"""Check that PyTorch loads a Ticketscope snapshot the way docs/pytorch.md says.

Usage: pytorch_load_check.py SNAPSHOT [--docs docs/pytorch.md] [--batch 2] [--raw IMAGES.json]

Runs the Python code blocks of docs/pytorch.md (all but those whose first line is `# usage`), loads the snapshot
with their load_snapshot, builds make_model(arch, dataset), checks the tensors against the model's state_dict,
applies the snapshot with apply_snapshot and runs the model on a fixed input. Prints one JSON object:

  metadata     the snapshot's metadata (config parsed)
  tensors      per tensor: dtype, shape, sum (float64), probes [[flat index, value], ...] (PyTorch layout)
  shapeErrors  tensors whose shape differs from the model's parameter (should be empty)
  missingKeys  model parameters (weight, bias) the snapshot lacks; unexpected: snapshot tensors with no parameter
  prunedNonZero  per masked layer, how many effective weights are non-zero where the mask is 0 (should be 0)
  input        the input: x[k] = sin(0.37 k + 0.1) over the NHWC flat index k, permuted to NCHW
  logits       model outputs with the snapshot's weights ('weight'), and logitsInit with 'weight_init', when present
  inputRaw     with --raw (JSON {"images": flat uint8 pixels, "shape": [n, h, w, c]}): the raw images preprocessed with
               the docs' preprocess() and the snapshot's metadata, flattened in NHWC order; logitsRaw: the model's
               outputs on them with the snapshot's weights

Exit status 0 when the checks above pass, 1 otherwise (the JSON is printed either way).
"""
import argparse
import json
import math
import os
import re
import sys


def doc_blocks(path):
    with open(path, encoding='utf-8') as f:
        text = f.read()
    blocks = re.findall(r'```python\n(.*?)```', text, flags=re.S)
    return [b for b in blocks if not b.lstrip().startswith('# usage')]


def probes(t):
    flat = t.reshape(-1)
    n = flat.numel()
    if n == 0:
        return []
    idx = sorted({0, 1 % n, n // 3, n // 2, (2 * n) // 3, n - 1})
    return [[i, float(flat[i])] for i in idx]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument('snapshot')
    ap.add_argument('--docs', default=os.path.join(here, '..', 'docs', 'pytorch.md'))
    ap.add_argument('--batch', type=int, default=2)
    ap.add_argument('--raw', help='JSON file of raw uint8 images to preprocess as the docs say')
    args = ap.parse_args()

    ns = {'__name__': 'ticketscope_docs'}
    for block in doc_blocks(args.docs):
        exec(compile(block, args.docs, 'exec'), ns)
    torch = ns['torch']
    torch.manual_seed(0)

    tensors, meta = ns['load_snapshot'](args.snapshot)
    model = ns['make_model'](meta['arch'], meta['dataset'])
    params = {k: v for k, v in model.state_dict().items()}

    out = {'metadata': meta, 'tensors': {}, 'shapeErrors': [], 'missingKeys': [], 'unexpected': [], 'prunedNonZero': {}}
    for name, t in tensors.items():
        out['tensors'][name] = {
            'dtype': str(t.dtype).replace('torch.', ''),
            'shape': list(t.shape),
            'sum': float(t.double().sum()),
            'probes': probes(t),
        }
        layer, _, param = name.partition('.')
        key = f'{layer}.{"bias" if param == "bias" else "weight"}'
        if key not in params:
            out['unexpected'].append(name)
        elif list(params[key].shape) != list(t.shape):
            out['shapeErrors'].append(f'{name}: {list(t.shape)} vs parameter {list(params[key].shape)}')
    has_weights = any(k.endswith('.weight') for k in tensors)
    if has_weights:
        out['missingKeys'] = [k for k in params if k not in tensors]

    c, h, w = ns['INPUT_SHAPES'][meta['dataset']]
    n = args.batch
    values = [math.sin(0.37 * k + 0.1) for k in range(n * h * w * c)]
    x = torch.tensor(values, dtype=torch.float32).reshape(n, h, w, c).permute(0, 3, 1, 2).contiguous()
    out['input'] = {'batch': n, 'shape': [c, h, w]}

    def run(which):
        m = ns['make_model'](meta['arch'], meta['dataset'])
        ns['apply_snapshot'](m, tensors, which)
        counts = {}
        for layer, module in m.named_children():
            mask = tensors.get(f'{layer}.mask')
            if mask is not None:
                counts[layer] = int(((module.weight != 0) & (mask == 0)).sum())
        with torch.no_grad():
            return m(x).tolist(), counts

    if any(k.endswith('.weight') for k in tensors):
        out['logits'], out['prunedNonZero'] = run('weight')
    if any(k.endswith('.weight_init') for k in tensors):
        out['logitsInit'], _ = run('weight_init')
    if not has_weights:
        _, out['prunedNonZero'] = run('weight')

    if args.raw:
        with open(args.raw, encoding='utf-8') as f:
            raw = json.load(f)
        images = torch.tensor(raw['images'], dtype=torch.uint8).reshape(raw['shape'])
        xr = ns['preprocess'](images, meta)
        out['inputRaw'] = xr.permute(0, 2, 3, 1).reshape(-1).tolist()
        m = ns['make_model'](meta['arch'], meta['dataset'])
        ns['apply_snapshot'](m, tensors, 'weight')
        with torch.no_grad():
            out['logitsRaw'] = m(xr).tolist()

    print(json.dumps(out))
    ok = not out['shapeErrors'] and not out['unexpected'] and not out['missingKeys'] and not any(out['prunedNonZero'].values())
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
