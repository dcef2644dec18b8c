// The experiment builder's side panel: whether the config is valid (and what is wrong), what it trains, the id the
// core will give it (and whether that experiment exists), Start, and the config as JSON to copy, paste or read.
import { useState } from 'react';
import type { ExperimentSummary } from '../../../../shared/contract';
import { formatInt } from '../../app/format';
import type { Draft, Validation } from './draft';

function copyText(text: string): Promise<void> {
  if (navigator.clipboard?.writeText) return navigator.clipboard.writeText(text);
  return Promise.reject(new Error('clipboard not available'));
}

export interface BuilderSideProps {
  validation: Validation;
  /** The config as shown and copied (the parsed one when valid, else the draft). */
  json: string;
  plan: string | null;
  expId: string | null;
  /** The experiment with that id, when it exists. */
  existing: ExperimentSummary | undefined;
  starting: boolean;
  startError: string | null;
  onStart: () => void;
  /** Pasted JSON to load into the form. */
  onLoad: (draft: Draft) => void;
}

export function BuilderSide({ validation, json, plan, expId, existing, starting, startError, onStart, onLoad }: BuilderSideProps) {
  const [copied, setCopied] = useState<string | null>(null);
  const [jsonOpen, setJsonOpen] = useState(false);
  const [jsonText, setJsonText] = useState('');
  const [jsonError, setJsonError] = useState<string | null>(null);
  return (
    <aside className="builder-side" aria-label="Config as JSON">
      <div className={`validity ${validation.ok ? 'ok' : 'bad'}`} data-testid="builder-validity" role="status">
        {validation.ok ? (
          <>✓ valid experiment config (version 1)</>
        ) : (
          <>
            ✗ {validation.issues.length} problem{validation.issues.length === 1 ? '' : 's'}:
            <ul>
              {validation.issues.map((i) => (
                <li key={`${i.path}:${i.message}`}>
                  <code>{i.path || 'config'}</code>: {i.message}
                </li>
              ))}
            </ul>
          </>
        )}
      </div>
      {plan && <p className="plan" data-testid="builder-plan">Trains {plan}.</p>}
      {expId && (
        <p className="muted exp-id">
          experiment id <code data-testid="builder-experiment-id">{expId}</code>
          {existing && (
            <span className="warn-text">
              {' '}
              — the same config as “{existing.name}” ({formatInt(existing.runCounts.total)} runs); starting adds new runs to it.
            </span>
          )}
        </p>
      )}
      <div className="side-actions">
        <button type="button" className="btn primary" disabled={!validation.ok || starting} onClick={onStart} data-testid="builder-start">
          {starting ? 'Starting…' : 'Start experiment'}
        </button>
        <button
          type="button"
          className="btn"
          onClick={() =>
            copyText(json).then(
              () => setCopied('Copied.'),
              (e: unknown) => setCopied(`Copy failed (${e instanceof Error ? e.message : String(e)}): select the text instead.`),
            )
          }
          data-testid="copy-config"
        >
          Copy JSON
        </button>
        <button
          type="button"
          className="btn"
          aria-expanded={jsonOpen}
          onClick={() => {
            setJsonOpen((o) => !o);
            setJsonText(json);
            setJsonError(null);
          }}
        >
          Paste JSON…
        </button>
        {copied && (
          <span className="muted" role="status" data-testid="copy-status">
            {copied}
          </span>
        )}
      </div>
      {startError && <p className="error-text">{startError}</p>}
      {jsonOpen && (
        <div className="json-edit">
          <textarea value={jsonText} onChange={(e) => setJsonText(e.target.value)} rows={12} aria-label="Experiment config JSON to load" spellCheck={false} />
          <div className="side-actions">
            <button
              type="button"
              className="btn small"
              onClick={() => {
                try {
                  const v: unknown = JSON.parse(jsonText);
                  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('expected a JSON object');
                  onLoad(v as Draft);
                  setJsonOpen(false);
                } catch (e) {
                  setJsonError(e instanceof Error ? e.message : String(e));
                }
              }}
            >
              Load into the form
            </button>
            {jsonError && <span className="error-text">{jsonError}</span>}
          </div>
        </div>
      )}
      <pre className="config-json-view" data-testid="config-json" tabIndex={0}>
        {json}
      </pre>
      <p className="muted small">
        The same file runs headless: <code>ticketscope run CONFIG.json</code>
      </p>
    </aside>
  );
}
