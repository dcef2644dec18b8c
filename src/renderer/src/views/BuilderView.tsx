// Experiment builder: a form over the experiment config schema, prefilled from a preset, validated with the core's
// own zod schema as you type (messages inline), the config as JSON to copy or paste, and Start.
import { useEffect, useMemo, useState } from 'react';
import { ARCHS, CONTROL_KINDS, DATASETS, IMPLEMENTED_ARCHS, IMPLEMENTED_DATASETS, identityOfConfig } from '../../../shared/config';
import type { AppInfo, ExperimentSummary } from '../../../shared/contract';
import { formatInt } from '../app/format';
import { kindInfo } from '../app/kinds';
import { experimentIdOf, initialValue, methodVariants, pathKey, planText, setAt, validate, type Draft, type Path } from './builder/draft';
import { ChecklistField, Form, NumberField, SchemaField, SeedsField, SelectField, TextField, useForm, type FieldText, type FormCtx } from './builder/fields';
import { RegularisationFields } from './builder/regularisation';

export interface BuilderViewProps {
  info: AppInfo | null;
  /** Preset to prefill from (from the URL). */
  presetArg: string | null;
  experiments: ExperimentSummary[];
  starting: boolean;
  onStart: (config: unknown) => Promise<boolean>;
}

const METHOD_TEXT: Record<string, FieldText> = {
  rounds: { label: 'pruning rounds', hint: 'after the dense round 0; round r keeps about (1 − rate)^r of each layer' },
  rates: {
    label: 'pruning rate per round, by layer role',
    hint: 'fraction of the REMAINING weights removed each round (Frankle & Carbin: conv 10–15%, fc 20%, output 10%)',
  },
  'rates.conv': { label: 'conv layers' },
  'rates.fc': { label: 'fully connected (hidden)' },
  'rates.output': { label: 'output layer' },
  ranking: {
    label: 'ranking',
    hint: 'layerwise: each layer pruned at its own rate; global: one magnitude threshold across conv and hidden fc',
    options: { layerwise: 'layerwise', global: 'global' },
  },
  globalRate: { label: 'global rate', hint: 'with global ranking: fraction of remaining conv + hidden fc weights removed per round (default: the fc rate)' },
  rewindIteration: {
    label: 'rewind to iteration',
    hint: '0 = the original initialisation (Frankle & Carbin 2019); k > 0 = rewinding (Frankle et al. 2020): pruned rounds restart at step k and train the remaining iterations − k',
  },
  controls: { label: 'controls (each a run per seed)', options: Object.fromEntries(CONTROL_KINDS.map((k) => [k, `${k} — ${kindInfo(k).description.replace(/^control: /, '')}`])) },
  density: { label: 'density (fraction of prunable weights kept)' },
};

function methodText(path: Path): FieldText {
  const key = path.slice(1).map(String).join('.');
  return METHOD_TEXT[key] ?? { label: String(path[path.length - 1]).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase() };
}

const opts = (values: readonly string[], implemented: readonly string[]) =>
  values.map((v) => ({ value: v, label: implemented.includes(v) ? v : `${v} (not in this version)` }));

function copyText(text: string): Promise<void> {
  if (navigator.clipboard?.writeText) return navigator.clipboard.writeText(text);
  return Promise.reject(new Error('clipboard not available'));
}

