// The subcircuit view's side panel: the circuits (their mean class logit, edges and units), what A and B share
// against chance (units, edges, and within the edges shown), and the clicked unit's attributions, incident edges and
// links to its activation maps.
import type { SubcircuitResult } from '../../../../shared/analysis';
import type { LayoutResult } from '../../analysis/subcircuit-layout';
import { formatInt } from '../../app/format';
import { formatValue } from '../../charts/activation-draw';
import { stateColour } from '../../charts/analysis-palette';
import type { Scene } from '../../charts/subcircuit-scene';

export function SidePanel(props: { result: SubcircuitResult; layout: LayoutResult | null; scene: Scene | null; selected: number | null; dark: boolean; onOpenUnit: (ref: string, layer: string, unit: number) => void }) {
  const { result, layout, scene, selected, dark, onOpenUnit } = props;
  const sh = result.shared;
  const ratio = (obs: number, exp: number) => (exp > 0 ? `×${(obs / exp).toFixed(1)}` : '—');
  const node = selected !== null && layout ? layout.nodes[selected] : undefined;
  const layerName = node ? (layout!.columns[node.layer]?.name ?? '') : '';
  const labels = result.circuits.map((c, i) => (result.circuits.length === 2 ? `${i === 0 ? 'A' : 'B'}: ${c.state.label}` : c.state.label));
  return (
    <aside className="sub-side" data-testid="sub-side">
      <section data-testid="sub-circuits">
        <h3>Circuits</h3>
        {result.circuits.map((c, i) => (
          <div key={c.state.ref} className="sub-circuit">
            <div>
              <span className="swatch" style={{ background: stateColour(i, dark) }} />
              <b>{labels[i]}</b>
            </div>
            <div className="muted" data-testid={`sub-logit-${i}`}>
              mean “{result.class.name}” logit {formatValue(c.logit)} · {formatInt(c.edges.length)} edges returned · {c.layers.reduce((a, l) => a + l.units.length, 0)} units
            </div>
          </div>
        ))}
        <div className="muted">
          attributions averaged over {formatInt(result.images)} “{result.class.name}” images
        </div>
      </section>
      {sh && (
        <section data-testid="sub-share">
          <h3>Shared by A and B</h3>
          <table className="kv">
            <tbody>
              <tr>
                <th>units</th>
                <td data-testid="sub-share-units">
                  {formatInt(sh.units)} vs. {sh.expectedUnits.toFixed(1)} by chance ({ratio(sh.units, sh.expectedUnits)}) · Jaccard {sh.unitJaccard === null ? '—' : sh.unitJaccard.toFixed(3)}
                </td>
              </tr>
              <tr>
                <th>edges</th>
                <td data-testid="sub-share-edges">
                  {formatInt(sh.edges)} vs. {sh.expectedEdges.toFixed(1)} by chance ({ratio(sh.edges, sh.expectedEdges)}) · Jaccard {sh.edgeJaccard === null ? '—' : sh.edgeJaccard.toFixed(3)}
                </td>
              </tr>
              {scene && (
                <tr>
                  <th>in the edges shown</th>
                  <td data-testid="sub-share-shown">
                    {formatInt(scene.shownShared)} shared of {formatInt(scene.shownA)} (A) and {formatInt(scene.shownB)} (B)
                  </td>
                </tr>
              )}
            </tbody>
          </table>
          <p className="muted small">
            Chance: each state’s selected units (edges) drawn at random from its layers, at the same counts; computed by the core for the {formatInt(result.unitsPerLayer)} units per
            layer and {formatInt(result.edgeBudget)} edges requested.
          </p>
        </section>
      )}
      <section data-testid="sub-details">
        <h3>Unit</h3>
        {!node && <p className="muted">Click a unit (or focus the graph and use the arrow keys and Enter) for its numbers.</p>}
        {node && layout && (
          <>
            <div className="tt-head" data-testid="sub-detail-title">
              {layerName} #{node.unit}
            </div>
            <table className="kv">
              <tbody>
                {node.attr.map((a, i) => (
                  <tr key={i}>
                    <th>
                      <span className="swatch" style={{ background: stateColour(i, dark) }} />
                      {result.circuits.length === 2 ? (i === 0 ? 'A' : 'B') : 'attribution'}
                    </th>
                    <td data-testid={`sub-detail-attr-${i}`}>{a === null ? 'not selected' : `${formatValue(a)} · rank ${node.rank[i]! + 1} of ${result.circuits[i]!.layers[node.layer]!.units.length}`}</td>
                  </tr>
                ))}
                {scene &&
                  (() => {
                    const inc = scene.edges.filter((e) => layout.edges[e.c]!.to[e.i] === selected);
                    const out = scene.edges.filter((e) => layout.edges[e.c]!.from[e.i] === selected);
                    const sum = (l: typeof inc) => l.reduce((acc, e) => acc + e.attribution, 0);
                    return (
                      <>
                        <tr>
                          <th>incoming edges shown</th>
                          <td>
                            {inc.length} (Σ {formatValue(sum(inc))})
                          </td>
                        </tr>
                        <tr>
                          <th>outgoing edges shown</th>
                          <td>
                            {out.length} (Σ {formatValue(sum(out))})
                          </td>
                        </tr>
                      </>
                    );
                  })()}
              </tbody>
            </table>
            {layerName !== 'input' && (
              <p>
                {result.circuits.map((c, i) =>
                  node.attr[i] !== null ? (
                    <button key={c.state.ref} type="button" className="link" onClick={() => onOpenUnit(c.state.ref, layerName, node.unit)} data-testid={`sub-open-unit-${i}`}>
                      activation maps of {layerName} #{node.unit} ({result.circuits.length === 2 ? (i === 0 ? 'A' : 'B') : c.state.label})
                    </button>
                  ) : null,
                )}
              </p>
            )}
          </>
        )}
      </section>
    </aside>
  );
}
