// Export a stored state of the selected run as a mask snapshot (safetensors or .npz, PyTorch layout), one round or
// every round. In the desktop app a native save dialog picks the file; on `ticketscope serve` the file is written on
// the machine that runs the server, at the path typed here (prefilled next to the database).
import { useEffect, useState } from 'react';
import type { AppInfo, RunDetail } from '../../../shared/contract';
import { getApi } from '../api';

const WHICH = [
  ['trained', 'trained weights + mask (+ starting weights)'],
  ['init', 'starting weights of the round, masked'],
  ['mask', 'masks only'],
  ['ticket-at-init', 'the round’s mask on the original init'],
] as const;
type Which = (typeof WHICH)[number][0];

function dirOf(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i > 0 ? path.slice(0, i) : path;
}

/** `base.ext` → `base-r3.ext`: one file per round for a bulk export. */
export function roundPath(path: string, round: number): string {
  const dot = path.lastIndexOf('.');
  return dot > 0 ? `${path.slice(0, dot)}-r${round}${path.slice(dot)}` : `${path}-r${round}`;
}

export function SnapshotExport({ detail }: { detail: RunDetail }) {
  const [info, setInfo] = useState<AppInfo | null>(null);
  const rounds = detail.rounds.map((r) => r.round);
  const [round, setRound] = useState<number | null>(null);
  const [which, setWhich] = useState<Which>('trained');
  const [format, setFormat] = useState<'safetensors' | 'npz'>('safetensors');
  const [path, setPath] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const chosenRound = round !== null && rounds.includes(round) ? round : (rounds[rounds.length - 1] ?? null);

  useEffect(() => {
    void getApi().getInfo({}).then(setInfo, () => setInfo(null));
  }, []);
  const defaultName = `${detail.runId}-r${chosenRound ?? 0}-${which}.${format}`;
  useEffect(() => {
    if (info && !info.nativeDialogs) setPath(`${dirOf(info.dbPath)}/${detail.runId}-${which}.${format}`);
  }, [info, detail.runId, which, format]);

  if (!rounds.length) return null;

  async function target(): Promise<string | null> {
    if (info?.nativeDialogs) return (await getApi().chooseSnapshotPath({ mode: 'save', defaultName })).path;
    return path.trim() || null;
  }

  async function run(all: boolean) {
    setBusy(true);
    setMessage(null);
    try {
      const file = await target();
      if (!file) return;
      const todo = all ? rounds : [chosenRound!];
      const written: string[] = [];
      for (const r of todo) {
        const p = all ? roundPath(file, r) : file;
        const res = await getApi().exportSnapshot({ runId: detail.runId, round: r, which, path: p, format });
        written.push(`${res.path} (${(res.bytes / 1024).toFixed(0)} KiB)`);
      }
      setMessage({ ok: true, text: `wrote ${written.join(', ')}` });
    } catch (err) {
      setMessage({ ok: false, text: err instanceof Error ? err.message : String(err) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="snapshot-export" data-testid="snapshot-export" aria-label="Export mask snapshot">
      <h3>Mask snapshot for PyTorch</h3>
      <div className="snapshot-row">
        <label>
          round{' '}
          <select value={chosenRound ?? ''} onChange={(e) => setRound(Number(e.target.value))} data-testid="snapshot-round">
            {rounds.map((r) => (
              <option key={r} value={r}>
                {r} · {((detail.rounds.find((x) => x.round === r)?.density ?? 1) * 100).toFixed(1)}% remaining
              </option>
            ))}
          </select>
        </label>
        <label>
          state{' '}
          <select value={which} onChange={(e) => setWhich(e.target.value as Which)} data-testid="snapshot-which">
            {WHICH.map(([w, label]) => (
              <option key={w} value={w}>
                {w} — {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          format{' '}
          <select value={format} onChange={(e) => setFormat(e.target.value as 'safetensors' | 'npz')} data-testid="snapshot-format">
            <option value="safetensors">safetensors</option>
            <option value="npz">npz</option>
          </select>
        </label>
      </div>
      {info && !info.nativeDialogs && (
        <label className="snapshot-path">
          file on the server{' '}
          <input type="text" value={path} onChange={(e) => setPath(e.target.value)} spellCheck={false} data-testid="snapshot-path" />
        </label>
      )}
      <div className="snapshot-row">
        <button type="button" className="btn small" disabled={busy || chosenRound === null} onClick={() => void run(false)} data-testid="snapshot-export-one">
          Export round {chosenRound}
        </button>
        <button type="button" className="btn small" disabled={busy} onClick={() => void run(true)} data-testid="snapshot-export-all">
          Export all {rounds.length} rounds
        </button>
        <span className="muted">PyTorch layout (conv OIHW, linear [out, in]); see docs/pytorch.md</span>
      </div>
      {message && (
        <p className={message.ok ? 'muted' : 'error-text'} role={message.ok ? 'status' : 'alert'} data-testid="snapshot-message">
          {message.text}
        </p>
      )}
    </section>
  );
}
