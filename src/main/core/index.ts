// The core's public surface for what sits above it (src/main/server, src/main/cli, src/main/electron and the Electron
// entry): those import the core, never the store, the engine or the worker host directly (eslint.config.js enforces
// it), so what they need of the layers below is passed on here.
export { Core, type CoreHost, type CoreOptions } from './service';
export { APP_VERSION } from './version';
export { databaseProblem } from '../store';
export { MAX_SNAPSHOT_BYTES } from '../store/snapshot';
export { forkWorker, type SpawnWorker, type WorkerChannel } from '../worker/host';
export type { WorkerToHost } from '../worker/protocol';
