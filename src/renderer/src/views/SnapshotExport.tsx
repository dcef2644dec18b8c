// Export a stored state of the selected run as a mask snapshot (safetensors or .npz, PyTorch layout), one round or
// every round, and import a snapshot as a new run. Files go through the host (api/snapshot-files.ts): in the desktop
// app native dialogs pick the path; in a browser on `ticketscope serve` an export is a download and an import an
// upload of the file picked, so the page never names a path on the server.
import { useState } from 'react';
import type { RunDetail } from '../../../shared/contract';
import { WHICH, type Which } from '../../../shared/refs';
import { errorMessage, getHost, type SnapshotFiles } from '../api';

const WHICH_LABELS: Record<Which, string> = {
  trained: 'trained weights + mask (+ starting weights)',
  init: 'starting weights of the round, masked',
  mask: 'masks only',
  'ticket-at-init': 'the round’s mask on the original init',
  'dense-init': 'the original init, every weight kept (unmasked)',
};

const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

export interface SnapshotExportProps {
  detail: RunDetail;
  /** Shows a run (the one an import created). */
  onShowRun?: (runId: string) => void;
  /** For tests: the host's snapshot files. */
  files?: SnapshotFiles;
}

export function SnapshotExport({ detail, onShowRun, files = getHost().files }: SnapshotExportProps) {
  const rounds = detail.rounds.map((r) => r.round);
  const [round, setRound] = useState<number | null>(null);
  const [which, setWhich] = useState<Which>('trained');
  const [format, setFormat] = useState<'safetensors' | 'npz'>('safetensors');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string; runId?: string } | null>(null);
  const chosenRound = round !== null && rounds.includes(round) ? round : (rounds[rounds.length - 1] ?? null);
  const verb = files.saveVerb;

  async function act(work: () => Promise<{ ok: boolean; text: string; runId?: string } | null>) {
    setBusy(true);
    setMessage(null);
    try {
      setMessage(await work());
    } catch (err) {
      setMessage({ ok: false, text: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  }

  const save = (all: boolean) =>
    act(async () => {
      const saved = await files.saveSnapshots({ runId: detail.runId, rounds: all ? rounds : [chosenRound!], which, format });
      if (!saved.length) return null;
      const past = verb === 'Download' ? 'downloaded' : 'wrote';
      return { ok: true, text: `${past} ${saved.map((s) => `${s.file} (${kib(s.bytes)})`).join(', ')}` };
    });

  const open = () =>
    act(async () => {
      const r = await files.openSnapshot();
      if (!r) return null;
      const what = `${(r.density * 100).toFixed(2)}% of weights remaining${r.withWeights ? '' : ', masks only'}`;
      return { ok: true, text: `imported as run ${r.runId} (round ${r.round}, ${what})`, runId: r.runId };
    });

  return (
    <section className="snapshot-export" data-testid="snapshot-export" aria-label="Mask snapshots">
      <h3>Mask snapshot for PyTorch</h3>
      {rounds.length > 0 && (
        <>
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
                {WHICH.map((w) => (
                  <option key={w} value={w}>
                    {w} — {WHICH_LABELS[w]}
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
          <div className="snapshot-row">
            <button type="button" className="btn small" disabled={busy || chosenRound === null} onClick={() => void save(false)} data-testid="snapshot-export-one">
              {verb} round {chosenRound}
              {verb === 'Export' ? '…' : ''}
            </button>
            <button type="button" className="btn small" disabled={busy} onClick={() => void save(true)} data-testid="snapshot-export-all">
              {verb} all {rounds.length} rounds{verb === 'Export' ? '…' : ''}
            </button>
            <span className="muted">PyTorch layout (conv OIHW, linear [out, in]); see docs/pytorch.md</span>
          </div>
        </>
      )}
      <div className="snapshot-row">
        <button type="button" className="btn small ghost" disabled={busy} onClick={() => void open()} data-testid="snapshot-import">
          Import a snapshot…
        </button>
        <span className="muted">a .safetensors or .npz file, checked completely before anything is stored</span>
      </div>
      {message && (
        <p className={message.ok ? 'muted' : 'error-text'} role={message.ok ? 'status' : 'alert'} data-testid="snapshot-message">
          {message.text}
          {message.runId && onShowRun && (
            <>
              {' '}
              <button type="button" className="link" onClick={() => onShowRun(message.runId!)} data-testid="snapshot-show-imported">
                show it
              </button>
            </>
          )}
        </p>
      )}
    </section>
  );
}
