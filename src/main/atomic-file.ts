// Writing a file so that no reader ever sees half of it and no one can redirect the write: the bytes go to a new
// temporary file in the target's own folder, created exclusively ('wx': O_CREAT | O_EXCL, so an existing file or a
// symlink planted under that name makes the open fail instead of being followed) under a random name, flushed to
// disk (fsync), then renamed over the target (rename replaces a symlink at the target, it never writes through it).
// On any error the temporary file is removed and the target is left as it was. Used by every writer that replaces a
// file the user keeps: snapshot exports (store) and the desktop app's settings. Node built-ins only, so any layer
// may use it (like pid.ts).
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ValidationError } from '../shared/errors';

const PLAIN: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EISDIR: 'it is a folder',
  ENOTDIR: 'a part of the path is not a folder',
  ENOENT: 'its folder does not exist',
  ENAMETOOLONG: 'the name is too long',
  EEXIST: 'a file of the temporary name exists',
};

/** Errors that mean the user named a place that cannot take the file (bad input) rather than a failing disk. */
const BAD_TARGET = new Set(['EACCES', 'EPERM', 'EROFS', 'EISDIR', 'ENOTDIR', 'ENOENT', 'ENAMETOOLONG']);

/** An errno error as one plain line about `path`: a ValidationError when the path itself is at fault. */
export function writeError(path: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const why = PLAIN[code] ?? (err instanceof Error ? err.message.split('\n')[0]! : String(err));
  const msg = `cannot write ${path}: ${why}`;
  return BAD_TARGET.has(code) ? new ValidationError(msg) : new Error(msg);
}

/**
 * Why `path` cannot be written as a new or replaced file, or null: it names a folder, its folder is missing or is
 * not a folder. Checked before expensive work (encoding a snapshot) so a bad `--out` fails at once, in one line.
 */
export function targetProblem(path: string): string | null {
  try {
    if (statSync(path).isDirectory()) return 'it is a folder';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') return 'a part of the path is not a folder';
    if (code !== 'ENOENT') return PLAIN[code ?? ''] ?? `cannot check it (${code ?? 'error'})`;
  }
  try {
    if (!statSync(dirname(path)).isDirectory()) return `${dirname(path)} is not a folder`;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `folder ${dirname(path)} does not exist` : `folder ${dirname(path)}: ${PLAIN[code ?? ''] ?? code ?? 'error'}`;
  }
  return null;
}

/** The temporary name next to `path` (hidden, random, unguessable). */
export function tempNameFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(9).toString('base64url')}.tmp`);
}

/** Writes `data` to `path` atomically (see the file comment); throws writeError's one-line error on failure. */
export function writeFileAtomic(path: string, data: Uint8Array | string, mode = 0o666): void {
  const problem = targetProblem(path);
  if (problem) throw new ValidationError(`cannot write ${path}: ${problem}`);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const tmp = tempNameFor(path);
  let fd: number;
  try {
    fd = openSync(tmp, 'wx', mode);
  } catch (err) {
    throw writeError(path, err);
  }
  try {
    try {
      for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw writeError(path, err);
  }
  // Make the rename itself durable where the platform allows syncing a folder (not on Windows).
  if (process.platform !== 'win32') {
    try {
      const dfd = openSync(dirname(path), 'r');
      try {
        fsyncSync(dfd);
      } finally {
        closeSync(dfd);
      }
    } catch {
      // best effort
    }
  }
}
