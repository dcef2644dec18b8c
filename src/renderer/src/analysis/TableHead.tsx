// The header row of the analysis views' result tables (Selectivity, its ablation table, the Activation view's tables,
// the Dog report): one <th> per cell, a cell either its content or { label, title } for a tooltip, or a whole <th>
// element when it needs more (a sort button); and the first cell of their rows, a state with its chart colour.
import { cloneElement, isValidElement, type ReactNode } from 'react';
import { stateColour } from '../charts/analysis-palette';

export type HeadCell = ReactNode | { label: ReactNode; title: string };

const described = (c: HeadCell): c is { label: ReactNode; title: string } => typeof c === 'object' && c !== null && !isValidElement(c) && 'title' in c && 'label' in c;

export function TableHead({ cells }: { cells: HeadCell[] }) {
  return (
    <thead>
      <tr>
        {cells.map((c, i) =>
          described(c) ? (
            <th key={i} title={c.title}>
              {c.label}
            </th>
          ) : isValidElement(c) && c.type === 'th' ? (
            cloneElement(c, { key: i })
          ) : (
            <th key={i}>{c}</th>
          ),
        )}
      </tr>
    </thead>
  );
}

/** A row's state cell: the swatch of the state's colour in the charts, then its label. */
export function StateCell({ si, label, dark }: { si: number; label: string; dark: boolean }) {
  return (
    <td>
      <span className="swatch" style={{ background: stateColour(si, dark) }} />
      {label}
    </td>
  );
}
