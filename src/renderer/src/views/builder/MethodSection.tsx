// The experiment builder's method section: the method by kind (prefilled from a preset of that kind when there is
// one), its fields from the method's own schema (so methods the engine adds get a form), the controls as a
// checklist and the rounds they train as a list, the JSON of a method the form has no schema for, and the IMP
// density schedule.
import { useState } from 'react';
import { CONTROL_KINDS, type ExperimentConfig } from '../../../../shared/config';
import { kindInfo } from '../../app/kinds';
import { initialValue, methodVariants, type Path } from './draft';
import { ChecklistField, IntListField, SchemaField, useForm, type FieldText } from './fields';
import { ObjectiveField } from './objective';

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

export function MethodSection({ presets, densities }: { presets: readonly { config: ExperimentConfig }[]; densities: string | null }) {
  const { draft, set } = useForm();
  const variants = methodVariants();
  const method = (draft.method ?? {}) as Record<string, unknown>;
  const kind = typeof method.kind === 'string' ? method.kind : '';
  const variant = variants.get(kind);
  const setKind = (k: string) => {
    const fromPreset = presets.find((p) => p.config.method.kind === k)?.config.method;
    const v = variants.get(k);
    set(['method'], fromPreset ? structuredClone(fromPreset) : v ? initialValue(v) : { kind: k });
  };
  return (
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
                  hint="run beside the ticket on its masks, at every round or at the rounds chosen below: they tell a ticket from a mere density"
                  options={s.items.enum.map((v) => ({ value: String(v), label: String(v), title: kindInfo(String(v)).description }))}
                />
              ) : k === 'objective' ? (
                <ObjectiveField key={k} />
              ) : k === 'controlRounds' ? (
                <IntListField
                  key={k}
                  path={['method', k]}
                  label="controls at rounds"
                  hint="comma-separated rounds the controls train, e.g. 3, 7, 12 (leave empty for every round); the ticket trains every round"
                  placeholder="every round"
                  optional
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
