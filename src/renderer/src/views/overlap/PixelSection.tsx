// The pixel view section of the mask overlap view: one layer's weight matrix coloured by the masks of A and B.
import { useState } from 'react';
import type { OverlapResult } from '../../../../shared/analysis';
import type { AnalysisViewProps } from '../../analysis/types';
import { formatInt } from '../../app/format';
import { MaskPixelView } from '../../charts/MaskPixelView';
import { layerRows } from '../../charts/overlap-data';

export function PixelSection(props: {
  api: AnalysisViewProps['api'];
  result: OverlapResult;
  dark: boolean;
  width: number;
  stem: string;
  onError: (m: string) => void;
}) {
  const { api, result, dark, width, stem, onError } = props;
  const [layer, setLayer] = useState<string | null>(null);
  const l = result.layers.find((x) => x.layer === layer) ?? result.layers[0];
  if (!l) return null;
  return (
    <section className="chart-card pixel-card" data-testid="pixel-section" style={{ width }}>
      <div className="section-head">
        <h3>Mask pixels</h3>
        <label className="field-inline">
          <span className="muted">layer</span>
          <select value={l.layer} onChange={(e) => setLayer(e.target.value)} data-testid="pixels-layer">
            {result.layers.map((x) => (
              <option key={x.layer} value={x.layer}>
                {x.layer} — {formatInt(layerRows(x))} × {formatInt(x.units)} ({x.kind})
              </option>
            ))}
          </select>
        </label>
        <span className="muted small">
          rows: fan-in · columns: output {l.kind === 'conv' ? 'channels' : 'units'}
        </span>
      </div>
      <MaskPixelView
        api={api}
        a={result.a.ref}
        b={result.b.ref}
        layer={l.layer}
        rows={layerRows(l)}
        cols={l.units}
        width={width - 20}
        height={512}
        dark={dark}
        labelA={result.a.label}
        labelB={result.b.label}
        stem={`${stem}-${l.layer}-pixels`}
        onError={onError}
      />
    </section>
  );
}
