/**
 * The environment variables dregsy's users set (reference §A.11), read in one place.
 * Invalid values fall back to the default with a warning, as dregsy logs an error and goes on.
 */
import type { LogFormat } from '../log/create-logger.js';
import type { LogLevel } from '../log/logger.js';

export interface Environment {
  logLevel: LogLevel;
  logFormat: LogFormat;
  forceColors: boolean;
  warnings: string[];
}

const LEVELS: Record<string, LogLevel> = {
  panic: 'fatal',
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  warning: 'warn',
  info: 'info',
  debug: 'debug',
  trace: 'trace',
};

export function readEnvironment(env: NodeJS.ProcessEnv): Environment {
  const warnings: string[] = [];
  let logLevel: LogLevel = 'info';
  const rawLevel = env.LOG_LEVEL?.trim().toLowerCase();
  if (rawLevel) {
    const level = LEVELS[rawLevel];
    if (level) logLevel = level;
    else warnings.push(`invalid LOG_LEVEL '${env.LOG_LEVEL}', using 'info' (one of: error, warn, info, debug, trace)`);
  }
  let logFormat: LogFormat = 'text';
  const rawFormat = env.LOG_FORMAT?.trim().toLowerCase();
  if (rawFormat) {
    if (rawFormat === 'json' || rawFormat === 'text') logFormat = rawFormat;
    else warnings.push(`invalid LOG_FORMAT '${env.LOG_FORMAT}', using 'text' (one of: text, json)`);
  }
  const forceColors = /^(1|true|yes)$/i.test(env.LOG_FORCE_COLORS?.trim() ?? '');
  return { logLevel, logFormat, forceColors, warnings };
}
