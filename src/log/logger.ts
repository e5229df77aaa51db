/** The logger every module gets injected. Implemented on pino in log/create-logger.ts. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export type LogFields = Record<string, unknown>;

export interface Logger {
  trace(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  isLevelEnabled(level: LogLevel): boolean;
  /** A logger whose lines carry these fields too (e.g. `{ task: 'mirror' }`). */
  child(bindings: LogFields): Logger;
}

/** A logger that drops everything; for library callers and tests that do not read logs. */
export function silentLogger(): Logger {
  const self: Logger = {
    trace: () => undefined,
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
    isLevelEnabled: () => false,
    child: () => self,
  };
  return self;
}
