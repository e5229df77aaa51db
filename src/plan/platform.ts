/** A mapping's `platform`: nothing (the relay's default), one platform, or all of them. */
export type PlatformChoice =
  | { kind: 'default' }
  | { kind: 'all' }
  | { kind: 'one'; os: string; architecture?: string; variant?: string };

/** Parses `os[/arch[/variant]]` or `all`; returns an error message for anything else. */
export function parsePlatform(value: string | null | undefined): PlatformChoice | { error: string } {
  if (value == null || value.trim() === '') return { kind: 'default' };
  const v = value.trim();
  if (v === 'all') return { kind: 'all' };
  const parts = v.split('/');
  if (parts.length > 3 || parts.some((p) => !/^[A-Za-z0-9_.-]+$/.test(p))) {
    return { error: `invalid platform '${v}', expected 'os[/arch[/variant]]' or 'all'` };
  }
  const [os, architecture, variant] = parts as [string, string?, string?];
  return {
    kind: 'one',
    os,
    ...(architecture !== undefined ? { architecture } : {}),
    ...(variant !== undefined ? { variant } : {}),
  };
}

export function formatPlatform(p: PlatformChoice): string {
  if (p.kind === 'default') return 'default';
  if (p.kind === 'all') return 'all';
  return [p.os, p.architecture, p.variant].filter((s) => s !== undefined).join('/');
}
