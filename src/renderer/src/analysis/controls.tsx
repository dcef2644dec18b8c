// Small controls the selectivity, activation-map and subcircuit views share: a number field that commits on Enter or
// blur (so typing "0.95" does not start three computations), a class picker by name, and a list of up to four
// compared states, each with its colour swatch, built on StatePicker.
import { useId, useState, type ReactNode } from 'react';
import type { StateInfo } from '../../../shared/analysis';
import { stateColour } from '../charts/analysis-palette';
import { classLabel } from './nets';
import { StatePicker } from './StatePicker';

export function NumberField(props: {
  label: string;
  value: number;
  min: number;
  max: number;
  step?: number;
  integer?: boolean;
  onCommit: (v: number) => void;
  testId: string;
  title?: string;
  width?: number;
  disabled?: boolean;
}) {
  const { label, value, min, max, step, integer, onCommit, testId, title, width = 64, disabled } = props;
  const id = useId();
  const [draft, setDraft] = useState(String(value));
  // A new value from outside replaces the draft (adjusted while rendering, not in an effect).
  const [followed, setFollowed] = useState(value);
  if (followed !== value) {
    setFollowed(value);
    setDraft(String(value));
  }
  const parsed = Number(draft);
  const valid = draft.trim() !== '' && Number.isFinite(parsed) && parsed >= min && parsed <= max && (!integer || Number.isInteger(parsed));
  const commit = () => {
    if (valid && parsed !== value) onCommit(parsed);
    else if (!valid) setDraft(String(value));
  };
  return (
    <span className="field-inline av-number" title={title}>
      <label htmlFor={id} className="muted">
        {label}
      </label>
      <input
        id={id}
        type="number"
        inputMode={integer ? 'numeric' : 'decimal'}
        value={draft}
        min={min}
        max={max}
        step={step ?? (integer ? 1 : 'any')}
        style={{ width }}
        aria-invalid={!valid}
        disabled={disabled}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
          if (e.key === 'Escape') setDraft(String(value));
        }}
        data-testid={testId}
      />
    </span>
  );
}

export function ClassPicker({ names, value, onChange, testId, label = 'class' }: { names: readonly string[]; value: number; onChange: (i: number) => void; testId: string; label?: string }) {
  const id = useId();
  return (
    <span className="field-inline">
      <label htmlFor={id} className="muted">
        {label}
      </label>
      <select id={id} value={value} onChange={(e) => onChange(Number(e.target.value))} data-testid={testId}>
        {names.map((n, i) => (
          <option key={i} value={i}>
            {classLabel(names, i)}
          </option>
        ))}
      </select>
    </span>
  );
}

export function Select<T extends string>(props: { label: string; value: T; options: readonly { value: T; label: string }[]; onChange: (v: T) => void; testId: string; title?: string }) {
  const { label, value, options, onChange, testId, title } = props;
  const id = useId();
  return (
    <span className="field-inline" title={title}>
      <label htmlFor={id} className="muted">
        {label}
      </label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value as T)} data-testid={testId}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </span>
  );
}

/** Select options from a value → label record, in its order. */
export const optionsOf = <T extends string>(o: Record<T, string>): { value: T; label: string }[] => (Object.keys(o) as T[]).map((value) => ({ value, label: o[value] }));

const withWeights = (s: StateInfo) => s.hasWeights;

/**
 * Up to `max` states, each with its colour (the colour its data has in the charts), a remove button and an add
 * button; `extra` goes after the list (e.g. the one-click comparison).
 */
export function StateList(props: {
  states: StateInfo[];
  value: string[];
  onChange: (refs: string[]) => void;
  max: number;
  dark: boolean;
  testId: string;
  extra?: ReactNode;
}) {
  const { states, value, onChange, max, dark, testId, extra } = props;
  const rows = value.length ? value : [''];
  const addable = states.filter(withWeights).find((s) => !value.includes(s.ref));
  return (
    <div className="av-states" data-testid={testId} data-count={value.length}>
      {rows.map((ref, i) => (
        <span key={i} className="av-state-row">
          <span className="swatch av-swatch" style={{ background: stateColour(i, dark) }} aria-hidden="true" />
          <StatePicker
            label={`state ${i + 1}`}
            states={states}
            value={ref || null}
            filter={withWeights}
            onChange={(r) => {
              const next = [...value];
              if (i < next.length) next[i] = r;
              else next.push(r);
              onChange(next.filter((x, j) => next.indexOf(x) === j));
            }}
            testId={`${testId}-${i}`}
          />
          {value.length > 1 && i < value.length && (
            <button
              type="button"
              className="btn small av-remove"
              aria-label={`remove state ${i + 1}`}
              title="Remove this state from the comparison"
              onClick={() => onChange(value.filter((_, j) => j !== i))}
              data-testid={`${testId}-remove-${i}`}
            >
              ×
            </button>
          )}
        </span>
      ))}
      {value.length > 0 && value.length < max && addable && (
        <button type="button" className="btn small" onClick={() => onChange([...value, addable.ref])} data-testid={`${testId}-add`} title={`Compare up to ${max} states`}>
          + state
        </button>
      )}
      {extra}
    </div>
  );
}
