/** Reading what skopeo printed: the last lines an error carries, and the message a user wants. */

export function lastLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join('\n');
}

/** skopeo prints `time="…" level=fatal msg="…"`; a user wants the msg. */
export function summarize(tail: string): string {
  const lines = tail.split('\n').filter((l) => l.trim() !== '');
  const fatal = [...lines].reverse().find((l) => /level=(fatal|error)/.test(l)) ?? lines[lines.length - 1] ?? 'no output';
  const m = /msg="((?:[^"\\]|\\.)*)"/.exec(fatal);
  return m?.[1] !== undefined ? m[1].replace(/\\"/g, '"') : fatal.trim();
}
