// The builder's field for a supermask's `objective` (shared/objective.ts): the full classification loss (the default:
// the key left out) or one class against the rest, the class by name or index. The schema's union of objects has no
// generic form field, hence this one.
import { useId } from 'react';
import { getAt, type Path } from './draft';
import { TextField, useForm } from './fields';

const PATH: Path = ['method', 'objective'];

export function ObjectiveField() {
  const { draft, set } = useForm();
  const id = useId();
  const value = getAt(draft, PATH) as { kind?: unknown; class?: unknown } | undefined;
  const oneVsRest = value?.kind === 'one-vs-rest';
  return (
    <fieldset className="field group" data-field="method.objective">
      <legend>objective</legend>
      <div className="field-hint">
        what the scores are trained for: the full classification loss (default), or one class against the rest, a class-specific supermask whose accuracy
        figures are then the balanced accuracy of “class logit &gt; 0” (chance 50%)
      </div>
      <div className="group-fields">
        <div className="field">
          <label htmlFor={id}>kind</label>
          <select
            id={id}
            value={oneVsRest ? 'one-vs-rest' : ''}
            onChange={(e) => set(PATH, e.target.value ? { kind: 'one-vs-rest', class: value?.class ?? 5 } : undefined)}
            data-testid="objective-kind"
          >
            <option value="">classification (all classes; default)</option>
            <option value="one-vs-rest">one class vs the rest</option>
          </select>
        </div>
        {oneVsRest && <TextField path={[...PATH, 'class']} label="class" hint="its name (dog, 7, Sneaker) or its index" />}
      </div>
    </fieldset>
  );
}
