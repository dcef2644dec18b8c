// The desktop app's own small state, kept as JSON in the user data folder (settings.json next to ticketscope.db):
// recent databases, the database last opened, and the window's size and place. Read leniently (a damaged or foreign
// file gives defaults, never a crash) and written atomically (atomic-file.ts: an exclusive temp file, fsync, rename). No electron imports.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../atomic-file';

export const SETTINGS_FILE = 'settings.json';
export const MAX_RECENT = 10;

const path = z.string().min(1).max(4096).refine(isAbsolute, 'expected an absolute path');
const int = z.number().int().min(-100_000).max(100_000);

const windowStateSchema = z.object({
  x: int.optional(),
  y: int.optional(),
  width: z.number().int().min(200).max(100_000),
  height: z.number().int().min(200).max(100_000),
  maximized: z.boolean(),
  fullScreen: z.boolean().optional(),
});
export type WindowState = z.infer<typeof windowStateSchema>;

const settingsSchema = z.object({
  version: z.literal(1),
  recentDatabases: z.array(path).max(100),
  lastDatabase: path.optional(),
  window: windowStateSchema.optional(),
});
export type Settings = z.infer<typeof settingsSchema>;

export const DEFAULT_SETTINGS: Settings = { version: 1, recentDatabases: [] };

/** Reads settings.json from `dir`; defaults when it is missing or invalid. Keeps the valid parts of a partial file. */
export function loadSettings(dir: string): Settings {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(join(dir, SETTINGS_FILE), 'utf8'));
  } catch {
    return { ...DEFAULT_SETTINGS, recentDatabases: [] };
  }
  const whole = settingsSchema.safeParse(raw);
  if (whole.success) return whole.data;
  const obj = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const recent = z.array(z.unknown()).safeParse(obj.recentDatabases);
  const last = path.safeParse(obj.lastDatabase);
  const win = windowStateSchema.safeParse(obj.window);
  return {
    version: 1,
    recentDatabases: recent.success ? recent.data.filter((p): p is string => path.safeParse(p).success).slice(0, MAX_RECENT) : [],
    ...(last.success ? { lastDatabase: last.data } : {}),
    ...(win.success ? { window: win.data } : {}),
  };
}

export function saveSettings(dir: string, settings: Settings): void {
  const file = join(dir, SETTINGS_FILE);
  mkdirSync(dirname(file), { recursive: true });
  writeFileAtomic(file, `${JSON.stringify(settingsSchema.parse(settings), null, 2)}\n`);
}

/** `db` first, without duplicates, at most MAX_RECENT. */
export function withRecent(list: readonly string[], db: string): string[] {
  return [db, ...list.filter((p) => p !== db)].slice(0, MAX_RECENT);
}

/** Recent databases that still exist, for the menu. */
export function existingRecent(list: readonly string[], exists: (p: string) => boolean = existsSync): string[] {
  return list.filter((p) => exists(p));
}
