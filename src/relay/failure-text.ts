/**
 * Telling a transient registry failure from a permanent one by its text, for the relays that
 * report failures as text: skopeo's stderr and the Docker Engine's pull/push errors. Both are
 * Go programs over the same distribution client code, so their messages share their words
 * (`received unexpected HTTP status: 503 Service Unavailable`, `toomanyrequests`, `connection
 * reset by peer`, `manifest unknown`, `unauthorized`). What is final is checked first: a
 * message naming both (an auth failure after a reset) is not retried.
 */
import type { Verdict } from '../retry/policy.js';

const PERMANENT: readonly RegExp[] = [
  /unauthori[sz]ed|authentication required|denied|forbidden|\b40[13]\b/i,
  /manifest unknown|name unknown|blob unknown|not found|\b404\b|no such (image|host)/i,
  /unsupported|malformed|manifest invalid|invalid reference|digest did not match|\bx509\b|certificate/i,
];

const TRANSIENT: ReadonlyArray<[RegExp, string]> = [
  [/toomanyrequests|too many requests|\b429\b/i, 'HTTP 429'],
  [/\b50[0234]\b|internal server error|bad gateway|service unavailable|gateway time-?out/i, 'HTTP 5xx'],
  [/connection reset|broken pipe|connection refused|unexpected EOF|(^|[:\s])EOF\b|use of closed network connection|server closed idle connection/i, 'connection lost'],
  [/i\/o timeout|TLS handshake timeout|timeout awaiting response headers|context deadline exceeded|Client\.Timeout/i, 'timeout'],
];

export function classifyFailureText(text: string): Verdict {
  if (PERMANENT.some((re) => re.test(text))) return { retry: false };
  const hit = TRANSIENT.find(([re]) => re.test(text));
  return hit ? { retry: true, why: hit[1] } : { retry: false };
}

/** How Go's registry clients introduce a status they did not expect. */
const STATUS_WORDS = /invalid status code from registry|received unexpected HTTP status|unexpected http code/i;

/**
 * Which step of a whole copy a failure's text says failed: the chain of contexts Go puts before
 * the cause (`writing manifest: uploading manifest 1.3.8 to …`), without the cause itself (a 503
 * this time, a reset the next) and without what changes from try to try (upload session ids
 * and query strings, local ports). Tries that fail at the same step are one request failing
 * again; tries that fail at different steps are a flaky registry answering the rest (retry.ts).
 */
export function failedStep(text: string): string {
  // The last fatal line is the copy's error; skopeo's earlier lines are retries and warnings.
  const lines = text.split('\n').filter((l) => l.trim());
  const last = lines.findLast((l) => /level=(fatal|error)/.test(l)) ?? lines.at(-1) ?? '';
  const quoted = /msg="((?:[^"\\]|\\.)*)"/.exec(last)?.[1];
  const msg = quoted === undefined ? last : quoted.replace(/\\(.)/g, '$1');
  const cause = Math.min(...[...TRANSIENT.map(([re]) => re), STATUS_WORDS].map((re) => msg.search(re)).filter((i) => i >= 0), msg.length);
  const context = msg.slice(0, cause);
  // Go's HTTP client names the request (`Get "…": EOF`); the context before it names the step.
  const request = context.search(/: (GET|HEAD|POST|PUT|PATCH|DELETE) "/i);
  return (request >= 0 ? context.slice(0, request) : context)
    .replace(/[:\s]+$/, '')
    .replace(/\?[^\s"\\]*/g, '')
    .replace(/\/uploads\/[^\s"\\/]+/g, '/uploads/…')
    .replace(/\b\d{1,3}(\.\d{1,3}){3}:\d+/g, '…')
    .trim();
}
