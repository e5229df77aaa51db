/**
 * The few error classes the program raises on purpose. The CLI maps each to an exit code
 * in one place (src/cli/exit-codes.ts); anything else is a bug and gets a stack trace.
 */

/** One problem found in a config file: where it is and what is wrong. */
export interface ConfigProblem {
  /** Path into the config, e.g. `tasks[1].source.registry`; empty for the whole file. */
  path: string;
  /** 1-based line in the YAML file, when it could be located. */
  line?: number | undefined;
  message: string;
}

export function formatProblem(file: string, p: ConfigProblem): string {
  const where = p.line !== undefined ? `${file}:${p.line}` : file;
  const message = escapeControls(p.message);
  return p.path ? `${where}: ${p.path}: ${message}` : `${where}: ${message}`;
}

/**
 * Messages quote config values, and a YAML escape (`"\e[2J"`) puts any control character in
 * one: shown as `\x1b`, it cannot clear or recolour the terminal or forge a log line.
 */
export function escapeControls(text: string): string {
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** The config file cannot be used; carries every problem found, not just the first. */
export class ConfigError extends Error {
  readonly file: string;
  readonly problems: ConfigProblem[];
  constructor(file: string, problems: ConfigProblem[]) {
    super(problems.map((p) => formatProblem(file, p)).join('\n'));
    this.name = 'ConfigError';
    this.file = file;
    this.problems = problems;
  }
}

/** The command line is wrong (unknown flag, missing -config, bad -run regex). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Something needed at start is missing (skopeo binary, Docker Engine, a usable temp folder). */
export class EnvironmentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvironmentError';
  }
}

/** A registry answered with an error or could not be reached. */
export class RegistryError extends Error {
  readonly status: number | undefined;
  readonly url: string;
  /** What the registry's `Retry-After` asked for, in ms, when it sent one. */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, url: string, status?: number, options?: { cause?: unknown; retryAfterMs?: number | undefined }) {
    super(message, options);
    this.name = 'RegistryError';
    this.url = url;
    this.status = status;
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** A relay (skopeo, Docker) failed to copy an image. */
export class RelayError extends Error {
  readonly command: string;
  readonly exitCode: number | undefined;
  /** The last lines the relay printed, credentials already redacted. */
  readonly stderrTail: string;
  constructor(message: string, command: string, exitCode: number | undefined, stderrTail: string) {
    super(message);
    this.name = 'RelayError';
    this.command = command;
    this.exitCode = exitCode;
    this.stderrTail = stderrTail;
  }
}

/** SIGINT or SIGTERM ended a wait (config load, relay start) before it was done. */
export class StoppedError extends Error {
  readonly signal: string;
  constructor(signal: string) {
    super(`stopped by ${signal}`);
    this.name = 'StoppedError';
    this.signal = signal;
  }
}

/** The message of anything thrown, for logs and error texts (redact it before it leaves). */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
