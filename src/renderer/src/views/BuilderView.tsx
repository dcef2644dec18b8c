// Experiment builder: a form over the experiment config schema, prefilled from a preset, validated with the core's
// own zod schema as you type (messages inline), the config as JSON to copy or paste, and Start. The method's fields
// are builder/MethodSection.tsx, the JSON and Start panel builder/BuilderSide.tsx.
import { useMemo, useState } from 'react';
import { ARCHS, DATASETS } from '../../../shared/config';
import type { AppInfo, ExperimentSummary } from '../../../shared/contract';
import { experimentId } from '../../../shared/refs';
import { RouteNotice } from '../analysis/RouteNotice';
import { BuilderSide } from './builder/BuilderSide';
import { arrangeIssues, impDensities, pathKey, planText, setAt, validate, type Draft, type Issue } from './builder/draft';
import { Form, NumberField, SeedsField, SelectField, TextField, type FormCtx } from './builder/fields';
import { MethodSection } from './builder/MethodSection';
import { RegularisationFields } from './builder/regularisation';

export interface BuilderViewProps {
  info: AppInfo | null;
  /** Preset to prefill from (from the URL). */
  presetArg: string | null;
  experiments: ExperimentSummary[];
  starting: boolean;
  onStart: (config: unknown) => Promise<boolean>;
}

const opts = (values: readonly string[]) => values.map((v) => ({ value: v, label: v }));

export function BuilderView({ info, presetArg, experiments, starting, onStart }: BuilderViewProps) {
  const presets = useMemo(() => info?.presets ?? [], [info]);
  const initialPreset = presets.find((p) => p.name === presetArg)?.name ?? presets.find((p) => p.name === 'quick')?.name ?? presets[0]?.name ?? '';
  const [presetName, setPresetName] = useState(initialPreset);
  const unknownPreset = presetArg && !presets.some((p) => p.name === presetArg) ? presetArg : null;
  const preset = presets.find((p) => p.name === presetName);
  const [draft, setDraft] = useState<Draft>(() => structuredClone((preset?.config ?? {}) as Draft));
  const [startError, setStartError] = useState<string | null>(null);

  // The field edited last: a check across fields that its new value fails is shown there (draft.ts arrangeIssues).
  const [lastEdited, setLastEdited] = useState<string | null>(null);

  const loadPreset = (name: string) => {
    setPresetName(name);
    const p = presets.find((x) => x.name === name);
    if (p) setDraft(structuredClone(p.config as Draft));
    setLastEdited(null);
    setStartError(null);
  };

  const checked = useMemo(() => validate(draft), [draft]);
  const validation = useMemo(() => (checked.ok ? checked : { ...checked, issues: arrangeIssues(checked.issues, lastEdited) }), [checked, lastEdited]);
  const issuesByPath = useMemo(() => {
    const m = new Map<string, Issue[]>();
    for (const i of validation.issues) m.set(i.path, [...(m.get(i.path) ?? []), i]);
    return m;
  }, [validation]);
  const ctx: FormCtx = useMemo(
    () => ({
      draft,
      set: (path, value) => {
        setLastEdited(pathKey(path));
        setDraft((d) => setAt(d, path, value));
      },
      issuesAt: (path) => issuesByPath.get(pathKey(path)) ?? [],
    }),
    [draft, issuesByPath],
  );

  // The id the core will give this config, to tell when it is an experiment that already exists.
  const expId = useMemo(() => (validation.ok ? experimentId(validation.config) : null), [validation]);
  const existing = expId ? experiments.find((e) => e.experimentId === expId) : undefined;

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
      <RouteNotice problem={unknownPreset && `there is no preset “${unknownPreset}”`} shown={`the “${initialPreset}” preset`} />
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
            <MethodSection presets={presets} densities={densities} />
            <section>
              <h3>Data</h3>
              <div className="fields">
                <SelectField path={['dataset']} label="data set" options={opts(DATASETS)} hint={synthetic ? 'generated on the fly, no download; not comparable to published numbers' : 'import or fetch it first: ticketscope data list'} />
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
                <SelectField path={['arch']} label="architecture" options={opts(ARCHS)} />
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
        <BuilderSide
          validation={validation}
          json={json}
          plan={plan}
          expId={expId}
          existing={existing}
          starting={starting}
          startError={startError}
          onStart={start}
          onLoad={(d) => {
            setLastEdited(null);
            setDraft(d);
          }}
        />
      </div>
    </main>
  );
}

