/**
 * Credentials from the user's docker `config.json` (`$DOCKER_CONFIG/config.json`, default
 * `~/.docker/config.json`), looked up as the docker CLI does: a `credHelpers` entry for the
 * registry, else the `credsStore` helper, else the `auths` entry (`auth` = base64 user:pass,
 * or `username` + `password`). Helpers run as `docker-credential-<name> get` through exec/,
 * with the server URL on stdin (never argv). The file is read at each use, so `docker login`
 * while a daemon runs is picked up. Identity tokens (OAuth refresh tokens) are not used.
 * Keys are matched as the docker CLI's Go JSON decoding matches them, whatever their case.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runProcess } from '../exec/exec.js';
import { isDockerHub } from '../registry/hosts.js';
import type { Credentials } from './credentials.js';
import { asJsonObject, goJsonValue } from './go-json.js';

/** The key docker uses for Docker Hub in `auths` and for its helpers. */
export const DOCKER_HUB_SERVER = 'https://index.docker.io/v1/';

export interface DockerConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

export type DockerConfigSource =
  | { kind: 'helper'; helper: string; serverUrl: string }
  | { kind: 'static'; credentials: Credentials }
  | { kind: 'none' };

/** `https://host:port/v1/` → `host:port`, as docker's ConvertToHostname. */
function hostnameOf(key: string): string {
  return key.replace(/^https?:\/\//, '').split('/')[0] ?? '';
}

/** Pure: where docker would take `registry`'s credentials from. */
export function lookupDockerConfig(config: DockerConfigFile, registry: string): DockerConfigSource {
  const hub = isDockerHub(registry);
  const serverUrl = hub ? DOCKER_HUB_SERVER : registry;
  const matches = (key: string) => (hub ? key === DOCKER_HUB_SERVER || isDockerHub(hostnameOf(key)) : hostnameOf(key) === registry);
  const helper = Object.entries(config.credHelpers ?? {}).find(([key]) => matches(key))?.[1];
  if (helper) return { kind: 'helper', helper, serverUrl };
  if (config.credsStore) return { kind: 'helper', helper: config.credsStore, serverUrl };
  return staticEntry(config, matches);
}

function staticEntry(config: DockerConfigFile, matches: (key: string) => boolean): DockerConfigSource {
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (!matches(key) || typeof entry !== 'object' || entry === null) continue;
    if (typeof entry.auth === 'string' && entry.auth !== '') {
      const text = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = text.indexOf(':');
      if (colon > 0) return { kind: 'static', credentials: { username: text.slice(0, colon), password: text.slice(colon + 1) } };
    }
    if (typeof entry.username === 'string' && entry.username && typeof entry.password === 'string') {
      return { kind: 'static', credentials: { username: entry.username, password: entry.password } };
    }
  }
  return { kind: 'none' };
}

/** Pure: a helper's answer (`{"ServerURL","Username","Secret"}`); undefined for an identity token. */
export function parseHelperOutput(stdout: string): Credentials | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    // Never echo the output: it may hold the secret.
    throw new Error('answered something that is not JSON');
  }
  const answer = asJsonObject(parsed) ?? {};
  const Username = goJsonValue(answer, 'Username');
  const Secret = goJsonValue(answer, 'Secret');
  if (typeof Username !== 'string' || typeof Secret !== 'string') throw new Error('answered JSON without Username and Secret');
  // `<token>` marks an identity token, which only docker's own login flow can use.
  if (Username === '<token>' || Secret === '') return undefined;
  return { username: Username, password: Secret };
}

/** Pure: config.json's fields as the docker CLI decodes them (any key case); values of other types are ignored. */
export function readDockerConfigJson(parsed: unknown): DockerConfigFile | undefined {
  const object = asJsonObject(parsed);
  if (!object) return undefined;
  const strings = (v: unknown) => Object.fromEntries(Object.entries(asJsonObject(v) ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const auths: NonNullable<DockerConfigFile['auths']> = {};
  for (const [server, raw] of Object.entries(asJsonObject(goJsonValue(object, 'auths')) ?? {})) {
    const entry = asJsonObject(raw);
    if (!entry) continue;
    const field = (name: string) => {
      const v = goJsonValue(entry, name);
      return typeof v === 'string' ? { [name]: v } : {};
    };
    auths[server] = { ...field('auth'), ...field('username'), ...field('password') };
  }
  const credsStore = goJsonValue(object, 'credsStore');
  return { auths, credHelpers: strings(goJsonValue(object, 'credHelpers')), ...(typeof credsStore === 'string' ? { credsStore } : {}) };
}

export interface DockerConfigOptions {
  /** The folder holding config.json. */
  dir: string;
  signal?: AbortSignal;
}

/** Credentials docker would use for `registry`; undefined when it has none. */
export async function dockerConfigCredentials(registry: string, opts: DockerConfigOptions): Promise<Credentials | undefined> {
  const file = join(opts.dir, 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return undefined;
    throw new Error(`cannot read docker config '${file}': ${e instanceof Error ? e.message : String(e)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`docker config '${file}' is not valid JSON`);
  }
  const config = readDockerConfigJson(parsed);
  if (!config) return undefined;
  const source = lookupDockerConfig(config, registry);
  if (source.kind === 'none') return undefined;
  if (source.kind === 'static') return source.credentials;
  const found = await runHelper(source.helper, source.serverUrl, opts.signal);
  // A store that knows nothing of this registry: docker still reads a plain `auths` entry.
  if (found === 'not-found') {
    const fallback = staticEntry(config, (key) => hostnameOf(key) === hostnameOf(source.serverUrl));
    return fallback.kind === 'static' ? fallback.credentials : undefined;
  }
  return found;
}

async function runHelper(name: string, serverUrl: string, signal: AbortSignal | undefined): Promise<Credentials | undefined | 'not-found'> {
  const program = `docker-credential-${name}`;
  const r = await runProcess(program, ['get'], { input: serverUrl, timeoutMs: 30_000, ...(signal ? { signal } : {}) });
  if (r.spawnError !== undefined) {
    throw new Error(`docker credential helper '${program}' (from the docker config) cannot be run: ${r.spawnError}`);
  }
  if (r.exitCode !== 0) {
    // The helper protocol's answer for an unknown server.
    if (/credentials not found/i.test(r.stdout + r.stderr)) return 'not-found';
    throw new Error(`docker credential helper '${program}' failed (exit code ${String(r.exitCode ?? r.signal)})`);
  }
  try {
    return parseHelperOutput(r.stdout);
  } catch (e) {
    throw new Error(`docker credential helper '${program}' ${e instanceof Error ? e.message : String(e)}`);
  }
}
