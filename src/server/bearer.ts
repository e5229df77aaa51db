/**
 * The shared secret of the webhook endpoints, sent as `Authorization: Bearer <secret>`.
 * Compared in constant time over SHA-256 digests, so neither the content nor the length of
 * the secret leaks through timing; the secret itself is never logged or echoed.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export function bearerMatches(header: string | string[] | undefined, secret: string | undefined): boolean {
  if (secret === undefined || secret === '' || typeof header !== 'string') return false;
  const m = /^Bearer[ \t]+(.+)$/i.exec(header.trim());
  if (!m) return false;
  return timingSafeEqual(digest(m[1]!.trim()), digest(secret));
}
