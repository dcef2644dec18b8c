// Commands from the desktop app's menu (Electron only): show an imported run; export the selected run's snapshot
// (a save dialog, then the file; what was written shows as a notice); a merge's progress and outcome as notices.
import { useEffect, useRef } from 'react';
import type { Api } from '../../../shared/contract';
import { errorMessage } from '../api';
import type { ViewId } from './routes';

export function useMenuCommands(
  api: Api,
  selectedId: string | null,
  select: (runId: string) => void,
  refreshRuns: () => void,
  navigate: (view: ViewId, arg?: string | null, replace?: boolean) => void,
  showError: (message: string) => void,
  showNotice: (message: string) => void,
): void {
  // The latest selection and refresh, read when a command arrives (the listener stays subscribed).
  const selectedRef = useRef(selectedId);
  selectedRef.current = selectedId;
  const refreshRef = useRef(refreshRuns);
  refreshRef.current = refreshRuns;
  useEffect(
    () =>
      api.on('menu', (m) => {
        if (m.action === 'showRun') {
          select(m.runId);
          refreshRef.current();
          navigate('runs', m.runId);
          return;
        }
        if (m.action === 'notice' || m.action === 'merged') {
          if (m.action === 'merged') refreshRef.current();
          showNotice(m.message);
          return;
        }
        if (m.action !== 'exportSnapshot') return;
        const runId = selectedRef.current;
        if (!runId) {
          showError('Export snapshot: select a run in the Runs view first.');
          return;
        }
        api
          .chooseSnapshotPath({ mode: 'save', defaultName: `${runId}.safetensors` })
          .then((c) => (c.path ? api.exportSnapshot({ runId, path: c.path }) : null))
          .then(
            (r) =>
              r &&
              showNotice(
                `Wrote ${r.which} of run ${r.runId}, round ${r.round} (${(r.density * 100).toFixed(2)}% of weights remaining) to ${r.path} (${r.format}, ${r.bytes.toLocaleString('en-US')} bytes).`,
              ),
            (e: unknown) => showError(`Export snapshot failed: ${errorMessage(e)}`),
          );
      }),
    [api, navigate, showError, select, showNotice],
  );
}
