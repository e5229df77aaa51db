/**
 * The name a backup tag gets (config `backup`): a template of literal tag characters and
 * `{{.Var}}` fields. Go template syntax, as regsync's `backup` uses, so its users read it at
 * once; and `{{` has no meaning for the config's `${NAME}` environment expansion, so a
 * template never collides with it. Only a fixed set of fields, no functions: a template is
 * checked completely at load, and what it renders is always a valid tag but for its length,
 * which depends on the tag being backed up. Pure.
 */

export const BACKUP_FIELDS = ['Tag', 'Date', 'Time', 'Digest', 'ShortDigest'] as const;
export type BackupField = (typeof BACKUP_FIELDS)[number];

type Part = { literal: string } | { field: BackupField };

export interface BackupTemplate {
  /** As written, for logs. */
  text: string;
  parts: readonly Part[];
}

/** What a backup name is made of: the tag about to be overwritten, the image it holds, and when. */
export interface BackupFacts {
  tag: string;
  /** `sha256:<hex>` of the image the tag holds now. */
  digest: string;
  now: Date;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** The distribution spec's tag grammar. */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const FIELD = /\{\{\s*\.([A-Za-z]+)\s*\}\}/y;
const LITERAL_CHARS = /^[A-Za-z0-9_.-]*$/;

export function parseBackupTemplate(text: string): Parsed<BackupTemplate> {
  const parts: Part[] = [];
  let at = 0;
  while (at < text.length) {
    const open = text.indexOf('{{', at);
    const literal = text.slice(at, open < 0 ? text.length : open);
    if (!LITERAL_CHARS.test(literal)) {
      return { ok: false, message: `'${literal}' cannot be part of a tag: only letters, digits, '_', '.' and '-' besides the fields {{.${BACKUP_FIELDS.join('}}, {{.')}}}` };
    }
    if (literal) parts.push({ literal });
    if (open < 0) break;
    FIELD.lastIndex = open;
    const m = FIELD.exec(text);
    if (!m) return { ok: false, message: `'${text.slice(open, open + 20)}' is not a field: write {{.Tag}}, {{.Date}}, {{.Time}}, {{.Digest}} or {{.ShortDigest}}` };
    const name = m[1]!;
    if (!(BACKUP_FIELDS as readonly string[]).includes(name)) {
      return { ok: false, message: `unknown field {{.${name}}}: the fields are {{.${BACKUP_FIELDS.join('}}, {{.')}}}` };
    }
    parts.push({ field: name as BackupField });
    at = FIELD.lastIndex;
  }
  const template = { text, parts };
  if (parts.length === 1 && 'field' in parts[0]! && parts[0].field === 'Tag') {
    return { ok: false, message: 'the backup would be the tag itself: add text around {{.Tag}}, e.g. {{.Tag}}-backup' };
  }
  // A sample makes what the template can render visible: a leading '.' or '-' is never a tag.
  const sample = render(template, { tag: 't', digest: `sha256:${'0'.repeat(64)}`, now: new Date(0) });
  if (sample === '') return { ok: false, message: 'the template is empty' };
  if (!TAG.test(sample.slice(0, 128))) return { ok: false, message: `'${text}' does not make a valid tag (it must start with a letter, digit or '_')` };
  return { ok: true, value: template };
}

/** Whether every tag of a mapping gets a backup of its own (the name depends on the tag or the image). */
export function namesPerImage(template: BackupTemplate): boolean {
  return template.parts.some((p) => 'field' in p && (p.field === 'Tag' || p.field === 'Digest' || p.field === 'ShortDigest'));
}

/** The backup tag for `facts`, or why there is none (too long, or the tag itself). */
export function backupTagName(template: BackupTemplate, facts: BackupFacts): Parsed<string> {
  const name = render(template, facts);
  if (name === facts.tag) return { ok: false, message: `backup '${template.text}' names the tag '${facts.tag}' itself` };
  if (!TAG.test(name)) return { ok: false, message: `backup '${template.text}' makes '${name}', which is no valid tag (at most 128 characters)` };
  return { ok: true, value: name };
}

function render(template: BackupTemplate, facts: BackupFacts): string {
  const hex = facts.digest.slice(facts.digest.indexOf(':') + 1);
  const iso = facts.now.toISOString(); // 2006-01-02T15:04:05.000Z
  const values: Record<BackupField, string> = {
    Tag: facts.tag,
    Date: iso.slice(0, 10).replaceAll('-', ''),
    Time: iso.slice(11, 19).replaceAll(':', ''),
    Digest: hex,
    ShortDigest: hex.slice(0, 12),
  };
  return template.parts.map((p) => ('literal' in p ? p.literal : values[p.field])).join('');
}
