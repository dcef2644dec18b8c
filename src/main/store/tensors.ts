// Tensors of each round: weights and biases as little-endian f32 BLOBs, masks bit-packed, each with a sha256 that
// is checked on every read. Layout is the engine's (tfjs): dense [in, out], conv [kh, kw, in, out].
import type { LayerState, NetState, StateKind } from '../../shared/tensors';
import { NotFoundError } from '../../shared/errors';
import { decodeFloat32Blob, decodeMaskBlob, encodeFloat32Blob, encodeMaskBlob, type TensorBlob } from './bits';
import type { Db } from './db';
import { StoreError } from './db';

interface TensorRow {
  layer: string;
  param: 'weight' | 'bias' | 'mask';
  kind: 'dense' | 'conv';
  dtype: 'f32' | 'bits';
  shape: string;
  data: Buffer;
  sha256: string;
}

export class TensorStore {
  constructor(private readonly db: Db) {}

  /** Writes one state of a round (replacing an earlier write of the same state). Call inside a transaction. */
  saveState(runId: string, round: number, state: StateKind, net: NetState): void {
    const del = this.db.prepare('DELETE FROM tensors WHERE run_id = ? AND round = ? AND state = ?');
    const ins = this.db.prepare(
      `INSERT INTO tensors (run_id, round, state, layer, param, kind, dtype, shape, data, sha256)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    del.run(runId, round, state);
    for (const l of net.layers) {
      const put = (param: string, dtype: string, shape: number[], blob: TensorBlob) =>
        ins.run(runId, round, state, l.name, param, l.kind, dtype, JSON.stringify(shape), blob.data, blob.sha256);
      put('weight', 'f32', l.shape, encodeFloat32Blob(l.weight));
      put('bias', 'f32', [l.bias.length], encodeFloat32Blob(l.bias));
      put('mask', 'bits', l.shape, encodeMaskBlob(l.mask));
    }
  }

  /** Writes masks alone (no weights) as a state of a round. Call inside a transaction. */
  saveMasks(runId: string, round: number, state: StateKind, layers: readonly Pick<LayerState, 'name' | 'kind' | 'shape' | 'mask'>[]): void {
    this.db.prepare('DELETE FROM tensors WHERE run_id = ? AND round = ? AND state = ?').run(runId, round, state);
    const ins = this.db.prepare(
      `INSERT INTO tensors (run_id, round, state, layer, param, kind, dtype, shape, data, sha256)
       VALUES (?, ?, ?, ?, 'mask', ?, 'bits', ?, ?, ?)`,
    );
    for (const l of layers) {
      const blob = encodeMaskBlob(l.mask);
      ins.run(runId, round, state, l.name, l.kind, JSON.stringify(l.shape), blob.data, blob.sha256);
    }
  }

  /** The masks of any stored state (with or without weights), by layer, verified. */
  loadMasks(runId: string, round: number, state: StateKind): Pick<LayerState, 'name' | 'kind' | 'shape' | 'mask'>[] {
    const rows = this.db
      .prepare(`SELECT layer, kind, shape, data, sha256 FROM tensors WHERE run_id = ? AND round = ? AND state = ? AND param = 'mask' ORDER BY rowid`)
      .all(runId, round, state) as Pick<TensorRow, 'layer' | 'kind' | 'shape' | 'data' | 'sha256'>[];
    if (!rows.length) throw new NotFoundError(`run ${runId} has no ${state} masks for round ${round}`);
    return rows.map((r) => {
      const shape = JSON.parse(r.shape) as number[];
      const length = shape.reduce((a, b) => a * b, 1);
      try {
        const mask = decodeMaskBlob({ encoding: 'mask-bits-lsb', length, data: new Uint8Array(r.data), sha256: r.sha256 }, `tensor ${runId}:${round}:${state}:${r.layer}.mask`);
        return { name: r.layer, kind: r.kind, shape, mask };
      } catch (err) {
        throw new StoreError((err as Error).message);
      }
    });
  }

  /**
   * What a stored state is made of, without its data: each tensor's layer, param, shape and checksum in storage
   * order (only the masks with `masksOnly`). The core hashes these to name the state in cache keys.
   */
  checksums(runId: string, round: number, state: StateKind, masksOnly = false): { layer: string; param: string; shape: string; sha256: string }[] {
    return this.db
      .prepare(`SELECT layer, param, shape, sha256 FROM tensors WHERE run_id = ? AND round = ? AND state = ? ${masksOnly ? "AND param = 'mask'" : ''} ORDER BY rowid`)
      .all(runId, round, state) as { layer: string; param: string; shape: string; sha256: string }[];
  }

  hasState(runId: string, round: number, state: StateKind): boolean {
    return !!this.db.prepare('SELECT 1 FROM tensors WHERE run_id = ? AND round = ? AND state = ? LIMIT 1').get(runId, round, state);
  }

  /** Reads a stored state back, verifying every checksum and size. */
  loadState(runId: string, round: number, state: StateKind, arch: string): NetState {
    const rows = this.db
      .prepare('SELECT layer, param, kind, dtype, shape, data, sha256 FROM tensors WHERE run_id = ? AND round = ? AND state = ? ORDER BY rowid')
      .all(runId, round, state) as TensorRow[];
    if (!rows.length) throw new NotFoundError(`run ${runId} has no ${state} state for round ${round}`);
    const layers = new Map<string, Partial<LayerState> & { name: string }>();
    for (const r of rows) {
      const shape = JSON.parse(r.shape) as number[];
      const length = shape.reduce((a, b) => a * b, 1);
      const what = `tensor ${runId}:${round}:${state}:${r.layer}.${r.param}`;
      const l = layers.get(r.layer) ?? { name: r.layer, kind: r.kind };
      const data = new Uint8Array(r.data);
      try {
        if (r.param === 'mask') l.mask = decodeMaskBlob({ encoding: 'mask-bits-lsb', length, data, sha256: r.sha256 }, what);
        else {
          const values = decodeFloat32Blob({ encoding: 'f32-le', length, data, sha256: r.sha256 }, what);
          if (r.param === 'weight') {
            l.weight = values;
            l.shape = shape;
          } else l.bias = values;
        }
      } catch (err) {
        // A stored tensor that fails its checks is damage to the database, not bad user input.
        throw new StoreError((err as Error).message);
      }
      layers.set(r.layer, l);
    }
    return {
      arch,
      layers: [...layers.values()].map((l) => {
        if (!l.weight || !l.bias || !l.mask || !l.shape || !l.kind) throw new StoreError(`layer ${l.name} is incomplete in run ${runId}`);
        return l as LayerState;
      }),
    };
  }
}
