// The one-line notice of an analysis view whose address named something it cannot show (route-defaults.ts), with what
// it shows instead; dismissible.
import { useState } from 'react';
import { routeNoticeText } from './route-defaults';

export function RouteNotice({ problem, shown }: { problem: string | null; shown: string }) {
  const [dismissed, setDismissed] = useState<string | null>(null);
  if (!problem || dismissed === problem) return null;
  return (
    <p className="route-notice warn-text" role="status" data-testid="route-notice">
      <span>{routeNoticeText(problem, shown)}</span>
      <button type="button" className="btn small ghost" onClick={() => setDismissed(problem)} aria-label="Dismiss the notice">
        ×
      </button>
    </p>
  );
}
