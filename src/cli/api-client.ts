/**
 * The client side of the status API, for `dregsy status`, `pause`, `resume` and `run`: where a
 * running dregsy is (`--api URL`, else `DREGSY_API`, else http://127.0.0.1:8080) and its token
 * (`--token-file FILE`, else `DREGSY_API_TOKEN`, else the file named by `DREGSY_API_TOKEN_FILE`;
 * never a flag's value, which every user of the machine could read in `ps`).
 */
import type { Environment } from '../config/environment.js';
import { errorMessage, UsageError } from '../errors.js';
import { readToken } from '../service/service-config.js';

export const DEFAULT_API_URL = 'http://127.0.0.1:8080';

/** The API answered with an error, or could not be reached (exit 1). */
export class ApiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiCommandOptions {
  api?: string | undefined;
  tokenFile?: string | undefined;
  json?: boolean | undefined;
}

export interface ApiClient {
  readonly base: string;
  get<T>(path: string): Promise<T>;
  post<T>(path: string): Promise<T>;
}

/** `host:port` and `:port` are taken too, as `--listen` spells them. */
export function apiBase(text: string): string {
  const t = text.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(t) ? t : `http://${t.startsWith(':') ? `127.0.0.1${t}` : t}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(`invalid API address '${text}': expected e.g. http://127.0.0.1:8080`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`invalid API address '${text}': http:// or https:// only`);
  return url.href.replace(/\/+$/, '');
}

export async function createApiClient(opts: ApiCommandOptions, env: Environment): Promise<ApiClient> {
  const base = apiBase(opts.api ?? env.apiUrl ?? DEFAULT_API_URL);
  const source = opts.tokenFile !== undefined ? { value: undefined, file: opts.tokenFile } : env.apiToken;
  const { token, problem } = await readToken(source, opts.tokenFile !== undefined ? '--token-file' : 'DREGSY_API_TOKEN_FILE');
  if (problem) throw new UsageError(problem);
  const call = async <T>(method: string, path: string): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, { method, headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, signal: AbortSignal.timeout(30_000) });
    } catch (e) {
      const cause = (e as { cause?: unknown }).cause;
      throw new ApiError(`cannot reach dregsy at ${base}: ${errorMessage(cause ?? e)}`);
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined; // not JSON: not our API (a proxy's error page, another program)
    }
    if (res.status === 401) throw new ApiError(`dregsy at ${base} refused the token: set DREGSY_API_TOKEN (or DREGSY_API_TOKEN_FILE, --token-file) to its API token`);
    if (!res.ok) {
      const why = (body as { error?: string } | undefined)?.error ?? `HTTP ${res.status}`;
      throw new ApiError(`${why} (${method} ${base}${path})`);
    }
    if (body === undefined) throw new ApiError(`${base}${path} answered something other than JSON: is this dregsy's listener?`);
    return body as T;
  };
  return { base, get: (path) => call('GET', path), post: (path) => call('POST', path) };
}
