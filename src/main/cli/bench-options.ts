// The benchmark's options, shared by `ticketscope bench` (which checks them and documents them in its help) and
// bench/bench.ts (which runs with them); bench/run.mjs passes them through and reads --no-reference itself.
import { ARCHS } from '../../shared/config';
import { BACKENDS } from '../../shared/contract';
import type { OptionTable } from './spec';

export const BENCH_DEFAULTS = {
  nets: 'lenet-300-100,conv-2,conv-4,conv-6',
  backends: 'wasm,cpu',
  seconds: 8,
  inferBatch: 500,
  parallel: 0,
};

export const BENCH_OPTIONS: OptionTable = {
  nets: { kind: 'text', arg: 'LIST', items: ARCHS, help: `networks, comma-separated (default ${BENCH_DEFAULTS.nets})` },
  backends: { kind: 'text', arg: 'LIST', items: BACKENDS.filter((b) => b !== 'auto'), help: `backends, comma-separated (default ${BENCH_DEFAULTS.backends}; --backend NAME sets one)` },
  seconds: { kind: 'number', arg: 'N', min: 0.1, max: 3600, help: `seconds of training per network and backend (default ${BENCH_DEFAULTS.seconds})` },
  'infer-batch': { kind: 'int', arg: 'N', min: 1, max: 10_000, help: `inference batch (default ${BENCH_DEFAULTS.inferBatch})` },
  parallel: { kind: 'int', arg: 'N', max: 64, help: 'also N independent runs in N worker threads (summed samples/s)' },
  profile: { kind: 'flag', help: 'per-kernel times of one training step' },
  'cpu-conv': { kind: 'flag', help: 'also conv nets on the plain JS cpu backend (one step each, about a minute)' },
  'no-reference': { kind: 'flag', help: 'skip the PyTorch reference' },
};