export function BuilderView({ info, presetArg, experiments, starting, onStart }: BuilderViewProps) {
  const presets = useMemo(() => info?.presets ?? [], [info]);
  const initialPreset = presets.find((p) => p.name === presetArg)?.name ?? presets.find((p) => p.name === 'quick')?.name ?? presets[0]?.name ?? '';
  const [presetName, setPresetName] = useState(initialPreset);
  const preset = presets.find((p) => p.name === presetName);
  const [draft, setDraft] = useState<Draft>(() => structuredClone((preset?.config ?? {}) as Draft));
  const [copied, setCopied] = useState<string | null>(null);
  const [jsonOpen, setJsonOpen] = useState(false);
  const [jsonText, setJsonText] = useState('');
  const [jsonError, setJsonError] = useState<string | null>(null);
  const [startError, setStartError] = useState<string | null>(null);
  const [expId, setExpId] = useState<string | null>(null);

  const loadPreset = (name: string) => {
    setPresetName(name);
    const p = presets.find((x) => x.name === name);
    if (p) setDraft(structuredClone(p.config as Draft));
    setStartError(null);
  };

  const validation = useMemo(() => validate(draft), [draft]);
  const issuesByPath = useMemo(() => {
    const m = new Map<string, { path: string; message: string }[]>();
    for (const i of validation.issues) m.set(i.path, [...(m.get(i.path) ?? []), i]);
    return m;
  }, [validation]);
  const ctx: FormCtx = useMemo(
    () => ({
      draft,
      set: (path, value) => setDraft((d) => setAt(d, path, value)),
      issuesAt: (path) => issuesByPath.get(pathKey(path)) ?? [],
    }),
    [draft, issuesByPath],
  );

  // The id the core will give this config, to tell when it is an experiment that already exists.
  const identity = validation.ok ? identityOfConfig(validation.config) : null;
  useEffect(() => {
    let stale = false;
    if (!identity) {
      setExpId(null);
      return;
    }
    experimentIdOf(identity).then(
      (id) => !stale && setExpId(id),
      () => !stale && setExpId(null),
    );
    return () => {
      stale = true;
    };
  }, [identity]);
  const existing = expId ? experiments.find((e) => e.experimentId === expId) : undefined;

  const variants = methodVariants();
  const method = (draft.method ?? {}) as Record<string, unknown>;
  const kind = typeof method.kind === 'string' ? method.kind : '';
  const variant = variants.get(kind);
  const setKind = (k: string) => {
    const fromPreset = presets.find((p) => p.config.method.kind === k)?.config.method;
    const v = variants.get(k);
    setDraft((d) => setAt(d, ['method'], fromPreset ? structuredClone(fromPreset) : v ? initialValue(v) : { kind: k }));
  };

  const dataset = typeof draft.dataset === 'string' ? draft.dataset : '';
  const synthetic = dataset.startsWith('synthetic-');
  const optimizerName = (draft.optimizer as { name?: unknown } | undefined)?.name;
  const json = JSON.stringify(validation.ok ? validation.config : draft, null, 2);
  const plan = validation.ok ? planText(validation.config as never) : null;
  const densities = impDensities(validation.ok ? validation.config.method : null);

  const start = () => {
    if (!validation.ok || starting) return;
    setStartError(null);
    void onStart(validation.config).then((ok) => !ok && setStartError('The core refused to start it (see the banner above).'));
  };

  return (
    <main className="main page builder" data-testid="view-builder" data-valid={validation.ok ? 'true' : 'false'}>
      <div className="builder-head">
        <h2>Experiment builder</h2>
        <label className="field-inline">
          <span className="muted">prefill from preset</span>
          <select value={presetName} onChange={(e) => loadPreset(e.target.value)} data-testid="builder-preset">
            {presets.map((p) => (
              <option key={p.name} value={p.name} title={p.description}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        {preset && (
          <span className="builder-preset-desc muted" title={preset.description}>
            {preset.description}
          </span>
        )}
      </div>
      <div className="builder-cols">
        <Form.Provider value={ctx}>
          <form className="builder-form" onSubmit={(e) => e.preventDefault()} aria-label="Experiment config" noValidate>
            <section>
              <h3>Experiment</h3>
              <div className="fields">
                <TextField path={['name']} label="name" hint="for people; the id is a hash of everything else" />
                <TextField path={['description']} label="description" optional multiline />
              </div>
            </section>
            <section>
              <h3>Method</h3>
              <div className="fields">
                <div className="field">
                  <label htmlFor="method-kind">method</label>
                  <select id="method-kind" value={kind} onChange={(e) => setKind(e.target.value)} data-testid="method-kind">
                    {!variants.has(kind) && <option value={kind}>{kind || '(none)'}</option>}
                    {[...variants.keys()].map((k) => (
                      <option key={k} value={k}>
                        {k} — {kindInfo(k).label}
                      </option>
                    ))}
                  </select>
                  <div className="field-hint">{kindInfo(kind).description}</div>
                </div>
                {variant?.properties &&
                  Object.entries(variant.properties)
                    .filter(([k]) => k !== 'kind')
                    .map(([k, s]) =>
                      k === 'controls' && s.items?.enum ? (
                        <ChecklistField
                          key={k}
                          path={['method', k]}
                          label={METHOD_TEXT.controls!.label}
                          hint="run beside the ticket, from round 1, on the ticket’s masks: they tell a ticket from a mere density"
                          options={s.items.enum.map((v) => ({ value: String(v), label: String(v), title: kindInfo(String(v)).description }))}
                        />
                      ) : (
                        <SchemaField key={k} path={['method', k]} schema={s} text={methodText} required={variant.required?.includes(k) ?? false} />
                      ),
                    )}
                {!variant && <MethodJson />}
              </div>
              {densities && (
                <p className="field-hint densities" data-testid="imp-densities">
                  Weights remaining by round (layerwise): {densities}
                </p>
              )}
            </section>
            <section>
              <h3>Data</h3>
              <div className="fields">
                <SelectField path={['dataset']} label="data set" options={opts(DATASETS, IMPLEMENTED_DATASETS)} hint={synthetic ? 'generated on the fly, no download; not comparable to published numbers' : 'import or fetch it first: ticketscope data list'} />
                <NumberField path={['validation']} label="validation examples" hint="held out of the training set (at least 1); early stopping uses their loss, never the test set's" />
                {synthetic && (
                  <>
                    <label className="field check-inline">
                      <input
                        type="checkbox"
                        checked={draft.synthetic !== undefined}
                        onChange={(e) => ctx.set(['synthetic'], e.target.checked ? { train: 12000, test: 2000 } : undefined)}
                        data-testid="synthetic-size"
                      />{' '}
                      set the generated set’s size
                    </label>
                    {draft.synthetic !== undefined && (
                      <>
                        <NumberField path={['synthetic', 'train']} label="synthetic train examples" />
                        <NumberField path={['synthetic', 'test']} label="synthetic test examples" />
                      </>
                    )}
                  </>
                )}
              </div>
            </section>
            <section>
              <h3>Network and training</h3>
              <div className="fields">
                <SelectField path={['arch']} label="architecture" options={opts(ARCHS, IMPLEMENTED_ARCHS)} />
                <SelectField path={['optimizer', 'name']} label="optimizer" options={[{ value: 'adam', label: 'adam' }, { value: 'sgd', label: 'sgd' }]} />
                <NumberField path={['optimizer', 'lr']} label="learning rate" hint="e.g. 1.2e-3 (Adam, LeNet), 2e-4 / 3e-4 (Adam, Conv-2 / Conv-4,6)" />
                {(optimizerName === 'sgd' || (draft.optimizer as Record<string, unknown> | undefined)?.momentum !== undefined) && (
                  <NumberField path={['optimizer', 'momentum']} label="momentum" optional />
                )}
                <NumberField path={['optimizer', 'weightDecay']} label="weight decay" optional />
                <SelectField
                  path={['optimizer', 'schedule']}
                  label="learning-rate schedule"
                  options={[
                    { value: 'constant', label: 'constant' },
                    { value: 'cosine', label: 'cosine' },
                  ]}
                  optional="(default: constant)"
                />
                <NumberField path={['batchSize']} label="batch size" hint="examples per iteration" />
                <NumberField path={['iterations']} label="iterations per round" hint="minibatch steps; each round trains this many" />
                <NumberField path={['evalEvery']} label="evaluate every (iterations)" hint="train / validation / test metrics; early stopping picks among these" />
                <RegularisationFields />
                <SeedsField path={['seeds']} />
              </div>
            </section>
          </form>
        </Form.Provider>
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
            <button type="button" className="btn primary" disabled={!validation.ok || starting} onClick={start} data-testid="builder-start">
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
                      setDraft(v as Draft);
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
      </div>
    </main>
  );
}

/** For a method the form has no schema for: its JSON, edited as text. */
function MethodJson() {
  const { draft, set, issuesAt } = useForm();
  const [text, setText] = useState(() => JSON.stringify(draft.method ?? {}, null, 2));
  const [bad, setBad] = useState<string | null>(null);
  const issues = issuesAt(['method']);
  return (
    <div className="field wide">
      <label htmlFor="method-json">method (JSON)</label>
      <textarea
        id="method-json"
        rows={5}
        value={text}
        spellCheck={false}
        onChange={(e) => {
          setText(e.target.value);
          try {
            set(['method'], JSON.parse(e.target.value));
            setBad(null);
          } catch (err) {
            setBad(err instanceof Error ? err.message : String(err));
          }
        }}
      />
      {(bad || issues.length > 0) && <div className="field-error">{bad ?? issues.map((i) => i.message).join('; ')}</div>}
    </div>
  );
}

/** "conv 100 → 90 → 81%, fc 100 → 80 → 64%, ..." for an IMP method, else null. */
function impDensities(m: unknown): string | null {
  const method = m as { kind?: string; rounds?: number; rates?: Record<string, number>; ranking?: string } | null;
  if (!method || method.kind !== 'imp' || !method.rates || typeof method.rounds !== 'number' || method.ranking === 'global') return null;
  const rounds = Math.min(method.rounds, 12);
  return Object.entries(method.rates)
    .map(([role, rate]) => {
      const seq = Array.from({ length: rounds + 1 }, (_, r) => `${+((1 - rate) ** r * 100).toPrecision(3)}`);
      return `${role} ${seq.join(' → ')}%${method.rounds! > rounds ? ' …' : ''}`;
    })
    .join(' · ');
}
