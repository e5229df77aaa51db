/**
 * image-syncer's files (AliyunContainerService/image-syncer `pkg/client/config.go`,
 * `pkg/utils/types`): `auth.json` maps `registry` or `registry/namespace` to credentials;
 * `images.json` maps a source (`registry/ns/repo`, `…:tag1,tag2`, `…@sha256:…`, `…:/regex/`)
 * to one destination or a list of them. The older single `config.json` holds both under
 * `auth` and `images`. JSON or YAML.
 */
import * as z from 'zod';
import type { YamlData } from '../config/yaml-source.js';
import { bool, text, yamlString } from './peer-schema.js';

export const imageSyncerAuthEntrySchema = z.object({ username: text, password: text, insecure: bool });
export const imageSyncerAuthSchema = z.record(z.string(), imageSyncerAuthEntrySchema);
export const imageSyncerImagesSchema = z.record(z.string(), z.union([yamlString, z.array(yamlString)], { error: 'a destination must be a text or a list of texts' }).nullish());

export type ImageSyncerAuthEntry = z.output<typeof imageSyncerAuthEntrySchema>;

export type FileKind = 'auth' | 'images' | 'config' | 'empty' | 'unknown';

function isObject(v: unknown): v is Record<string, YamlData> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const AUTH_KEYS = new Set(['username', 'password', 'insecure']);

/** Which of image-syncer's files this is, by its content (file names do not say). */
export function classifyFile(data: YamlData | undefined): FileKind {
  if (data === undefined || data === null || (isObject(data) && Object.keys(data).length === 0)) return 'empty';
  if (!isObject(data)) return 'unknown';
  const values = Object.values(data);
  if (Object.keys(data).every((k) => k === 'auth' || k === 'images') && values.every((v) => v === null || isObject(v))) return 'config';
  if (values.every((v) => v === null || isObject(v)) && values.some((v) => isObject(v) && Object.keys(v).some((k) => AUTH_KEYS.has(k)))) return 'auth';
  if (values.every((v) => typeof v === 'string' || v === null || (Array.isArray(v) && v.every((x) => typeof x === 'string')))) return 'images';
  return 'unknown';
}

/** image-syncer's flags, by long name. */
export const IMAGE_SYNCER_FLAGS = {
  config: { value: true },
  auth: { value: true },
  images: { value: true },
  log: { value: true },
  proc: { value: true, short: 'p' },
  retries: { value: true, short: 'r' },
  os: { value: true },
  arch: { value: true },
  force: { value: false },
  'output-success-images': { value: true },
  'output-images-format': { value: true },
  namespace: { value: true },
  registry: { value: true },
} as const;

/** Every value given per flag (`--os` and `--arch` repeat). */
export type ImageSyncerFlags = { [K in keyof typeof IMAGE_SYNCER_FLAGS]?: string[] };
