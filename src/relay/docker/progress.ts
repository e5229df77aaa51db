/**
 * Reading what the Docker Engine answers. Pull and push answer 200 at once and then stream
 * one JSON object per line; a failure after that point arrives as an `{"error": …}` object
 * in the stream, not as an HTTP status, so the stream must be read to the end and checked.
 */

/** One line of a pull or push progress stream (only the fields we read). */
export interface ProgressEvent {
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string; code?: number };
}

/** Splits off the complete lines of `buffer`; `rest` is the unfinished last line. */
export function takeLines(buffer: string): { lines: string[]; rest: string } {
  const parts = buffer.split(/\r?\n/);
  const rest = parts.pop() ?? '';
  return { lines: parts.filter((l) => l.trim() !== ''), rest };
}

/** A line as an event; a line that is not a JSON object is kept as a status text. */
export function parseProgressLine(line: string): ProgressEvent {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as ProgressEvent;
  } catch {
    // Not JSON: an Engine or proxy in between printed plain text; keep it readable below.
  }
  return { status: line.trim() };
}

/** The error an event reports, if it is an error event. */
export function progressError(event: ProgressEvent): string | undefined {
  const detail = event.errorDetail?.message;
  if (typeof detail === 'string' && detail.trim() !== '') return detail.trim();
  if (typeof event.error === 'string' && event.error.trim() !== '') return event.error.trim();
  return undefined;
}

/** A readable line for an event that says something new; undefined for progress-bar ticks. */
export function describeEvent(event: ProgressEvent): string | undefined {
  const error = progressError(event);
  if (error !== undefined) return `error: ${error}`;
  if (event.status === undefined || event.status === '') return undefined;
  if (event.progressDetail?.current !== undefined) return undefined;
  return event.id ? `${event.id}: ${event.status}` : event.status;
}

/** The message of an Engine error answer (`{"message": …}`), or its text, or its status. */
export function engineErrorText(status: number, body: string): string {
  const text = body.trim();
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && 'message' in value && typeof value.message === 'string' && value.message.trim() !== '') {
      return value.message.trim();
    }
  } catch {
    // Not JSON: fall back to the text as it came.
  }
  return text === '' ? `HTTP ${status}` : text.split('\n')[0]!.slice(0, 500);
}

/**
 * Words a user understands for the failures they can fix. The Engine's own text stays in
 * the message; this only adds what to look at, e.g. for a registry that refused the login.
 */
export function hintFor(message: string): string | undefined {
  if (/unauthorized|authentication required|no basic auth credentials|denied|401/i.test(message)) {
    return "check the location's 'auth' credentials";
  }
  if (/http: server gave HTTP response to HTTPS client|x509|certificate/i.test(message)) {
    return "the Docker daemon decides TLS: add the registry to its 'insecure-registries', or its CA to /etc/docker/certs.d/<host:port>/";
  }
  if (/client version .* is too new/i.test(message)) return "lower 'docker.api-version' to what the Engine supports";
  return undefined;
}
