// The Subcircuit view's hand-pinned circuit (issue #12): the units and connections a user pinned on state A's graph
// (click with "click pins" on, or P on a focused unit; the selected unit's shown connections below), scored on demand
// with analyzeCircuit (faithfulness and completeness beside m(M) and m(∅)), exported and imported as a pinned-circuit
// file (docs/formats.md, "Pinned circuits"; a pinned unit stands for every connection into and out of it).
import { useRef, useState } from 'react';
import type { SubcircuitResult } from '../../../../shared/analysis';
import type { CircuitScoreResult, CircuitSpec } from '../../../../shared/causal';
import type { Api } from '../../../../shared/contract';
import { connectionKey, parsePinnedCircuit, PINNED_CIRCUIT_FORMAT, pinnedCircuit, pinnedMismatch, pinnedOfFile, type PinnedSet } from '../../../../shared/pinned-circuit';
import { AnalysisStatus } from '../../analysis/AnalysisStatus';
import { useAnalysis } from '../../analysis/useAnalysis';
import { download } from '../../charts/export';

export const NO_PINS: PinnedSet = { units: [], connections: [] };

/** The pinned set with one unit or connection added, or removed if it was there. */
export function togglePin(p: PinnedSet, item: { layer: string; unit: number } | { layer: string; from: number; to: number }): PinnedSet {
  if ('unit' in item) {
    const has = p.units.some((u) => u.layer === item.layer && u.unit === item.unit);
    return { ...p, units: has ? p.units.filter((u) => !(u.layer === item.layer && u.unit === item.unit)) : [...p.units, item] };
  }
  const key = connectionKey(item);
  const has = p.connections.some((c) => connectionKey(c) === key);
  return { ...p, connections: has ? p.connections.filter((c) => connectionKey(c) !== key) : [...p.connections, item] };
}

const f3 = (x: number | null) => (x === null ? '—' : x.toFixed(3));

