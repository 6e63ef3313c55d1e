/**
 * An error the user can fix (bad input, missing file, unreachable daemon). Its message is one line that names the
 * input and says what is wrong; entry points print it without a stack trace and exit 2.
 */
export class UserError extends Error {
  override name = 'UserError';
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
