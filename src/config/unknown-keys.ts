/**
 * Keys the schema does not know. dregsy (yaml.v2, non-strict) ignores them silently, so a
 * typo like `skip-tls-verfy` just does nothing; we keep ignoring them but warn, naming the
 * closest known key at that level when it is close. Known keys come from the zod schema.
 */
import { distance } from 'fastest-levenshtein';
import type { z } from 'zod';
import type { PathSegment } from './config-path.js';
import type { Finding } from './finding.js';

type Shape = { kind: 'object'; keys: Map<string, z.ZodType> } | { kind: 'array'; element: z.ZodType } | { kind: 'leaf' };

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  options?: z.ZodType[];
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** What a (wrapped) schema holds: an object's keys, an array's element, or a scalar. */
export function shapeOf(schema: z.ZodType, depth = 0): Shape {
  if (depth > 20) return { kind: 'leaf' };
  const def = defOf(schema);
  switch (def.type) {
    case 'object':
      return { kind: 'object', keys: new Map(Object.entries(def.shape ?? {})) };
    case 'array':
      return def.element ? { kind: 'array', element: def.element } : { kind: 'leaf' };
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'nonoptional':
    case 'readonly':
    case 'catch':
      return def.innerType ? shapeOf(def.innerType, depth + 1) : { kind: 'leaf' };
    case 'pipe': {
      for (const side of [def.in, def.out]) {
        if (!side) continue;
        const s = shapeOf(side, depth + 1);
        if (s.kind !== 'leaf') return s;
      }
      return { kind: 'leaf' };
    }
    case 'union':
      for (const option of def.options ?? []) {
        const s = shapeOf(option, depth + 1);
        if (s.kind !== 'leaf') return s;
      }
      return { kind: 'leaf' };
    default:
      return { kind: 'leaf' };
  }
}

/** The known key closest to `key`, when it is close enough to be a likely typo. */
export function closestKey(key: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = distance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const allowed = key.length <= 4 ? 1 : key.length <= 10 ? 2 : 3;
  return bestDistance <= allowed ? best : undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Warnings for every key in `data` the schema does not know. Keys starting with `x-` are
 * extension fields (a common home for YAML anchors) and are skipped.
 */
export function findUnknownKeys(schema: z.ZodType, data: unknown, path: PathSegment[] = []): Finding[] {
  const shape = shapeOf(schema);
  const out: Finding[] = [];
  if (shape.kind === 'array' && Array.isArray(data)) {
    data.forEach((item, i) => out.push(...findUnknownKeys(shape.element, item, [...path, i])));
  } else if (shape.kind === 'object' && isRecord(data)) {
    for (const [key, value] of Object.entries(data)) {
      const child = shape.keys.get(key);
      if (child) {
        out.push(...findUnknownKeys(child, value, [...path, key]));
        continue;
      }
      if (key.startsWith('x-')) continue;
      const suggestion = closestKey(key, shape.keys.keys());
      out.push({
        severity: 'warning',
        path: [...path, key],
        message: suggestion ? `unknown key, did you mean '${suggestion}'?` : 'unknown key, ignored',
      });
    }
  }
  return out;
}
