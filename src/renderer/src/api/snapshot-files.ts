// Snapshot files through the host, so a view does not care where it runs (as Netron does it): in the desktop app a
// native save or open dialog picks a path and the core writes or reads it there; in a browser on `ticketscope
// serve` a snapshot is a download (GET /api/snapshot, Content-Disposition) and an import is an upload of the file the
// user picks (POST /api/snapshot). A browser never names a path on the server.
import { SNAPSHOT_HTTP_PATH, type Api, type ImportSnapshotResult, type SnapshotDownloadParams, type SnapshotFormat } from '../../../shared/contract';
import type { Which } from '../../../shared/refs';
import { RemoteError } from '../../../shared/client';
import { authHeaders } from './session';

export interface SnapshotRequest {
  runId: string;
  /** One file per round; several rounds in the desktop app share one dialog (names get `-r<round>`). */
  rounds: number[];
  which: Which;
  format: SnapshotFormat;
  masksOnly?: boolean;
}

export interface SavedSnapshot {
  /** The file written (desktop app: its path) or downloaded (browser: its name). */
  file: string;
  bytes: number;
  round: number;
}

export interface SnapshotFiles {
  /** Saves the rounds as snapshot files; an empty list when the user cancels the dialog. */
  saveSnapshots(req: SnapshotRequest): Promise<SavedSnapshot[]>;
  /** Imports a snapshot the user picks (dialog or file chooser); null when cancelled. */
  openSnapshot(): Promise<ImportSnapshotResult | null>;
  /** What the save button says: "Export…" opens a dialog, "Download" does not. */
  saveVerb: 'Export' | 'Download';
}

/** `base.ext` → `base-r3.ext`: one file per round for a bulk export. */
export function roundPath(path: string, round: number): string {
  const dot = path.lastIndexOf('.');
  return dot > 0 ? `${path.slice(0, dot)}-r${round}${path.slice(dot)}` : `${path}-r${round}`;
}

/** The desktop app: native dialogs (chooseSnapshotPath), then the core reads or writes the chosen path. */
export function dialogSnapshotFiles(api: Api): SnapshotFiles {
  return {
    saveVerb: 'Export',
    async saveSnapshots(req) {
      const first = req.rounds[0] ?? 0;
      const defaultName = `${req.runId}-r${first}-${req.which}.${req.format}`;
      const chosen = (await api.chooseSnapshotPath({ mode: 'save', defaultName })).path;
      if (!chosen) return [];
      const out: SavedSnapshot[] = [];
      for (const round of req.rounds) {
        const path = req.rounds.length > 1 ? roundPath(chosen, round) : chosen;
        const r = await api.exportSnapshot({ runId: req.runId, round, which: req.which, path, format: req.format, ...(req.masksOnly ? { masksOnly: true } : {}) });
        out.push({ file: r.path, bytes: r.bytes, round });
      }
      return out;
    },
    async openSnapshot() {
      const path = (await api.chooseSnapshotPath({ mode: 'open' })).path;
      return path ? api.importSnapshot({ path }) : null;
    },
  };
}

async function failure(r: Response): Promise<never> {
  let code = r.status === 404 ? 'not-found' : r.status >= 500 ? 'internal' : 'invalid';
  let message = `${r.status} ${r.statusText}`;
  try {
    const body = (await r.json()) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.message === 'string') message = body.error.message;
    if (typeof body.error?.code === 'string') code = body.error.code;
  } catch {
    // not JSON (e.g. a 401 from the token check)
    if (r.status === 401) message = 'the server refused this page’s token: open the URL that ticketscope serve printed';
  }
  throw new RemoteError(message, code);
}

/** The name in a Content-Disposition header (the server sends only safe characters), else `fallback`. */
export function dispositionName(header: string | null, fallback: string): string {
  const m = header ? /filename="([A-Za-z0-9._-]+)"/.exec(header) : null;
  return m ? m[1]! : fallback;
}

/** Lets the browser save `blob` as `name` (a download, which the user's browser puts where it puts downloads). */
function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Asks the user for one file with the browser's file chooser; null when they cancel. */
function pickFile(accept: string): Promise<File | null> {
  return new Promise((resolve) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = accept;
    input.style.display = 'none';
    const done = (file: File | null) => {
      input.remove();
      resolve(file);
    };
    input.addEventListener('change', () => done(input.files?.[0] ?? null), { once: true });
    input.addEventListener('cancel', () => done(null), { once: true });
    document.body.append(input);
    input.click();
  });
}

/** A browser on `ticketscope serve`: downloads and uploads over HTTP with the page's token. */
export function httpSnapshotFiles(token: string | null): SnapshotFiles {
  return {
    saveVerb: 'Download',
    async saveSnapshots(req) {
      const out: SavedSnapshot[] = [];
      for (const round of req.rounds) {
        const params: SnapshotDownloadParams = { runId: req.runId, round, which: req.which, format: req.format, ...(req.masksOnly ? { masksOnly: true } : {}) };
        const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
        const r = await fetch(`${SNAPSHOT_HTTP_PATH}?${query}`, { headers: authHeaders(token), cache: 'no-store' });
        if (!r.ok) await failure(r);
        const blob = await r.blob();
        const name = dispositionName(r.headers.get('Content-Disposition'), `${req.runId}-r${round}-${req.which}.${req.format}`);
        saveBlob(blob, name);
        out.push({ file: name, bytes: blob.size, round });
      }
      return out;
    },
    async openSnapshot() {
      const file = await pickFile('.safetensors,.npz');
      if (!file) return null;
      const r = await fetch(`${SNAPSHOT_HTTP_PATH}?name=${encodeURIComponent(file.name)}`, {
        method: 'POST',
        headers: { ...authHeaders(token), 'Content-Type': 'application/octet-stream' },
        body: file,
      });
      if (!r.ok) await failure(r);
      return (await r.json()) as ImportSnapshotResult;
    },
  };
}
