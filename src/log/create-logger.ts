/**
 * pino underneath (structured, cheap when a level is off), with one destination that
 * redacts every line and then writes it as JSON or as coloured text.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { LogFields, Logger, LogLevel } from './logger.js';
import type { Redactor } from './redact.js';
import { escapeControls } from '../errors.js';

export type LogFormat = 'text' | 'json';

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Colour the text format (a TTY, or LOG_FORCE_COLORS). */
  color: boolean;
  redactor: Redactor;
  out: { write(chunk: string): unknown };
  /**
   * `LOG_METHODS=true`: every line names the function and file:line that logged it (`func`,
   * `file`), as logrus' ReportCaller does for dregsy. Costs a stack capture per line.
   * `locate` turns the caller's stack frame into those (cli/log-caller.ts reads source maps).
   */
  reportCaller?: { locate: (frame: string) => { func: string; file: string } | undefined } | undefined;
}

export function createLogger(opts: LoggerOptions): Logger {
  const destination = createDestination(opts);
  const root = pino(
    {
      level: opts.level,
      messageKey: 'message',
      base: undefined,
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  return wrap(root, opts.reportCaller);
}

function wrap(p: PinoLogger, reportCaller: LoggerOptions['reportCaller']): Logger {
  const log = (level: LogLevel) => {
    const write = (message: string, fields?: LogFields): void => {
      const caller = reportCaller && p.isLevelEnabled(level) ? callerOf(write, reportCaller.locate) : undefined;
      const all = caller ? { ...fields, ...caller } : fields;
      if (all) p[level](all, message);
      else p[level](message);
    };
    return write;
  };
  return {
    trace: log('trace'),
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    isLevelEnabled: (level) => p.isLevelEnabled(level),
    child: (bindings) => wrap(p.child(bindings), reportCaller),
  };
}

/** One stack frame: `at [async ]name (location:line:col)` or `at location:line:col`. */
const FRAME = /^\s*at (?:async )?(?:(.+?) \()?(.+?):(\d+):\d+\)?$/;

/** `func` and `file` of the code that called `logFn`: by `locate`, else as the running code names them. */
export function callerOf(
  logFn: (...args: never[]) => unknown,
  locate?: (frame: string) => { func: string; file: string } | undefined,
): { func: string; file: string } | undefined {
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 1;
  try {
    Error.captureStackTrace(holder, logFn);
  } finally {
    Error.stackTraceLimit = limit;
  }
  const frame = holder.stack?.split('\n')[1] ?? '';
  if (locate) return locate(frame);
  const m = FRAME.exec(frame);
  return m ? { func: m[1] ?? '<anonymous>', file: `${(m[2] ?? '').replace(/^file:\/\//, '')}:${m[3]}` } : undefined;
}

function createDestination(opts: LoggerOptions): DestinationStream {
  if (opts.format === 'json') {
    return { write: (line: string) => void opts.out.write(opts.redactor.redact(line)) };
  }
  const chalk = new Chalk({ level: opts.color ? 1 : 0 });
  return {
    write: (line: string) => {
      const safe = opts.redactor.redact(line);
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(safe) as Record<string, unknown>;
      } catch {
        // pino only writes JSON; if that ever changes, pass the line through unformatted.
        opts.out.write(safe);
        return;
      }
      opts.out.write(formatText(record, chalk) + '\n');
    },
  };
}

const LEVEL_STYLE: Record<string, (c: ChalkInstance) => ChalkInstance> = {
  trace: (c) => c.gray,
  debug: (c) => c.cyan,
  info: (c) => c.green,
  warn: (c) => c.yellow,
  error: (c) => c.red,
  fatal: (c) => c.bgRed,
};

/** `TIME LEVEL [task] message key=value ...` */
export function formatText(record: Record<string, unknown>, chalk: ChalkInstance): string {
  const { time, level, message, task, ...rest } = record;
  const lvl = String(level ?? 'info');
  const style = LEVEL_STYLE[lvl]?.(chalk) ?? chalk.white;
  const parts = [chalk.gray(String(time ?? '')), style(lvl.toUpperCase().padEnd(5))];
  if (task !== undefined) parts.push(chalk.bold(`[${escapeControls(String(task))}]`));
  // names in messages come from registries we do not control: a control character there must
  // not recolour the terminal or start a forged log line
  parts.push(escapeControls(String(message ?? '')));
  for (const [k, v] of Object.entries(rest)) {
    parts.push(`${chalk.gray(escapeControls(k) + '=')}${typeof v === 'string' ? (/\s/.test(v) ? JSON.stringify(v) : escapeControls(v)) : JSON.stringify(v)}`);
  }
  return parts.join(' ');
}
