/** `listen:` / `--listen`: `host:port`, `:port` (every interface), `[v6]:port`; port 0 picks a free one. */
export type ListenAddress = { ok: true; host: string | undefined; port: number } | { ok: false; message: string };

export function parseListenAddress(text: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]*)):(\d{1,5})$/.exec(text.trim());
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port) || port > 65535) {
    return { ok: false, message: `invalid address '${text}': expected 'host:port' or ':port', e.g. '127.0.0.1:8080' or ':8080'` };
  }
  const host = m[1] ?? m[2];
  return { ok: true, host: host === '' ? undefined : host, port };
}

/** `http://host:port` for logs. */
export function describeAddress(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** True when `host` reaches only this machine: `localhost`, 127.0.0.0/8, `::1`. Undefined (every interface) is not. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
