// What File > Merge databases… says while it works and when it is done, as plain text (tested without Electron).
import { basename } from 'node:path';
import type { MergeProgress, MergeResult } from '../core/merge';

export function mergeProgressText(p: MergeProgress): string {
  return `Merging databases: ${p.phase === 'check' ? 'checking' : 'adding'} ${basename(p.path)} (${p.shard + 1} of ${p.shards})…`;
}

/** The fraction done for the window's progress bar: checks are the first half, merges the second. */
export function mergeProgressFraction(p: MergeProgress): number {
  return ((p.phase === 'check' ? 0 : p.shards) + p.shard + 0.5) / (2 * p.shards);
}

export function mergeSummaryText(r: MergeResult): string {
  const sum = (k: 'runsAdded' | 'runsExtended' | 'runsUnchanged' | 'roundsAdded' | 'tensorsVerified') => r.shards.reduce((a, s) => a + s[k], 0);
  const migrated = r.shards.filter((s) => s.migrated).length;
  return (
    `Merged ${r.shards.length} database${r.shards.length === 1 ? '' : 's'} into ${basename(r.target)}: ${sum('runsAdded')} run(s) added, ` +
    `${sum('runsExtended')} extended, ${sum('runsUnchanged')} already here; ${sum('roundsAdded')} round(s) added, ` +
    `${sum('tensorsVerified')} tensor checksums verified${migrated ? `; ${migrated} from an older version, migrated on a copy` : ''}.`
  );
}
