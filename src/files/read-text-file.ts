/**
 * Reading the small text files a user points us at (the config, an `auth-file`) so that no
 * path can hang, exhaust or garble the program:
 * - the file is opened non-blocking: opening a FIFO for reading otherwise waits for a writer,
 *   for ever;
 * - only a regular file is read: a FIFO, a device (`/dev/urandom`), a socket or a folder is
 *   refused by its kind, before a byte is read;
 * - at most `maxBytes + 1` bytes are read, whatever the size claimed: a file that is too big
 *   is refused instead of filling the memory;
 * - the bytes must be UTF-8 text without control characters (tab, line feed and carriage
 *   return aside), or the file is refused with the offset of the first bad byte: the bytes
 *   themselves are never put into a message, since a terminal or a log would receive them.
 */
import { constants, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';

/** The file cannot be used; `reason` is for a user ("is a FIFO (named pipe), not a regular file"). */
export class TextFileError extends Error {
  override readonly name = 'TextFileError';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

export interface ReadTextFileOptions {
  /** Larger files are refused. */
  maxBytes: number;
}

/** Reads a regular UTF-8 text file of at most `maxBytes`; throws `TextFileError` otherwise. */
export async function readTextFile(path: string, opts: ReadTextFileOptions): Promise<string> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new TextFileError(path, systemReason(e));
  }
  try {
    const kind = notRegularFile(await handle.stat());
    if (kind) throw new TextFileError(path, kind);
    const bytes = await readAtMost(handle, opts.maxBytes + 1);
    if (bytes.length > opts.maxBytes) throw new TextFileError(path, `is larger than ${formatSize(opts.maxBytes)}, the most this file may hold`);
    const bad = textProblem(bytes);
    if (bad) throw new TextFileError(path, bad);
    return new TextDecoder('utf-8').decode(bytes);
  } catch (e) {
    if (e instanceof TextFileError) throw e;
    throw new TextFileError(path, systemReason(e));
  } finally {
    await handle.close();
  }
}

/**
 * Why `path` can never be a text file to read (a FIFO, a device, a socket, a folder), or
 * undefined: a regular file, or nothing there (yet) — a mounted Secret may appear later.
 * Only looks, never opens.
 */
export async function unreadableKind(path: string): Promise<string | undefined> {
  try {
    return notRegularFile(await stat(path));
  } catch {
    // missing, or not ours to see: reading it later reports that with its own reason
    return undefined;
  }
}

function notRegularFile(st: Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return 'is a directory';
  if (st.isFIFO()) return 'is a FIFO (named pipe), not a regular file';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'is a device, not a regular file';
  if (st.isSocket()) return 'is a socket, not a regular file';
  return 'is not a regular file';
}

async function readAtMost(handle: FileHandle, limit: number): Promise<Buffer> {
  const buffer = Buffer.alloc(Math.min(limit, 64 * 1024));
  const chunks: Buffer[] = [];
  let total = 0;
  while (total < limit) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, limit - total), null);
    if (bytesRead === 0) break;
    chunks.push(Buffer.from(buffer.subarray(0, bytesRead)));
    total += bytesRead;
  }
  return Buffer.concat(chunks, total);
}

/** Why `bytes` are no text a user wrote, with where; undefined for UTF-8 text. */
export function textProblem(bytes: Uint8Array): string | undefined {
  if (startsWith(bytes, [0xff, 0xfe]) || startsWith(bytes, [0xfe, 0xff])) return 'is UTF-16 text: save it as UTF-8';
  const control = bytes.findIndex((b) => (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f);
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(control < 0 ? bytes : bytes.subarray(0, control));
  } catch {
    return `is not UTF-8 text (invalid byte at offset ${invalidUtf8Offset(bytes)})`;
  }
  if (control >= 0) {
    const code = (bytes[control] ?? 0).toString(16).padStart(2, '0');
    return `is not a text file (control character 0x${code} on line ${lineAt(bytes, control)})`;
  }
  return undefined;
}

function startsWith(bytes: Uint8Array, prefix: number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

/** The first offset where UTF-8 decoding fails, found by halving (the decoder does not say). */
function invalidUtf8Offset(bytes: Uint8Array): number {
  const valid = (n: number): boolean => {
    try {
      // `stream: true` accepts a sequence cut at the end, so only real errors count
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, n), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  let lo = 0;
  let hi = bytes.length;
  while (lo < hi) {
    const mid = Math.floor((lo + hi + 1) / 2);
    if (valid(mid)) lo = mid;
    else hi = mid - 1;
  }
  // the first `lo` bytes may end in a sequence that the next byte breaks: point at its start
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, lo));
    return lo;
  } catch {
    let start = lo - 1;
    while (start > 0 && ((bytes[start] ?? 0) & 0xc0) === 0x80) start--;
    return start;
  }
}

function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

function formatSize(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : n % 1024 === 0 ? `${n / 1024} KiB` : `${n} bytes`;
}

/** An OS error in a user's words; the message of anything else. */
function systemReason(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    default:
      return e instanceof Error ? e.message : String(e);
  }
}
