// A labelled <select> of stored states, grouped by experiment (optgroup), each option showing StateInfo.label.
// Keyboard-accessible as a native select; the label is the accessible name.
import { useId, useMemo } from 'react';
import type { StateInfo } from '../../../shared/analysis';

export interface StatePickerProps {
  /** Visible label, also the accessible name, e.g. "state A". */
  label: string;
  states: StateInfo[];
  /** The selected state's ref; null or a ref not in the list shows "— choose a state —". */
  value: string | null;
  onChange: (ref: string) => void;
  /** Only states for which this returns true are offered (e.g. `(s) => s.hasWeights`). */
  filter?: (s: StateInfo) => boolean;
  testId: string;
  disabled?: boolean;
  /** Extra text after the label (muted), e.g. what the state is used for. */
  hint?: string;
}

/** Groups states by experiment, keeping the order of the list (listStates orders them). */
export function groupByExperiment(states: StateInfo[]): { name: string; states: StateInfo[] }[] {
  const groups = new Map<string, StateInfo[]>();
  for (const s of states) {
    const key = `${s.experimentName} · ${s.arch} on ${s.dataset}`;
    const g = groups.get(key);
    if (g) g.push(s);
    else groups.set(key, [s]);
  }
  return [...groups].map(([name, list]) => ({ name, states: list }));
}

export function StatePicker({ label, states, value, onChange, filter, testId, disabled, hint }: StatePickerProps) {
  const id = useId();
  const shown = useMemo(() => (filter ? states.filter(filter) : states), [states, filter]);
  const groups = useMemo(() => groupByExperiment(shown), [shown]);
  const known = value !== null && shown.some((s) => s.ref === value);
  return (
    <span className="field-inline state-picker">
      <label htmlFor={id} className="muted">
        {label}
        {hint && <span className="picker-hint"> ({hint})</span>}
      </label>
      <select
        id={id}
        value={known ? value : ''}
        onChange={(e) => e.target.value && onChange(e.target.value)}
        disabled={disabled || shown.length === 0}
        data-testid={testId}
        data-value={known ? value : ''}
      >
        {!known && (
          <option value="" disabled>
            {shown.length ? '— choose a state —' : 'no stored state'}
          </option>
        )}
        {groups.map((g) => (
          <optgroup key={g.name} label={g.name}>
            {g.states.map((s) => (
              <option key={s.ref} value={s.ref} title={s.ref}>
                {s.label}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
    </span>
  );
}
