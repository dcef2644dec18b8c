// Form fields bound to a path in the draft, each showing the schema's messages for that path inline.
import { createContext, useContext, useId, useState, type ReactNode } from 'react';
import { getAt, pathKey, rangeHint, type Draft, type Issue, type JsonSchema, type Path } from './draft';

export interface FormCtx {
  draft: Draft;
  set: (path: Path, value: unknown) => void;
  issuesAt: (path: Path) => Issue[];
}

export const Form = createContext<FormCtx | null>(null);

export function useForm(): FormCtx {
  const f = useContext(Form);
  if (!f) throw new Error('field outside a form');
  return f;
}

interface FieldProps {
  path: Path;
  label: string;
  hint?: ReactNode;
  children: (p: { id: string; invalid: boolean; describedBy: string | undefined }) => ReactNode;
  wide?: boolean;
}

export function Field({ path, label, hint, children, wide }: FieldProps) {
  const { issuesAt } = useForm();
  const id = useId();
  const issues = issuesAt(path);
  const hintId = hint ? `${id}-hint` : undefined;
  const errId = issues.length ? `${id}-err` : undefined;
  const describedBy = [hintId, errId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${issues.length ? ' invalid' : ''}${wide ? ' wide' : ''}`} data-field={pathKey(path)}>
      <label htmlFor={id}>{label}</label>
      {children({ id, invalid: issues.length > 0, describedBy })}
      {hint && (
        <div id={hintId} className="field-hint">
          {hint}
        </div>
      )}
      {issues.length > 0 && (
        <div id={errId} className="field-error" role="alert" data-testid="field-error">
          {issues.map((i) => i.message).join('; ')}
        </div>
      )}
    </div>
  );
}

/**
 * A value typed as text and parsed on every change (`toValue`; undefined removes the key). The text follows changes
 * of the value from outside (a preset, pasted JSON) unless the text typed already means the same value (`same`), so
 * "0.50" is not rewritten to "0.5" while typing.
 */
function ParsedTextField(props: {
  field: { path: Path; label: string; hint?: ReactNode };
  inputMode?: 'decimal';
  placeholder: string | undefined;
  shown: string;
  same: (text: string) => boolean;
  toValue: (text: string) => unknown;
}) {
  const { path, label, hint } = props.field;
  const { set } = useForm();
  const [text, setText] = useState(props.shown);
  const [followed, setFollowed] = useState(props.shown);
  if (followed !== props.shown) {
    setFollowed(props.shown);
    setText((t) => (props.same(t) ? t : props.shown));
  }
  return (
    <Field path={path} label={label} hint={hint}>
      {({ id, invalid, describedBy }) => (
        <input
          id={id}
          type="text"
          inputMode={props.inputMode}
          value={text}
          placeholder={props.placeholder}
          aria-invalid={invalid}
          aria-describedby={describedBy}
          onChange={(e) => {
            setText(e.target.value);
            set(path, props.toValue(e.target.value));
          }}
        />
      )}
    </Field>
  );
}

/** Numbers are typed as text, so "1e-3" or a half-typed "0." is not fought; what is not a number stays a string
 *  in the draft and the schema says so. Empty + optional removes the key. */
export function NumberField({ path, label, hint, optional, placeholder }: { path: Path; label: string; hint?: ReactNode; optional?: boolean; placeholder?: string }) {
  const value = getAt(useForm().draft, path);
  return (
    <ParsedTextField
      field={{ path, label, hint }}
      inputMode="decimal"
      placeholder={placeholder ?? (optional ? 'optional' : undefined)}
      shown={value === undefined ? '' : String(value)}
      same={(t) => parseNumber(t) === value || (t === '' && value === undefined)}
      toValue={(t) => (t.trim() === '' && optional ? undefined : parseNumber(t))}
    />
  );
}

function parseNumber(t: string): number | string {
  const s = t.trim();
  if (s === '') return t;
  const n = Number(s);
  return Number.isFinite(n) ? n : t;
}

export function TextField({ path, label, hint, optional, multiline }: { path: Path; label: string; hint?: ReactNode; optional?: boolean; multiline?: boolean }) {
  const { draft, set } = useForm();
  const value = getAt(draft, path);
  const text = typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
  return (
    <Field path={path} label={label} hint={hint} wide={multiline}>
      {({ id, invalid, describedBy }) =>
        multiline ? (
          <textarea
            id={id}
            rows={2}
            value={text}
            aria-invalid={invalid}
            aria-describedby={describedBy}
            onChange={(e) => set(path, e.target.value === '' && optional ? undefined : e.target.value)}
          />
        ) : (
          <input
            id={id}
            type="text"
            value={text}
            aria-invalid={invalid}
            aria-describedby={describedBy}
            onChange={(e) => set(path, e.target.value === '' && optional ? undefined : e.target.value)}
          />
        )
      }
    </Field>
  );
}

/** A select; with `optional`, an empty first option removes the key (the schema's default applies). */
export function SelectField({ path, label, hint, options, optional }: { path: Path; label: string; hint?: ReactNode; options: readonly { value: string; label: string }[]; optional?: string }) {
  const { draft, set } = useForm();
  const value = getAt(draft, path);
  const known = options.some((o) => o.value === value);
  return (
    <Field path={path} label={label} hint={hint}>
      {({ id, invalid, describedBy }) => (
        <select
          id={id}
          value={value === undefined ? '' : String(value)}
          aria-invalid={invalid}
          aria-describedby={describedBy}
          onChange={(e) => set(path, e.target.value === '' && optional !== undefined ? undefined : e.target.value)}
        >
          {optional !== undefined && <option value="">{optional}</option>}
          {!known && value !== undefined && <option value={String(value)}>{String(value)} (not a valid choice)</option>}
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** Seeds as "0, 1, 2"; anything that is not a list of integers stays text and fails validation. */
export function SeedsField({ path }: { path: Path }) {
  return <IntListField path={path} label="seeds (replicates)" hint="comma-separated integers; one run (plus its controls) per seed" />;
}

/** A list of integers typed as "3, 7, 12"; with `optional`, empty text removes the key (the schema's default applies). */
export function IntListField({ path, label, hint, optional, placeholder }: { path: Path; label: string; hint?: ReactNode; optional?: boolean; placeholder?: string }) {
  const value = getAt(useForm().draft, path);
  return (
    <ParsedTextField
      field={{ path, label, hint }}
      placeholder={placeholder}
      shown={Array.isArray(value) ? value.join(', ') : typeof value === 'string' ? value : ''}
      same={(t) => JSON.stringify(parseIntList(t)) === JSON.stringify(value) || (t.trim() === '' && value === undefined)}
      toValue={(t) => (optional && t.trim() === '' ? undefined : parseIntList(t))}
    />
  );
}

function parseIntList(t: string): number[] | string {
  const parts = t.split(/[\s,]+/).filter(Boolean);
  const nums = parts.map(Number);
  return parts.length && nums.every((n) => Number.isInteger(n)) ? nums : t;
}

/** A list of choices from an enum, as checkboxes (e.g. the controls). */
export function ChecklistField({ path, label, hint, options }: { path: Path; label: string; hint?: ReactNode; options: readonly { value: string; label: string; title?: string }[] }) {
  const { draft, set, issuesAt } = useForm();
  const value = getAt(draft, path);
  const list = Array.isArray(value) ? (value as unknown[]) : [];
  const issues = issuesAt(path);
  return (
    <fieldset className={`field checklist${issues.length ? ' invalid' : ''}`} data-field={pathKey(path)}>
      <legend>{label}</legend>
      <div className="checks">
        {options.map((o) => (
          <label key={o.value} title={o.title}>
            <input
              type="checkbox"
              checked={list.includes(o.value)}
              onChange={(e) => {
                const next = e.target.checked ? [...list.filter((v) => v !== o.value), o.value] : list.filter((v) => v !== o.value);
                // Keep the schema's order, so the same choice is the same config (and the same experiment id).
                set(path, options.map((x) => x.value).filter((v) => next.includes(v)));
              }}
            />{' '}
            {o.label}
          </label>
        ))}
      </div>
      {hint && <div className="field-hint">{hint}</div>}
      {issues.length > 0 && (
        <div className="field-error" role="alert" data-testid="field-error">
          {issues.map((i) => i.message).join('; ')}
        </div>
      )}
    </fieldset>
  );
}

export function BoolField({ path, label, hint }: { path: Path; label: string; hint?: ReactNode }) {
  const { draft, set } = useForm();
  return (
    <Field path={path} label={label} hint={hint}>
      {({ id, describedBy }) => (
        <input id={id} type="checkbox" checked={getAt(draft, path) === true} aria-describedby={describedBy} onChange={(e) => set(path, e.target.checked)} />
      )}
    </Field>
  );
}

export interface FieldText {
  label: string;
  hint?: string;
  /** Option labels for enum values. */
  options?: Record<string, string>;
}

/** One field for a schema node; objects become nested groups. Used for the method's parameters. */
export function SchemaField({ path, schema, text, required }: { path: Path; schema: JsonSchema; text: (path: Path) => FieldText; required: boolean }) {
  const t = text(path);
  const hint = [t.hint ?? schema.description, schema.type === 'number' || schema.type === 'integer' ? rangeHint(schema) : '']
    .filter(Boolean)
    .join(' · ');
  const optional = !required;
  const dflt = schema.default !== undefined ? `default ${JSON.stringify(schema.default)}` : undefined;
  if (schema.enum && schema.type !== 'array') {
    return (
      <SelectField
        path={path}
        label={t.label}
        hint={hint || undefined}
        options={schema.enum.map((v) => ({ value: String(v), label: t.options?.[String(v)] ?? String(v) }))}
        optional={optional ? (dflt ? `(${dflt})` : '(not set)') : undefined}
      />
    );
  }
  if (schema.type === 'array' && schema.items?.enum) {
    return <ChecklistField path={path} label={t.label} hint={hint || undefined} options={schema.items.enum.map((v) => ({ value: String(v), label: t.options?.[String(v)] ?? String(v) }))} />;
  }
  if (schema.type === 'object' && schema.properties) {
    return (
      <fieldset className="field group" data-field={pathKey(path)}>
        <legend>{t.label}</legend>
        {t.hint && <div className="field-hint">{t.hint}</div>}
        <div className="group-fields">
          {Object.entries(schema.properties).map(([k, s]) => (
            <SchemaField key={k} path={[...path, k]} schema={s} text={text} required={schema.required?.includes(k) ?? false} />
          ))}
        </div>
        <GroupIssues path={path} />
      </fieldset>
    );
  }
  if (schema.type === 'boolean') return <BoolField path={path} label={t.label} hint={hint || undefined} />;
  if (schema.type === 'number' || schema.type === 'integer') {
    return <NumberField path={path} label={t.label} hint={hint || undefined} optional={optional} placeholder={dflt ?? (optional ? 'optional' : undefined)} />;
  }
  return <TextField path={path} label={t.label} hint={hint || undefined} optional={optional} />;
}

function GroupIssues({ path }: { path: Path }) {
  const { issuesAt } = useForm();
  const issues = issuesAt(path);
  if (!issues.length) return null;
  return (
    <div className="field-error" role="alert" data-testid="field-error">
      {issues.map((i) => i.message).join('; ')}
    </div>
  );
}
