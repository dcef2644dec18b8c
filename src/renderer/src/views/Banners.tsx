// One-line banners: the core's errors (dismissible) and the WebSocket connection state.
import { useEffect, useState } from 'react';
import type { ConnectionState } from '../api';

/** A one-line banner with a Dismiss button. */
function DismissibleBanner({ kind, message, onDismiss }: { kind: 'error' | 'info'; message: string; onDismiss: () => void }) {
  return (
    <div className={`banner ${kind}`} role={kind === 'error' ? 'alert' : 'status'} data-testid={`${kind}-banner`}>
      <span className="banner-text" title={message}>
        {message}
      </span>
      <button type="button" className="btn small ghost" onClick={onDismiss} aria-label={kind === 'error' ? 'Dismiss error' : 'Dismiss message'}>
        Dismiss
      </button>
    </div>
  );
}

export function ErrorBanner({ message, onDismiss }: { message: string; onDismiss: () => void }) {
  return <DismissibleBanner kind="error" message={message} onDismiss={onDismiss} />;
}

/** A one-line report of something done (e.g. a snapshot written), dismissible. */
export function InfoBanner({ message, onDismiss }: { message: string; onDismiss: () => void }) {
  return <DismissibleBanner kind="info" message={message} onDismiss={onDismiss} />;
}

export function ConnectionBanner({ state, onRetry }: { state: ConnectionState; onRetry: () => void }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (state.status !== 'closed') return;
    const t = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(t);
  }, [state.status]);

  if (state.status === 'open') return null;
  if (state.status === 'connecting' && state.epoch === 0 && state.attempt === 0) return null; // first connect
  const wait = state.retryAt === null ? 0 : Math.max(0, Math.ceil((state.retryAt - now) / 1000));
  return (
    <div className="banner warn" role="status" data-testid="disconnected-banner">
      <span className="banner-text" title={state.lastError ?? undefined}>
        <b>Disconnected</b> from the Ticketscope server
        {state.status === 'connecting' ? ' — reconnecting…' : ` — retrying in ${wait} s (attempt ${state.attempt})`}
        {state.lastError && <span className="muted"> · {state.lastError}</span>}
      </span>
      {state.status === 'closed' && (
        <button type="button" className="btn small ghost" onClick={onRetry}>
          Retry now
        </button>
      )}
    </div>
  );
}
