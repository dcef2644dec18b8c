// Engine worker entry: runs jobs (training rounds and analyses), one at a time, and streams progress to its host.
// Works as a Node child process (process.send) and as an Electron utilityProcess (process.parentPort), so it imports
// nothing from electron.
import { engine } from '../engine';
import { CancelledError } from '../engine/types';
import { ValidationError, oneLine } from '../../shared/errors';
import { runAnalysis } from '../engine/analysis';
import { isAnalysisJob, type AnalysisJob, type HostToWorker, type Job, type TrainJob, type WorkerMessage, type WorkerToHost } from './protocol';

interface ParentPort {
  postMessage(msg: unknown): void;
  on(event: 'message', cb: (e: { data: unknown }) => void): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
let seq = 0;

function post(msg: WorkerMessage): void {
  const full = { ...msg, seq: ++seq } as WorkerToHost;
  if (parentPort) parentPort.postMessage(full);
  else process.send?.(full);
}

function onHostMessage(cb: (msg: HostToWorker) => void): void {
  if (parentPort) parentPort.on('message', (e) => cb(e.data as HostToWorker));
  else process.on('message', (m) => cb(m as HostToWorker));
}

let cancelled = false;

async function run(job: TrainJob): Promise<void> {
  const report = await engine.selectBackend(job.backend);
  post({ type: 'backend', report, versions: engine.versions() });
  let lastProgress = 0;
  const result = await engine.runRound(job.config, job.seed, job.spec, {
    onMetrics: (points) => post({ type: 'metrics', points }),
    onProgress: (iteration, iterations) => {
      const t = Date.now();
      if (iteration === iterations || t - lastProgress >= 200) {
        lastProgress = t;
        post({ type: 'progress', iteration, iterations });
      }
    },
    isCancelled: () => cancelled,
  }, { dataDir: job.dataDir });
  post({ type: 'round', result: result.result, normalisation: result.normalisation, states: result.states, warnings: result.warnings });
  post({ type: 'done' });
}

async function analyse(job: AnalysisJob): Promise<void> {
  await engine.selectBackend(job.backend);
  let last = 0;
  const result = await runAnalysis(job.analysis, (stage, done, total) => {
    const t = Date.now();
    if (done === total || t - last >= 200) {
      last = t;
      post({ type: 'analysis-progress', stage, done, total });
    }
  });
  post({ type: 'analysis', result });
  post({ type: 'done' });
}

function start(job: Job): Promise<void> {
  return isAnalysisJob(job) ? analyse(job) : run(job);
}

// One job at a time; the host may send the next once this one has sent its last message (done, cancelled or error),
// so the worker stays up between jobs (worker/host.ts ends it when it is not reused).
let running: Promise<void> | null = null;
const waiting: Job[] = [];

function next(): void {
  if (running) return;
  const job = waiting.shift();
  if (!job) return;
  cancelled = false;
  running = start(job)
    .catch((err: unknown) => {
      if (err instanceof CancelledError) post({ type: 'cancelled' });
      else post({ type: 'error', message: oneLine(err), ...(err instanceof ValidationError ? { invalid: true } : {}) });
    })
    .finally(() => {
      running = null;
      next();
    });
}

onHostMessage((msg) => {
  if (msg.type === 'cancel') {
    // A cancel that arrives after its job ended is dropped: the next start clears it.
    cancelled = true;
    return;
  }
  if (msg.type === 'start') {
    waiting.push(msg.job);
    next();
  }
});

if (!parentPort) process.on('disconnect', () => process.exit(0));
post({ type: 'ready' });
