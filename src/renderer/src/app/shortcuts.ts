// Global keyboard shortcuts: `g` then a view's key, or Alt+1..9, switch views; `?` toggles the help overlay.
// Keys typed into a form field are left alone.
import { useEffect, useEffectEvent } from 'react';
import { VIEWS, type ViewId } from './routes';

/** How long after `g` the second key counts. */
const CHORD_MS = 1500;

export function isTypingTarget(t: EventTarget | null): boolean {
  if (!(t instanceof HTMLElement)) return false;
  if (t.isContentEditable) return true;
  const tag = t.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  const type = (t as HTMLInputElement).type;
  return !['checkbox', 'radio', 'button', 'submit', 'range', 'color', 'reset'].includes(type);
}

export interface ShortcutHandlers {
  go: (view: ViewId) => void;
  toggleHelp: () => void;
}

/** When `g` was pressed (0: no chord pending). Module state so views can tell a chord from their own keys. */
const pendingG = { current: 0 };

/** Whether the key being pressed now completes a `g <key>` chord (so a view should not act on it). */
export function gChordPending(): boolean {
  return pendingG.current !== 0 && Date.now() - pendingG.current <= CHORD_MS;
}

export function useGlobalShortcuts({ go, toggleHelp }: ShortcutHandlers): void {
  // The latest handlers, called from the key listener (which stays subscribed).
  const onGo = useEffectEvent(go);
  const onToggleHelp = useEffectEvent(toggleHelp);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.repeat || isTypingTarget(e.target)) return;
      // Alt+digit: layout-independent via e.code.
      if (e.altKey && !e.ctrlKey && !e.metaKey && /^Digit[1-9]$/.test(e.code)) {
        const view = VIEWS[Number(e.code.slice(5)) - 1];
        if (view) {
          e.preventDefault();
          onGo(view.id);
        }
        return;
      }
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === '?') {
        e.preventDefault();
        onToggleHelp();
        return;
      }
      const now = Date.now();
      if (pendingG.current && now - pendingG.current <= CHORD_MS) {
        pendingG.current = 0;
        const view = VIEWS.find((v) => v.key === e.key.toLowerCase());
        if (view) {
          e.preventDefault();
          onGo(view.id);
        }
        return;
      }
      pendingG.current = e.key === 'g' ? now : 0;
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

/** Ctrl/Cmd+Enter calls `start` (a quick run) while `enabled` (the Runs view, once connected). */
export function useStartShortcut(enabled: boolean, start: () => void): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !e.repeat && enabled) {
        e.preventDefault();
        start();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [start, enabled]);
}
