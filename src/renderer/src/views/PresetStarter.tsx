// Start any preset from the Runs view: the presets that run here first, quickest first, each with its estimated time
// on this machine (the core's, from benchmark figures) and, before Start, the data set it needs when that is missing.
import { useMemo, useState } from 'react';
import type { AppInfo } from '../../../shared/contract';
import { formatInt } from '../app/format';
import { methodText } from '../app/kinds';
import { hrefOf } from '../app/routes';
import { defaultPreset, estimateLong, estimateShort, orderPresets } from './preset-order';

export function PresetStarter({ info, starting, onStart }: { info: AppInfo | null; starting: boolean; onStart: (p: string) => void }) {
  const presets = useMemo(() => orderPresets(info?.presets ?? []), [info]);
  const [picked, setPicked] = useState<string>('');
  const name = picked && presets.some((p) => p.name === picked) ? picked : defaultPreset(presets);
  const preset = presets.find((p) => p.name === name);
  const c = preset?.config;
  const missing = preset?.missingData ?? null;
  return (
    <div className="preset-starter" data-testid="preset-starter">
      <div className="run-row">
        <label htmlFor="preset-select" className="muted">
          preset
        </label>
        <select id="preset-select" value={name} onChange={(e) => setPicked(e.target.value)} data-testid="preset-select" disabled={presets.length === 0}>
          {presets.map((p) => {
            const est = estimateShort(p);
            return (
              <option key={p.name} value={p.name} title={p.description}>
                {p.name} — {p.config.arch} on {p.config.dataset}, {p.config.method.kind}
                {est && ` · ${est}`}
                {p.missingData && ` · needs ${p.missingData.dataset}`}
              </option>
            );
          })}
        </select>
        <button
          type="button"
          className="btn small"
          disabled={!preset || starting}
          onClick={() => preset && onStart(preset.name)}
          data-testid="start-preset"
          title={preset ? `Start the "${preset.name}" preset as it is${missing ? ` (first install ${missing.dataset}: ${missing.install})` : ''}` : undefined}
        >
          Start
        </button>
        <a className="btn small" href={hrefOf('builder', name || null)} title="Open this preset in the experiment builder to change it first">
          Edit…
        </a>
      </div>
      {preset && c && (
        <div className="preset-desc" title={preset.description} data-testid="preset-description">
          <span className="preset-facts">
            {methodText(c)} · {formatInt(c.iterations)} it · batch {c.batchSize} · {c.optimizer.name} lr {c.optimizer.lr} · seeds {c.seeds.join(', ')}
          </span>
          {preset.estimate && (
            <span className="preset-estimate" data-testid="preset-estimate" data-seconds={preset.estimate.seconds ?? ''} title={preset.estimate.basis}>
              {estimateLong(preset)}
            </span>
          )}
          {missing && (
            <span className="preset-missing warn-text" data-testid="preset-missing">
              The data set {missing.dataset} is not installed: run <code>{missing.install}</code> (or <code>ticketscope data import {missing.dataset} PATH</code>) before
              Start.
            </span>
          )}
          <span className="preset-text">{preset.description}</span>
        </div>
      )}
    </div>
  );
}
