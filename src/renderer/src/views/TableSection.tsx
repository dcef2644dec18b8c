// A results table with its head: a title, a note on what the numbers are, the export tools, and the table itself,
// scrolling sideways when it is wider than the view.
import type { ReactNode } from 'react';

export function TableSection(props: { className: string; title: ReactNode; note: ReactNode; tools?: ReactNode; testId: string; children: ReactNode }) {
  const { className, title, note, tools, testId, children } = props;
  return (
    <section className={className}>
      <div className="table-head">
        <h3>{title}</h3>
        <span className="muted">{note}</span>
        {tools && <span className="table-tools">{tools}</span>}
      </div>
      <div className="table-scroll">
        <table className="results" data-testid={testId}>
          {children}
        </table>
      </div>
    </section>
  );
}
