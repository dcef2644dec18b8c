// The view navigation: a `<nav>` landmark listing every view by name, with its shortcut.
import { hrefOf, VIEWS, type ViewId } from '../app/routes';

export function Nav({ current, onHelp }: { current: ViewId; onHelp: () => void }) {
  return (
    <nav className="app-nav" aria-label="Views" data-testid="nav">
      <ul>
        {VIEWS.map((v, i) => (
          <li key={v.id}>
            <a
              href={hrefOf(v.id)}
              aria-current={v.id === current ? 'page' : undefined}
              title={`${v.label} — g then ${v.key}, or Alt+${i + 1}`}
              data-testid={`nav-${v.id}`}
            >
              {v.label}
            </a>
          </li>
        ))}
      </ul>
      <button type="button" className="btn small ghost help-btn" onClick={onHelp} title="Keyboard shortcuts (?)" data-testid="help-button">
        Shortcuts <kbd>?</kbd>
      </button>
    </nav>
  );
}
