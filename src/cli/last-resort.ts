/**
 * The process-level last resort: an exception nobody caught, or a promise rejection nobody
 * handled, is a bug. Node's default prints the error with the line of code it came from
 * (from a minified bundle: the whole bundle, 77 KB) and exits, leaving authfiles and the
 * report behind. Instead: one line a user can act on, the trace at debug level mapped to
 * the TypeScript sources, then the owner's emergency exit (report written, temp folder
 * removed, child processes ended, exit code 1).
 *
 * The line goes to standard error, as the CLI's other "unexpected error" does, and not
 * through the logger: the failure may be standard output itself (EPIPE when the reader of
 * the log went away).
 */
import { errorMessage } from '../errors.js';
import { mappedTrace } from './stack-trace.js';

export type FatalKind = 'uncaughtException' | 'unhandledRejection';

export interface FatalSource {
  on(event: FatalKind, listener: (e: unknown) => void): unknown;
  off(event: FatalKind, listener: (e: unknown) => void): unknown;
}

export interface LastResortOptions {
  /** Standard error. */
  write(text: string): void;
  /** Whether LOG_LEVEL asks for debug output (then the trace is printed too). */
  debug(): boolean;
  /** Writes what can be written, removes what must not stay, exits with `code`. */
  exitNow(code: number): void;
  trace?: (e: unknown) => string;
}

/** The one line: what happened, and that it is ours to fix. */
export function fatalLine(e: unknown, kind?: FatalKind): string {
  const what = kind === 'unhandledRejection' ? 'unexpected error (unhandled rejection)' : 'unexpected error';
  const text = errorMessage(e).split('\n')[0] || (e instanceof Error ? e.name : 'unknown');
  return `${what}: ${text}. This is a bug in dregsy, please report it; LOG_LEVEL=debug shows where it happened`;
}

export function installLastResort(source: FatalSource, opts: LastResortOptions): () => void {
  let handling = false;
  const handle = (kind: FatalKind) => (e: unknown) => {
    // A second failure while the first one is handled: the exit is already under way.
    if (handling) return;
    handling = true;
    try {
      opts.write(`dregsy: ${fatalLine(e, kind)}\n`);
      if (opts.debug()) opts.write(`${(opts.trace ?? mappedTrace)(e)}\n`);
    } catch {
      // Even standard error failed: exiting cleanly matters more than the line.
    }
    opts.exitNow(1);
  };
  const onException = handle('uncaughtException');
  const onRejection = handle('unhandledRejection');
  source.on('uncaughtException', onException);
  source.on('unhandledRejection', onRejection);
  return () => {
    source.off('uncaughtException', onException);
    source.off('unhandledRejection', onRejection);
  };
}
