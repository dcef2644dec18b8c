// Number and label formatting shared by the views. Exact and unit-bearing: researchers compare these numbers.

/** Accuracy in 0..1 as a percentage with two decimals, e.g. 0.97312 -> "97.31%". */
export function formatPercent(fraction: number | null | undefined, digits = 2): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—';
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** Seconds as m:ss (minutes unbounded), e.g. 75 -> "1:15", 3725 -> "62:05". */
export function formatEta(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–:––';
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, '0')}`;
}

const intFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** Integer with thousands separators, e.g. 50000 -> "50,000". */
export function formatInt(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return intFormat.format(n);
}

/** A loss or other real value with 4 significant digits. */
export function formatLoss(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return x.toPrecision(4);
}

/** A learning rate or similar: compact scientific when small, e.g. 0.0012 -> "1.2e-3". */
export function formatSci(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  if (x !== 0 && (Math.abs(x) < 0.01 || Math.abs(x) >= 1e5)) {
    const [mant, exp] = x.toExponential().split('e');
    return `${Number(mant).toString()}e${Number(exp)}`;
  }
  return String(x);
}

export function isSynthetic(dataset: string): boolean {
  return dataset.startsWith('synthetic-');
}

/** Local date-time as YYYY-MM-DD HH:MM:SS. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Elapsed wall time between two ISO stamps as m:ss, or null. */
export function elapsed(fromIso: string, toIso: string): string | null {
  const a = Date.parse(fromIso);
  const b = Date.parse(toIso);
  if (!Number.isFinite(a) || !Number.isFinite(b) || b < a) return null;
  return formatEta((b - a) / 1000);
}

export const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
export const startShortcutLabel = isMac ? '⌘↵' : 'Ctrl+Enter';

/** A rough duration for estimates: "25 s", "4 min", "2.5 h", "3.2 days". */
export function formatRoughDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `${+(seconds / 3600).toFixed(1)} h`;
  return `${+(seconds / 86400).toFixed(1)} days`;
}
