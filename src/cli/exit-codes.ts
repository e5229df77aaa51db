/** Every exit code the program ends with, decided here and nowhere else. */
import { ConfigError, EnvironmentError, StoppedError, UsageError } from '../errors.js';

export const ExitCode = {
  /** Everything ran and every task's last run succeeded. */
  ok: 0,
  /** The last run of some task failed, the program could not start its relay, or a signal stopped it before its tasks ran. */
  failed: 1,
  /** The config file or the command line is wrong; nothing was run. */
  usage: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export function exitCodeForError(e: unknown): ExitCode {
  if (e instanceof ConfigError || e instanceof UsageError) return ExitCode.usage;
  if (e instanceof EnvironmentError || e instanceof StoppedError) return ExitCode.failed;
  return ExitCode.failed;
}

/** Errors that are a user's to fix get a message; anything else is a bug and gets its stack. */
export function isUserError(e: unknown): boolean {
  return e instanceof ConfigError || e instanceof UsageError || e instanceof EnvironmentError || e instanceof StoppedError;
}