export function PinnedSection(props: {
  api: Api;
  result: SubcircuitResult;
  pinned: PinnedSet;
  onPinned: (p: PinnedSet) => void;
  pinMode: boolean;
  onPinMode: (on: boolean) => void;
  /** The selected unit of state A's graph, if any: its shown connections can be pinned from here by keyboard. */
  selected: { layer: string; unit: number } | null;
  stem: string;
}) {
  const { api, result, pinned, onPinned, pinMode, onPinMode, selected, stem } = props;
  const c = result.circuits[0]!;
  const ref = c.state.ref;
  const cls = result.class.index;
  const [importError, setImportError] = useState<string | null>(null);
  const [asked, setScored] = useState<{ key: string; circuit: CircuitSpec; ref: string; cls: number } | null>(null);
  // A score asked for on another state A or class is not carried over (the pins are cleared then too).
  const scored = asked && asked.ref === ref && asked.cls === cls ? asked : null;
  const file = useRef<HTMLInputElement | null>(null);
  const circuit = pinnedCircuit(c.layers, pinned);
  const key = JSON.stringify(circuit);
  const empty = pinned.units.length + pinned.connections.length === 0;
  const score = useAnalysis<CircuitScoreResult>(scored ? (call) => api.analyzeCircuit({ state: ref, class: cls, circuit: scored.circuit }, call) : null, [ref, cls, scored?.key], {
    api,
    kind: 'circuit-score',
  });
  const s = scored ? score.result : null;
  const stale = scored !== null && scored.key !== key;

  const exportFile = () => {
    const body = { format: PINNED_CIRCUIT_FORMAT, state: ref, class: result.class, circuit, pinned };
    download(new Blob([`${JSON.stringify(body, null, 2)}\n`], { type: 'application/json' }), `${stem}-pinned-circuit.json`);
  };
  const importFile = async (f: File | undefined) => {
    if (!f) return;
    try {
      if (f.size > 20_000_000) throw new Error(`${f.name} is over 20 MB: not a pinned circuit`);
      const parsed = parsePinnedCircuit(await f.text(), f.name);
      if (parsed.state && parsed.state !== ref) throw new Error(`${f.name} was pinned on state ${parsed.state}, state A is ${ref}: pick that state as A first`);
      if (parsed.class && parsed.class.index !== cls) throw new Error(`${f.name} is a circuit of class ${parsed.class.name}, the view shows ${result.class.name}`);
      const p = pinnedOfFile(parsed);
      const bad = pinnedMismatch(c.layers, p);
      if (bad) throw new Error(`${f.name}: ${bad}`);
      setImportError(null);
      onPinned(p);
    } catch (e) {
      setImportError(e instanceof Error ? e.message.split('\n')[0]! : String(e));
    } finally {
      if (file.current) file.current.value = '';
    }
  };

  const names = c.layers.map((l) => l.name);
  const shownOfSelected = selected
    ? c.edges
        .map((e) => ({ layer: names[e.layer + 1]!, from: e.from, to: e.to, fromLayer: names[e.layer]! }))
        .filter((e) => (e.layer === selected.layer && e.to === selected.unit) || (e.fromLayer === selected.layer && e.from === selected.unit))
        .slice(0, 24)
    : [];
  const isPinned = (e: { layer: string; from: number; to: number }) => pinned.connections.some((p) => connectionKey(p) === connectionKey(e));
  const unitPinned = selected ? pinned.units.some((u) => u.layer === selected.layer && u.unit === selected.unit) : false;

  return (
    <section className="av-table" data-testid="pin-section">
      <div className="table-head">
        <h3>Your own circuit: pin units and connections of state A</h3>
        <span className="muted">
          With “click pins” on, a click on a unit or a connection of A pins or unpins it (keyboard: focus the graph, arrows, then P). A pinned unit stands for every
          connection into and out of it; everything not pinned is mean-ablated when the circuit is scored.
        </span>
      </div>
      <div className="toolbar">
        <label className="field-inline">
          <input type="checkbox" checked={pinMode} onChange={(e) => onPinMode(e.target.checked)} data-testid="pin-mode" /> click pins
        </label>
        {selected && (
          <button type="button" className="btn small" onClick={() => onPinned(togglePin(pinned, selected))} data-testid="pin-selected">
            {unitPinned ? 'unpin' : 'pin'} {selected.layer} #{selected.unit}
          </button>
        )}
        <button type="button" className="btn small" disabled={empty} onClick={() => setScored({ key, circuit, ref, cls })} data-testid="pin-score">
          score the pinned circuit
        </button>
        <button type="button" className="btn small" disabled={empty} onClick={exportFile} data-testid="pin-export">
          export JSON
        </button>
        <label className="btn small" title="A pinned-circuit file of state A (docs/formats.md, “Pinned circuits”)">
          import JSON
          <input ref={file} type="file" accept="application/json,.json" className="visually-hidden" onChange={(e) => void importFile(e.target.files?.[0])} data-testid="pin-import" />
        </label>
        <button type="button" className="btn small" disabled={empty} onClick={() => onPinned(NO_PINS)} data-testid="pin-clear">
          clear
        </button>
      </div>
      {importError && (
        <p className="error-text" role="alert" data-testid="pin-import-error">
          {importError}
        </p>
      )}
      <p data-testid="pin-list">
        {empty ? (
          <span className="muted">Nothing pinned yet.</span>
        ) : (
          <>
            Pinned: {pinned.units.length} unit(s){pinned.units.length ? ` (${pinned.units.map((u) => `${u.layer} #${u.unit}`).join(', ')})` : ''} and {pinned.connections.length}{' '}
            connection(s){pinned.connections.length && pinned.connections.length <= 12 ? ` (${pinned.connections.map((e) => `${e.layer} ${e.from}→${e.to}`).join(', ')})` : ''}: {circuit.connections!.length}{' '}
            connections in all.
          </>
        )}
      </p>
      {shownOfSelected.length > 0 && (
        <fieldset className="pin-edges" data-testid="pin-edges">
          <legend className="muted small">connections of {selected!.layer} #{selected!.unit} on screen</legend>
          {shownOfSelected.map((e) => (
            <label key={connectionKey(e)} className="field-inline small">
              <input type="checkbox" checked={isPinned(e)} onChange={() => onPinned(togglePin(pinned, { layer: e.layer, from: e.from, to: e.to }))} />
              {e.fromLayer} #{e.from} → {e.layer} #{e.to}
            </label>
          ))}
        </fieldset>
      )}
      {s && (
        <p data-testid="pin-score-text" className={stale ? 'muted' : undefined}>
          {stale && 'Scored before your last change: '}faithfulness <b data-testid="pin-score-f">{f3(s.faithfulness)}</b>, completeness <b data-testid="pin-score-c">{f3(s.completeness)}</b>{' '}
          — m(C) = {s.circuit.toFixed(3)} against m(∅) = {s.empty.toFixed(3)} (every edge {s.ablation}-ablated) and m(M) = {s.full.toFixed(3)} (the whole net), m the mean{' '}
          {result.class.name} logit on its test images; {s.edges ?? 0} surviving weights in the circuit.
        </p>
      )}
      <AnalysisStatus what="Pinned circuit" loading={score.loading} error={score.error} progress={score.progress} onRetry={score.rerun} testId="pin" />
    </section>
  );
}
