// Commands from the desktop app's menu (Electron only): show an imported run; export the selected run's snapshot
// (a save dialog, then the file; what was written shows as a notice); a merge's progress and outcome as notices.
import { useEffect, useEffectEvent } from 'react';
import type { Api, MenuEvent } from '../../../shared/contract';
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
  // Called with the latest selection and callbacks when a command arrives (the listener stays subscribed).
  const onMenu = useEffectEvent((m: MenuEvent) => {
    if (m.action === 'showRun') {
      select(m.runId);
      refreshRuns();
      navigate('runs', m.runId);
      return;
    }
    if (m.action === 'notice' || m.action === 'merged') {
      if (m.action === 'merged') refreshRuns();
      showNotice(m.message);
      return;
    }
    if (m.action !== 'exportSnapshot') return;
    const runId = selectedId;
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
  });
  useEffect(() => api.on('menu', (m) => onMenu(m)), [api]);
}
