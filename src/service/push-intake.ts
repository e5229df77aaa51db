/**
 * The guards between a registry's push events and the runs they ask for, so that dregsy never
 * triggers itself (see docs/configuration.md, "Push webhooks"):
 * - the echo of a tag one of our runs pushed (or is pushing) is acknowledged and dropped
 *   (own-writes.ts; the runs register their writes through write-recording.ts);
 * - a mapping skips a pushed repository that is its own output (plan/push-match.ts); that is
 *   said here, once per mapping at warn level, then at debug level.
 * Lives as long as the service: runtimes and configs come and go, the writes stay remembered.
 */
import type { Logger } from '../log/logger.js';
import type { ResolvedTask } from '../model/task.js';
import type { PushEvent } from '../plan/push-match.js';
import { OwnWrites } from './own-writes.js';
import type { PushRouting } from './push-routing.js';

export class PushIntake {
  /** What runs pushed lately: the runtimes register their writes here. */
  readonly writes: OwnWrites;
  /** The mappings whose skipping of their own output was said at warn level. */
  private readonly said = new Set<string>();

  constructor(private readonly opts: { logger: Logger; now: () => number }) {
    this.writes = new OwnWrites({ now: opts.now });
  }

  /** `events` less the echoes of our own writes (each said at debug level), and how many those were. */
  withoutOwnWrites(events: readonly PushEvent[]): { others: PushEvent[]; ownWrites: number } {
    const log = this.opts.logger;
    const others = events.filter((e) => {
      const own = this.writes.claim(e);
      if (own && log.isLevelEnabled('debug')) {
        // The user agent is told, never decided on: every dregsy sends the same one (see docs).
        log.debug(`ignored own write: ${e.host ?? '(no registry named)'}/${e.repo}:${e.tag}, pushed by task '${own.task ?? '?'}'`, {
          ...(e.digest && { digest: e.digest }),
          ...(e.userAgent && { agent: e.userAgent }),
        });
      }
      return own === undefined;
    });
    return { others, ownWrites: events.length - others.length };
  }

  sayOwnTargets(tasks: readonly ResolvedTask[], routed: PushRouting): void {
    for (const skip of routed.ownTargets) {
      const from = tasks.find((t) => t.name === skip.task)?.mappings[skip.mapping]?.from ?? `#${skip.mapping}`;
      const key = `${skip.task}\0${skip.mapping}\0${from}`;
      const text = `a push of ${skip.repo} is not copied by mapping '${from}': that is where the mapping copies ${skip.source} (the task writes to its source registry)`;
      const log = this.opts.logger.child({ task: skip.task });
      if (this.said.has(key)) {
        log.debug(text);
        continue;
      }
      this.said.add(key);
      log.warn(`${text}; further such pushes are said at debug level`);
    }
  }
}
