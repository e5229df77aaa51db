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
