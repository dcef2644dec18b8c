// Header: app name and version, the backend indicator (with why each earlier backend was skipped), the database.
import { useEffect, useRef, useState } from 'react';
import type { AppInfo, BackendReport } from '../../../shared/contract';

function backendTitle(info: AppInfo): string {
  const b = info.backend;
  if (!b) return `Backend: chosen when the first job runs (--backend ${info.backendChoice})`;
  const skipped = b.skipped.map((s) => `\n  skipped ${s.name}: ${s.reason}`).join('');
  return `Backend: ${b.name} (${b.reason}; --backend ${info.backendChoice})${skipped}`;
}

function BackendDetails({ report, choice }: { report: BackendReport; choice: string }) {
  return (
    <div className="popover" role="dialog" aria-label="Backend selection">
      <div className="popover-title">Engine backend</div>
      <table className="kv">
        <tbody>
          <tr>
            <th>running on</th>
            <td>
              <b>{report.name}</b>
            </td>
          </tr>
          <tr>
            <th>reason</th>
            <td>{report.reason}</td>
          </tr>
          <tr>
            <th>requested</th>
            <td>
              <code>--backend {choice}</code>
            </td>
          </tr>
        </tbody>
      </table>
      {report.skipped.length > 0 ? (
        <>
          <div className="popover-sub">Tried first and skipped</div>
          <table className="kv skipped">
            <tbody>
              {report.skipped.map((s) => (
                <tr key={s.name}>
                  <th>{s.name}</th>
                  <td>{s.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : (
        <div className="popover-sub">No backend was skipped.</div>
      )}
    </div>
  );
}

function BackendIndicator({ info }: { info: AppInfo }) {
  const [open, setOpen] = useState(false);
  const wrap = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (wrap.current && !wrap.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  const b = info.backend;
  if (!b) {
    return (
      <span className="backend pending" data-testid="backend" title={backendTitle(info)}>
        backend: <b>chosen at first run</b> ({info.backendChoice})
      </span>
    );
  }
  return (
    <div className="backend-wrap" ref={wrap}>
      <button
        type="button"
        className="backend"
        data-testid="backend"
        title={backendTitle(info)}
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
      >
        backend: <b>{b.name}</b>
        {b.skipped.length > 0 && <span className="muted"> · {b.skipped.length} skipped</span>} ▾
      </button>
      {open && <BackendDetails report={b} choice={info.backendChoice} />}
    </div>
  );
}

export function Header({ info }: { info: AppInfo | null }) {
  return (
    <header className="app-header">
      <div className="brand">
        <span className="brand-name">Ticketscope</span>
        {info && <span className="muted">v{info.version}</span>}
      </div>
      {info && (
        <div className="header-meta">
          <BackendIndicator info={info} />
          <span className="meta-item" title={`SQLite database: ${info.dbPath}\nData sets: ${info.dataDir}`}>
            db: <code className="path"><bdi>{info.dbPath}</bdi></code>
          </span>
          <span className="meta-item muted" title="How this window talks to the app core">
            {info.transport === 'ipc' ? 'Electron IPC' : 'WebSocket'}
          </span>
        </div>
      )}
    </header>
  );
}
