// One vocabulary for naming stored things, used by the core, the CLI, the transports and the views alike:
// - run and experiment ids: letters, digits, `_` and `-`, at most 64 characters (never a `.` or `:`, so they travel
//   in state references and route arguments unescaped); an experiment's id is the hash of its config's identity;
// - WHICH: what a state reference names for a round of a run;
// - state references RUN[:ROUND][:WHICH] (the CLI, the contract) and their canonical form RUN:ROUND:WHICH (what
//   StateInfo.ref holds); the views write the canonical form with dots in routes (RUN.ROUND.WHICH).
// Imports nothing from node, electron or the DOM.
import { z } from 'zod';
import { identityOfConfig, type ExperimentConfig } from './config';
import { ValidationError } from './errors';
import { sha256Hex } from './sha256';

/** A run id or an experiment id. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const ROUND_PATTERN = /^\d{1,6}$/;

export const isId = (s: string): boolean => ID_PATTERN.test(s);

/**
 * The id of the experiment a config defines: the first 16 hex digits of the SHA-256 of its identity (the config
 * without its name and description), so the same config is the same experiment, in the core and in the builder.
 */
export function experimentIdOfIdentity(identity: string): string {
  return sha256Hex(identity).slice(0, 16);
}

export function experimentId(config: ExperimentConfig): string {
  return experimentIdOfIdentity(identityOfConfig(config));
}

export const runIdSchema = z.string().regex(ID_PATTERN, 'expected a run id');
export const experimentIdSchema = z.string().regex(ID_PATTERN, 'expected an experiment id');

/**
 * What a state reference can name for a round of a run:
 * - `trained`: the weights after the round's training, under the round's mask (round 0 of IMP: the trained dense net;
 *   a later round: the ticket after retraining; a supermask run: the frozen random weights under the learned mask);
 * - `init`: the weights the round started from, under its mask (round 0: the random init, unmasked);
 * - `mask`: the round's mask alone (no weights; for mask overlap);
 * - `ticket-at-init`: the round's mask on the run's original round-0 init weights, before any training or rewinding;
 * - `dense-init`: the run's original round-0 init weights with every weight kept (no mask): the unmasked random
 *   network a supermask or a pruning-at-init mask was chosen in (for IMP and dense runs it equals `RUN:0:init`).
 * A snapshot file holds the first four (ARCHITECTURE.md, "Snapshot format"); `dense-init` exports as its weights.
 */
export const WHICH = ['trained', 'init', 'mask', 'ticket-at-init', 'dense-init'] as const;
export type Which = (typeof WHICH)[number];
/** What a reference without WHICH names. */
export const DEFAULT_WHICH: Which = 'trained';

export const isWhich = (s: string): s is Which => (WHICH as readonly string[]).includes(s);
export const whichSchema = z.enum(WHICH);

export interface StateRef {
  runId: string;
  /** Undefined: the run's last committed round. */
  round?: number;
  which: Which;
}

/** Why `text` is not a state reference RUN[:ROUND][:WHICH], or the reference. */
function parse(text: string): StateRef | string {
  const parts = text.split(':');
  const runId = parts[0] ?? '';
  if (!isId(runId) || parts.length > 3) return `state ${text}: expected RUN[:ROUND][:WHICH]`;
  let round: number | undefined;
  let which: Which = DEFAULT_WHICH;
  for (const p of parts.slice(1)) {
    if (ROUND_PATTERN.test(p) && round === undefined) round = Number(p);
    else if (isWhich(p)) which = p;
    else return `state ${text}: "${p}" is neither a round number nor one of ${WHICH.join(', ')}`;
  }
  return { runId, ...(round !== undefined ? { round } : {}), which };
}

/** Parses RUN[:ROUND][:WHICH], e.g. `r1a2b3c4d5`, `r1a2b3c4d5:3`, `r1a2b3c4d5:3:mask`, `r1a2b3c4d5:init`. */
export function parseStateRef(text: string): StateRef {
  const r = parse(text);
  if (typeof r === 'string') throw new ValidationError(r);
  return r;
}

/** The contract's schema of a state reference (checked completely before the core looks it up). */
export const stateRefSchema = z
  .string()
  .max(100)
  .superRefine((text, ctx) => {
    const r = parse(text);
    if (typeof r === 'string') ctx.addIssue({ code: 'custom', message: r });
  });

/** RUN[:ROUND]:WHICH: the reference a CLI argument or a contract call names (the round only when given). */
export function formatStateRef(ref: { runId: string; round?: number | undefined; which?: Which | undefined }): string {
  return [ref.runId, ...(ref.round !== undefined ? [String(ref.round)] : []), ref.which ?? DEFAULT_WHICH].join(':');
}

/** The canonical reference RUN:ROUND:WHICH of a resolved state (StateInfo.ref). */
export function canonicalRef(runId: string, round: number, which: Which): string {
  return `${runId}:${round}:${which}`;
}

/**
 * Reads a canonical reference whose parts are joined by `sep` (`:` in StateInfo.ref, `.` in route arguments): RUN,
 * ROUND and WHICH, in this order, all three; null for anything else.
 */
export function parseCanonicalRef(text: string, sep: ':' | '.' = ':'): Required<StateRef> | null {
  const [runId, round, which, ...rest] = text.split(sep);
  if (rest.length || !runId || !isId(runId) || !round || !ROUND_PATTERN.test(round) || !which || !isWhich(which)) return null;
  return { runId, round: Number(round), which };
}
