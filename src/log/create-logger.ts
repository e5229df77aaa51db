/**
 * pino underneath (structured, cheap when a level is off), with one destination that
 * redacts every line and then writes it as JSON or as coloured text.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { LogFields, Logger, LogLevel } from './logger.js';
import type { Redactor } from './redact.js';

export type LogFormat = 'text' | 'json';

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Colour the text format (a TTY, or LOG_FORCE_COLORS). */
  color: boolean;
  redactor: Redactor;
  out: { write(chunk: string): unknown };
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
  return wrap(root);
}

function wrap(p: PinoLogger): Logger {
  const log = (level: LogLevel) => (message: string, fields?: LogFields) => {
    if (fields) p[level](fields, message);
    else p[level](message);
  };
  return {
    trace: log('trace'),
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    isLevelEnabled: (level) => p.isLevelEnabled(level),
    child: (bindings) => wrap(p.child(bindings)),
  };
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
  if (task !== undefined) parts.push(chalk.bold(`[${String(task)}]`));
  parts.push(String(message ?? ''));
  for (const [k, v] of Object.entries(rest)) {
    parts.push(`${chalk.gray(k + '=')}${typeof v === 'string' ? (/\s/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v)}`);
  }
  return parts.join(' ');
}
