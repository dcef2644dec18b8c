// Error classes shared by every layer; the transports map them to WireError codes and the CLI to exit codes.

/** Bad input: an invalid config, argument or file. CLI exit code 2; wire code "invalid". */
export class ValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValidationError';
  }
}

/** An id that names nothing stored. CLI exit code 2; wire code "not-found". */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** Work stopped because its caller cancelled it or went away, or nobody waits for it any more. Wire code "cancelled". */
export class CancelledError extends Error {
  constructor(message = 'cancelled: nobody waits for this result any more') {
    super(message);
    this.name = 'CancelledError';
  }
}

export function wireCode(err: unknown): 'invalid' | 'not-found' | 'cancelled' | 'internal' {
  if (err instanceof ValidationError) return 'invalid';
  if (err instanceof NotFoundError) return 'not-found';
  if (err instanceof CancelledError) return 'cancelled';
  return 'internal';
}

/** First line of an error's message, for one-line reports. */
export function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0]!.trim() || 'unknown error';
}
