/**
 * The one place secrets are taken out of text. Every log line, relay output line and error
 * message that leaves the process goes through a Redactor owned by the running program.
 */
export const REDACTED = '***';

/**
 * Shorter values are not masked: replacing every `a` or `12` in a line would garble ordinary
 * words and numbers while hiding nothing worth hiding (a 3-character password is guessed, not
 * read). A short password's longer forms (`user:pw`, base64, the `auth` value) are still masked.
 */
export const MIN_SECRET_LENGTH = 4;

export class Redactor {
  // Longest first, so a secret that contains another is replaced whole.
  private secrets: string[] = [];

  /** Registers values to hide from now on; also hides their JSON-escaped forms. */
  add(...values: Array<string | undefined>): void {
    let changed = false;
    for (const v of values) {
      if (v === undefined || v.length < MIN_SECRET_LENGTH) continue;
      for (const form of new Set([v, JSON.stringify(v).slice(1, -1)])) {
        if (!this.secrets.includes(form)) {
          this.secrets.push(form);
          changed = true;
        }
      }
    }
    if (changed) this.secrets.sort((a, b) => b.length - a.length);
  }

  /** How many forms are hidden: grows when a secret is added (a cache of redacted text can tell). */
  get size(): number {
    return this.secrets.length;
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) {
      if (out.includes(s)) out = out.split(s).join(REDACTED);
    }
    return out;
  }
}
