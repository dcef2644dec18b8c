// The config's optional training-time regularisation: data augmentation and dropout. Both are optional objects
// that must do something when present, so clearing the last field removes the object (and its key) from the draft.
import { getAt, setAt, type Draft, type Path } from './draft';
import { BoolField, Form, NumberField, useForm, type FormCtx } from './fields';

/** `set` that drops `group` from the draft when no field of it is left (a false flag counts as unset). */
function pruning(ctx: FormCtx, group: string): FormCtx {
  return {
    ...ctx,
    set: (path: Path, value: unknown) => {
      const next = setAt(ctx.draft, path, value === false ? undefined : value) as Draft;
      const obj = getAt(next, [group]);
      const empty = obj !== null && typeof obj === 'object' && Object.keys(obj).length === 0;
      ctx.set([group], empty ? undefined : getAt(next, [group]));
    },
  };
}

/** The optional groups and their fields: a number (cleared: unset) or a flag (off: unset). */
const GROUPS: { group: 'augmentation' | 'dropout'; fields: { key: string; flag?: true; label: string; hint: string }[] }[] = [
  {
    group: 'augmentation',
    fields: [
      { key: 'randomCrop', label: 'augment: random crop, padding (pixels)', hint: 'training batches only: pad with black, crop back at a random offset (Ramanujan et al.: 4 on CIFAR-10)' },
      { key: 'horizontalFlip', flag: true, label: 'augment: random horizontal flip', hint: 'training batches only, probability 1/2' },
    ],
  },
  {
    group: 'dropout',
    fields: [
      { key: 'fc', label: 'dropout on fully connected inputs', hint: "rate in (0, 1), training only (Frankle & Carbin's dropout experiments: 0.5)" },
      { key: 'conv', label: 'dropout on conv inputs', hint: "rate in (0, 1), training only; the first layer's input (the data) is never dropped" },
    ],
  },
];

export function RegularisationFields() {
  const ctx = useForm();
  return (
    <>
      {GROUPS.map(({ group, fields }) => (
        <Form.Provider key={group} value={pruning(ctx, group)}>
          {fields.map(({ key, flag, label, hint }) =>
            flag ? <BoolField key={key} path={[group, key]} label={label} hint={hint} /> : <NumberField key={key} path={[group, key]} label={label} hint={hint} optional />,
          )}
        </Form.Provider>
      ))}
    </>
  );
}
