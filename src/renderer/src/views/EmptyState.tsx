// Shown while the database holds no run: what the app is for, and the one thing to do next.
import { startShortcutLabel } from '../app/format';

export function EmptyState() {
  return (
    <div className="empty-state" data-testid="empty-state">
      <h2>No runs yet</h2>
      <p>
        Ticketscope trains and prunes networks on this machine to test the lottery-ticket hypothesis: whether a randomly
        initialised network already contains the sparse subnetwork that training later reveals.
      </p>
      <p>
        Press <b>Start quick run</b> (<kbd>{startShortcutLabel}</kbd>) to train a small dense baseline, or run{' '}
        <code>npx ticketscope run --preset quick</code> in a terminal on the same database.
      </p>
    </div>
  );
}
