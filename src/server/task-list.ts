/**
 * The body of GET /api/v1/tasks, kept encoded between requests.
 *
 * With 1,000 tasks the list is half a megabyte of JSON, dashboards poll it, and while tasks
 * keep running some task has changed before nearly every request. Building it whole each time
 * (every snapshot, JSON.stringify, the Redactor over the whole text, one fresh buffer) cost
 * 11 ms of CPU on this project's machines, over the 10 ms goal. So each task's JSON is kept
 * with the stamp of the snapshot it came from (Scheduler.stamps: a stamp is never reused), and
 * the tasks are grouped in blocks of BLOCK_TASKS whose encoded text is kept: a request after
 * one run ended takes one snapshot and re-encodes one block, and the reply is those buffers
 * written one after another (the listener never joins them).
 *
 * Everything is dropped when the Redactor learns a secret, since any kept text might hold it.
 */
import type { Redactor } from '../log/redact.js';
import type { ServiceControl } from '../service/status.js';
import { taskSummary } from './task-view.js';

const BLOCK_TASKS = 64;
const OPEN = Buffer.from('{"tasks":[', 'utf8');
const COMMA = Buffer.from(',', 'utf8');
const CLOSE = Buffer.from(']}\n', 'utf8');

interface Block {
  /** `name@stamp` of each task in the block, joined: equal keys, equal text. */
  key: string;
  encoded: Buffer;
}

export class TaskListCache {
  /** Each task's JSON (already redacted) and the stamp of the snapshot it shows. */
  private entries = new Map<string, { stamp: number; json: string }>();
  private blocks: Block[] = [];
  private secrets = -1;
  private built: { version: number; parts: readonly Buffer[] } | undefined;

  constructor(
    private readonly service: ServiceControl,
    private readonly redactor: Redactor,
  ) {}

  /** The list's body as buffers to write in order (never to modify). */
  parts(): readonly Buffer[] {
    const version = this.service.statusVersion();
    if (this.redactor.size !== this.secrets) {
      this.entries.clear();
      this.blocks = [];
      this.built = undefined;
      this.secrets = this.redactor.size;
    }
    if (this.built?.version === version) return this.built.parts;
    const stamps = this.service.taskStamps();
    const entries = new Map<string, { stamp: number; json: string }>();
    const blocks: Block[] = [];
    const parts: Buffer[] = [OPEN];
    for (let start = 0; start < stamps.length; start += BLOCK_TASKS) {
      const slice = stamps.slice(start, start + BLOCK_TASKS);
      const key = slice.map((t) => `${t.name}@${t.stamp}`).join('\n');
      const old = this.blocks[blocks.length];
      let block: Block;
      if (old?.key === key) {
        block = old;
        for (const t of slice) entries.set(t.name, this.entries.get(t.name)!);
      } else {
        const texts = slice.map((t) => {
          const json = this.json(t.name, t.stamp);
          entries.set(t.name, json);
          return json.json;
        });
        block = { key, encoded: Buffer.from(texts.join(','), 'utf8') };
      }
      blocks.push(block);
      if (start > 0) parts.push(COMMA);
      parts.push(block.encoded);
    }
    parts.push(CLOSE);
    this.entries = entries;
    this.blocks = blocks;
    this.built = { version, parts };
    return parts;
  }

  /** A task's JSON: the kept one while its stamp holds, else from a fresh snapshot. */
  private json(name: string, stamp: number): { stamp: number; json: string } {
    const kept = this.entries.get(name);
    if (kept?.stamp === stamp) return kept;
    const d = this.service.details(name);
    // stamps() and this run in one turn of the event loop, so the task is there; 'null' only guards the type.
    const json = d ? this.redactor.redact(JSON.stringify(taskSummary(d.status, d.task))) : 'null';
    return { stamp, json };
  }
}
