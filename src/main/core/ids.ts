// Random run ids, `r` and 10 hex digits (shared/refs.ts says what an id may hold), for runs outside an experiment's
// plan (imported snapshots). Planned runs get ids derived from experiment, seed, kind and replicate (shards.ts);
// experiment ids are the hash of the config (shared/refs.ts, experimentId), the same in the core and the builder.
import { randomBytes } from 'node:crypto';

export function newRunId(): string {
  return `r${randomBytes(5).toString('hex')}`;
}
