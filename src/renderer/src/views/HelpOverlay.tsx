// The keyboard help overlay (`?`): every shortcut of the app in one table. Escape or `?` closes it.
import { useEffect, useRef } from 'react';
import { startShortcutLabel } from '../app/format';
import { VIEWS } from '../app/routes';

export function HelpOverlay({ onClose }: { onClose: () => void }) {
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    closeRef.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        onClose();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      before?.focus?.();
    };
  }, [onClose]);

  return (
    <div className="overlay-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="help-overlay" role="dialog" aria-modal="true" aria-labelledby="help-title" data-testid="help-overlay">
        <div className="help-head">
          <h2 id="help-title">Keyboard shortcuts</h2>
          <button ref={closeRef} type="button" className="btn small" onClick={onClose}>
            Close <kbd>Esc</kbd>
          </button>
        </div>
        <div className="help-cols">
          <table className="kv help-table">
            <caption>Views</caption>
            <tbody>
              {VIEWS.map((v, i) => (
                <tr key={v.id}>
                  <th>
                    <kbd>g</kbd> <kbd>{v.key}</kbd> <span className="muted">or</span> <kbd>Alt+{i + 1}</kbd>
                  </th>
                  <td>
                    {v.label}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <table className="kv help-table">
            <caption>Everywhere</caption>
            <tbody>
              <tr>
                <th>
                  <kbd>?</kbd>
                </th>
                <td>this overlay</td>
              </tr>
              <tr>
                <th>
                  <kbd>{startShortcutLabel}</kbd>
                </th>
                <td>start the quick preset (Runs view)</td>
              </tr>
              <tr>
                <th>
                  <kbd>Tab</kbd> / <kbd>Shift+Tab</kbd>
                </th>
                <td>move focus</td>
              </tr>
            </tbody>
            <tbody>
              <tr>
                <th colSpan={2} className="help-sub">
                  Run list
                </th>
              </tr>
              <tr>
                <th>
                  <kbd>↑</kbd> <kbd>↓</kbd> <kbd>Home</kbd> <kbd>End</kbd>
                </th>
                <td>select a run</td>
              </tr>
              <tr>
                <th>
                  <kbd>c</kbd>
                </th>
                <td>cancel the selected run (with its controls)</td>
              </tr>
              <tr>
                <th>
                  <kbd>R</kbd> (Shift+r)
                </th>
                <td>resume the selected run from its last committed round</td>
              </tr>
            </tbody>
            <tbody>
              <tr>
                <th colSpan={2} className="help-sub">
                  Lottery plot
                </th>
              </tr>
              <tr>
                <th>hover a point</th>
                <td>exact density, accuracy and early-stop iteration per seed</td>
              </tr>
            </tbody>
            <tbody>
              <tr>
                <th colSpan={2} className="help-sub">
                  Mask overlap: pixel view (focused)
                </th>
              </tr>
              <tr>
                <th>
                  <kbd>←</kbd> <kbd>→</kbd> <kbd>↑</kbd> <kbd>↓</kbd>
                </th>
                <td>pan (with Shift: a whole view); drag or wheel too</td>
              </tr>
              <tr>
                <th>
                  <kbd>+</kbd> <kbd>−</kbd>
                </th>
                <td>zoom (Ctrl+wheel at the pointer)</td>
              </tr>
              <tr>
                <th>
                  <kbd>Home</kbd> <kbd>End</kbd>
                </th>
                <td>top-left / bottom-right of the matrix</td>
              </tr>
            </tbody>
          </table>
        </div>
      </div>
    </div>
  );
}
