// New run ids: `r` and 10 random hex digits (shared/refs.ts says what an id may hold). Experiment ids are not made
// here: they are the hash of the config (shared/refs.ts, experimentId), the same in the core and the builder.
import { randomBytes } from 'node:crypto';

export function newRunId(): string {
  return `r${randomBytes(5).toString('hex')}`;
}
