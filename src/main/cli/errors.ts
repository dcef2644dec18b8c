/** A failure with its own exit code (1 for a runtime failure, 130 when interrupted); the message is one line. */
export class ExitError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}
