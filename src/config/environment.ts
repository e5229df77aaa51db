/**
 * The environment variables dregsy's users set (reference §A.11), read in one place.
 * Invalid values fall back to the default with a warning, as dregsy logs an error and goes on.
 */
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import type { LogFormat } from '../log/create-logger.js';
import type { LogLevel } from '../log/logger.js';

export interface Environment {
  logLevel: LogLevel;
  logFormat: LogFormat;
  forceColors: boolean;
  /** `LOG_METHODS=true`: log lines name the function and file that wrote them (dregsy: logrus ReportCaller). */
  logMethods: boolean;
  /** Docker Hub's web API (the `dockerhub` lister); tests point it at a local server. */
  dockerHubApiUrl: string;
  /** Docker Hub's search API (the `index` lister on Docker Hub); tests point it elsewhere. */
  dockerHubIndexUrl: string;
  /** Proxies for registry requests, as skopeo (Go) reads them from the same variables. */
  proxy: { httpProxy: string | undefined; httpsProxy: string | undefined; noProxy: string | undefined };
  /** Where docker's config.json is: `$DOCKER_CONFIG`, else `~/.docker`. */
  dockerConfigDir: string;
  /**
   * The shared secret of the webhook and trigger endpoints: `DREGSY_WEBHOOK_TOKEN`, or the file
   * named by `DREGSY_WEBHOOK_TOKEN_FILE` (read when the config is loaded, so a rotated file is
   * picked up by a reload).
   */
  webhookToken: { value: string | undefined; file: string | undefined };
  /**
   * The status API's token: `DREGSY_API_TOKEN`, or the file named by `DREGSY_API_TOKEN_FILE`
   * (read with the config, so a reload picks up a rotated file). The CLI's `status`, `pause`,
   * `resume` and `run` send the same one.
   */
  apiToken: { value: string | undefined; file: string | undefined };
  /** `DREGSY_API`: where `dregsy status` and friends find a running dregsy. */
  apiUrl: string | undefined;
  /** What after-sync hooks get as their environment: ours, less the webhook and API secrets. */
  hookEnv: Record<string, string>;
  /** What decides this replica's shard besides `--shard` (src/shard/shard.ts), as set. */
  shard: { envCount: string | undefined; jobCompletionIndex: string | undefined; hostname: string };
  /** The values of `${VAR}` references in the config file. */
  configVars: Readonly<Record<string, string | undefined>>;
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

const SECRET_VARS = ['DREGSY_WEBHOOK_TOKEN', 'DREGSY_WEBHOOK_TOKEN_FILE', 'DREGSY_API_TOKEN', 'DREGSY_API_TOKEN_FILE'];

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
  const logMethods = env.LOG_METHODS?.trim().toLowerCase() === 'true';
  const dockerHubApiUrl = env.DREGSY_DOCKERHUB_API_URL?.trim() || 'https://hub.docker.com';
  const dockerHubIndexUrl = env.DREGSY_DOCKERHUB_INDEX_URL?.trim() || 'https://index.docker.io';
  const pick = (...names: string[]) => names.map((n) => env[n]?.trim()).find((v) => v !== undefined && v !== '');
  const proxy = { httpProxy: pick('HTTP_PROXY', 'http_proxy'), httpsProxy: pick('HTTPS_PROXY', 'https_proxy'), noProxy: pick('NO_PROXY', 'no_proxy') };
  const dockerConfigDir = env.DOCKER_CONFIG?.trim() || join(env.HOME?.trim() || homedir(), '.docker');
  // A pod's hostname is its name (a StatefulSet's `<name>-<ordinal>`); HOSTNAME first, so tests can set it.
  const shard = { envCount: env.DREGSY_SHARDS, jobCompletionIndex: env.JOB_COMPLETION_INDEX, hostname: env.HOSTNAME?.trim() || hostname() };
  const configVars = { ...env };
  const webhookToken = { value: env.DREGSY_WEBHOOK_TOKEN || undefined, file: env.DREGSY_WEBHOOK_TOKEN_FILE?.trim() || undefined };
  const apiToken = { value: env.DREGSY_API_TOKEN?.trim() || undefined, file: env.DREGSY_API_TOKEN_FILE?.trim() || undefined };
  const apiUrl = env.DREGSY_API?.trim() || undefined;
  const hookEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && !SECRET_VARS.includes(k)) hookEnv[k] = v;
  }
  return { logLevel, logFormat, forceColors, logMethods, dockerHubApiUrl, dockerHubIndexUrl, proxy, dockerConfigDir, shard, webhookToken, apiToken, apiUrl, hookEnv, configVars, warnings };
}
