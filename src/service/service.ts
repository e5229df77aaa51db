/**
 * The running dregsy: one config in force, the scheduler running its tasks on a runtime, and
 * (when asked for) the listener feeding it push events. The composition root (cli/run-sync.ts)
 * builds the parts; this object runs them, reloads, and answers what the status API reads.
 *
 * A reload validates first: a bad config is logged problem by problem and refused, and the
 * one in force keeps running. A good one is switched to without dropping work: runs going on
 * finish, unchanged tasks keep their schedule, removed ones stop, new ones start.
 */
import { ConfigError, errorMessage, formatProblem } from '../errors.js';
import { hookWanted, runAfterSyncHook } from '../hooks/after-sync.js';
import type { Logger } from '../log/logger.js';
import type { ResolvedTask } from '../model/task.js';
import type { PushEvent } from '../plan/push-match.js';
import type { Clock } from '../schedule/clock.js';
import { Scheduler } from '../schedule/scheduler.js';
import type { RunContext, RunPlan, TaskState, TriggerKind } from '../schedule/types.js';
import { describeShard, shardOf } from '../shard/choice.js';
import type { RunScope, TaskRunResult } from '../sync/run-task.js';
import type { WriteRecorder } from './own-writes.js';
import { PushIntake } from './push-intake.js';
import { routePush } from './push-routing.js';
import type { RegistryCounters } from '../registry/health.js';
import type { ServiceObserver } from './observer.js';
import { relayFailure, RuntimeHolder, type Runtime } from './runtime.js';
import { isLongRunning, type ApiSettings, type ServiceConfig } from './service-config.js';
import type { ConfigStatus, Readiness, RunSummary, ServiceControl, ServiceStatus, TaskDetails } from './status.js';

/** What became of a batch of push events. */
export interface PushOutcome {
  /** The tasks that got a targeted run queued. */
  tasks: string[];
  /** Events that concern no task. */
  unmatched: number;
  /** Events that are the echo of dregsy's own writes (own-writes.ts): acknowledged, never run. */
  ownWrites: number;
  /** Events that every mapping selecting them skipped as its own output (plan/push-match.ts). */
  ownTargets: number;
}

/** Where push events and triggers go (the listener's side of the service). */
export interface PushSink {
  /** Queues targeted runs for the tasks the events concern, less the echoes of dregsy's own writes. */
  push(events: readonly PushEvent[]): PushOutcome;
  /** `POST /trigger/<task>`: a full run after the task's quiet period. */
  trigger(task: string): 'accepted' | 'unknown' | 'disabled';
}

/** What the listener serves with, from the config in force. */
export interface ListenerSettings {
  /** Where to listen; undefined: not at all. */
  address: string | undefined;
  webhookToken: string | undefined;
  api: ApiSettings;
}

/** The HTTP side, built by the composition root around the service (push sink and control). */
export interface Listener {
  /** Listens on `settings.address` (or stops, when undefined); throws when it cannot bind. */
  apply(settings: ListenerSettings): Promise<void>;
  /** `http://host:port` while listening. */
  address(): string | undefined;
  close(): Promise<void>;
}

export interface ServiceOptions {
  mode: 'sync' | 'check';
  clock: Clock;
  logger: Logger;
  graceMs: number;
  /** Reads and checks the config file (throws ConfigError with every problem). */
  load(): Promise<ServiceConfig>;
  /**
   * Builds a runtime for a config's global settings; its relay may still be starting
   * (Runtime.ready, rejecting with an EnvironmentError when it cannot). Its runs tell `writes`
   * of every tag they push, before pushing it.
   */
  buildRuntime(config: ServiceConfig, writes: WriteRecorder): Promise<Runtime>;
  /** The listener around this service; not used in check mode. */
  listener?: (service: PushSink & ServiceControl) => Listener;
  /** Told of runs, requests and reloads (the metrics). */
  observer?: ServiceObserver;
  /** Watches the config file, calling back on a change (`watch: true`). */
  watch?: (file: string, onChange: (why: string) => void) => Promise<{ close(): void }>;
  /** The environment after-sync hooks start from. */
  hookEnv: Record<string, string>;
  /** Said when the config has no task to run (e.g. none matches `-run`). */
  emptyMessage?: string;
  /** Told after every task run (report file, progress). */
  onRun?: (result: TaskRunResult) => void | Promise<void>;
  /**
   * Keep every image of each task's latest run for the result (check prints them); otherwise
   * only the failed ones are kept: a mirror of 20,000 tags would hold ~10 MB of results no one reads.
   */
  keepImages?: boolean;
}

export interface ServiceResult {
  /** The latest run of every task of the config in force, in config order (images: see keepImages). */
  results: TaskRunResult[];
  /** True when a task's latest run failed. */
  failed: boolean;
}

export class Service implements PushSink, ServiceControl {
  private config: ServiceConfig | undefined;
  private readonly scheduler: Scheduler<ResolvedTask, RunSummary>;
  private readonly runtimes: RuntimeHolder;
  private readonly latest = new Map<string, TaskRunResult>();
  private listener: Listener | undefined;
  private watcher: { close(): void } | undefined;
  private configStatus: ConfigStatus | undefined;
  private reloading: Promise<unknown> = Promise.resolve();
  private readonly startedAt: string;
  /** The first config, loaded but not yet in force, and what was asked of it meanwhile. */
  private starting: { config: ServiceConfig; queued: Array<() => void> } | undefined;
  /** runtimeKey of the runtime in use; undefined until a config with tasks needs one. */
  private runtimeKey: string | undefined;
  /** What runs pushed lately (across runtimes and reloads), so that their echoes start no run. */
  private readonly intake: PushIntake;
  /** The relay of the runtime in use has started (readiness says so until then). */
  private relayStarted = false;

  constructor(private readonly opts: ServiceOptions) {
    this.startedAt = new Date(opts.clock.now()).toISOString();
    this.intake = new PushIntake({ logger: opts.logger, now: () => opts.clock.now() });
    this.runtimes = new RuntimeHolder((e) => opts.logger.warn(`cannot clean up the previous relay: ${errorMessage(e)}`));
    const observer = opts.observer;
    this.scheduler = new Scheduler<ResolvedTask, RunSummary>({
      clock: opts.clock,
      logger: opts.logger,
      concurrency: 1,
      graceMs: opts.graceMs,
      run: (task, plan, ctx) => this.runOne(task, plan, ctx),
      ...(observer ? { onRequest: (task: string, kind: TriggerKind, folded: boolean) => observer.requested(task, kind, folded) } : {}),
    });
  }

  /** Loads the config, starts everything, and resolves when dregsy would end (or was stopped). */
  async run(): Promise<ServiceResult> {
    let config: ServiceConfig;
    try {
      config = await this.opts.load();
    } catch (e) {
      // nothing was scheduled; a signal's grace timer (SIGTERM during a slow load) must not keep the process
      await this.scheduler.settled();
      throw e;
    }
    this.warnAbout(config);
    this.starting = { config, queued: [] };
    try {
      // The listener comes first, so probes answer while the relay is prepared (the Docker
      // relay may wait minutes for its Engine): alive, but not ready yet.
      if (this.opts.mode === 'sync' && this.opts.listener) {
        this.listener = this.opts.listener(this);
        await this.listener.apply(listenerSettings(config));
      }
      await this.ensureRuntime(config);
      // A daemon (a periodic task, or listening) takes up its tasks once the relay has started,
      // its probes saying so meanwhile; a one-off run lets them list and read while it starts.
      const relay = this.runtimes.runtime?.ready ?? Promise.resolve();
      if (isLongRunning(config) || this.listener?.address() !== undefined) await relay;
      // A signal that came while the config was read (a synchronous piece of work) is handled
      // in the event loop's next turn: take it before any task starts.
      await new Promise((resolve) => setImmediate(resolve));
      if (!this.scheduler.stopping) this.adopt(config);
      const queued = this.starting.queued;
      this.starting = undefined;
      for (const act of queued) act();
      await this.untilDoneOrRelayFails(relay);
      if (!this.scheduler.stopping) this.scheduler.shutdown('all done');
      await this.scheduler.settled();
      await this.reloading;
    } finally {
      this.watcher?.close();
      await this.listener?.close();
      await this.runtimes.close();
    }
    const results = (this.config?.tasks ?? []).flatMap((t) => this.latest.get(t.name) ?? []);
    return { results, failed: results.some((r) => !r.ok) };
  }

  shutdown(reason: string): void {
    this.scheduler.shutdown(reason);
  }

  /**
   * Until every run has ended. A relay that cannot start, or whose start a stop ended, ends
   * dregsy with that error, as when it was awaited before the runs: they had read, not copied
   * (run-task.ts waits for the relay before it compares or copies an image).
   */
  private async untilDoneOrRelayFails(relay: Promise<void>): Promise<void> {
    const failure = await relayFailure(this.scheduler.whenDone(), relay);
    if (!failure) return;
    if (!this.scheduler.stopping) this.scheduler.shutdown('the relay cannot start');
    await this.scheduler.settled();
    throw failure.error;
  }

  /** Loads the config again and switches to it if it is good; keeps the current one if not. */
  reload(why: string): Promise<boolean> {
    const next = this.reloading.then(() => this.doReload(why));
    this.reloading = next.catch(() => undefined);
    return next;
  }

  readiness(): Readiness {
    const reasons: string[] = [];
    if (!this.config) reasons.push(this.configStatus ? 'no config in force' : 'loading the config and preparing the relay');
    else if (this.config.tasks.length > 0 && (this.runtimeKey === undefined || !this.relayStarted)) reasons.push('the relay is not prepared');
    if (this.scheduler.stopping) reasons.push('shutting down');
    return { ready: reasons.length === 0, reasons };
  }

  statusVersion(): number {
    return this.scheduler.version;
  }

  taskStamps(): Array<{ name: string; stamp: number }> {
    return this.scheduler.stamps();
  }

  taskStates(): Array<{ name: string; state: TaskState; paused: boolean }> {
    return this.scheduler.states();
  }

  definitions(): ResolvedTask[] {
    return this.scheduler.tasks();
  }

  details(task: string): TaskDetails | undefined {
    const one = this.scheduler.statusOf(task);
    return one ? { task: one.definition, status: one.status, lastResult: this.latest.get(task) } : undefined;
  }

  registryCounters(): readonly RegistryCounters[] {
    return this.runtimes.runtime?.registryHealth?.snapshot() ?? [];
  }

  status(): ServiceStatus {
    return {
      startedAt: this.startedAt,
      listening: this.listener?.address(),
      config: this.configStatus ?? { file: '', loadedAt: this.startedAt, lastRejected: undefined },
      tasks: this.scheduler.status(),
    };
  }

  pause(task: string): 'accepted' | 'unknown' {
    const early = this.early(task, false, () => this.pause(task));
    if (early) return early === 'accepted' ? early : 'unknown';
    const r = this.scheduler.pause(task);
    if (r === 'accepted') this.opts.logger.info('paused', { task });
    return r === 'accepted' ? r : 'unknown';
  }

  resume(task: string): 'accepted' | 'unknown' {
    const early = this.early(task, false, () => this.resume(task));
    if (early) return early === 'accepted' ? early : 'unknown';
    const r = this.scheduler.resume(task);
    if (r === 'accepted') this.opts.logger.info('resumed', { task });
    return r === 'accepted' ? r : 'unknown';
  }

  runNow(task: string): 'accepted' | 'unknown' | 'disabled' | 'paused' {
    const early = this.early(task, true, () => this.runNow(task));
    if (early) return early;
    if (this.scheduler.status().some((t) => t.name === task && t.paused)) return 'paused';
    const r = this.scheduler.request(task, 'manual');
    if (r === 'accepted') this.opts.logger.info('run requested', { task });
    return r;
  }

  trigger(task: string): 'accepted' | 'unknown' | 'disabled' {
    return this.early(task, true, () => this.trigger(task)) ?? this.scheduler.request(task, 'trigger');
  }

  push(events: readonly PushEvent[]): PushOutcome {
    const { others, ownWrites } = this.intake.withoutOwnWrites(events);
    if (this.starting) {
      const routed = routePush(this.starting.config.tasks, others);
      this.starting.queued.push(() => this.push(others));
      return { tasks: [...routed.byTask.keys()], unmatched: routed.unmatched, ownWrites, ownTargets: routed.ownTargetOnly };
    }
    const tasks = this.scheduler.tasks();
    const routed = routePush(tasks, others);
    this.intake.sayOwnTargets(tasks, routed);
    for (const [task, images] of routed.byTask) this.scheduler.request(task, 'webhook', images);
    return { tasks: [...routed.byTask.keys()], unmatched: routed.unmatched, ownWrites, ownTargets: routed.ownTargetOnly };
  }

  /**
   * While the first config is loaded but not yet in force (the listener is up, the relay is
   * being prepared), a request is answered from that config and carried out once it is in
   * force: a registry's notification or a trigger sent then is not lost. Undefined: started.
   */
  private early(task: string, refuseDisabled: boolean, act: () => void): 'accepted' | 'unknown' | 'disabled' | undefined {
    const s = this.starting;
    if (!s) return undefined;
    const t = s.config.tasks.find((x) => x.name === task);
    if (!t) return 'unknown';
    if (refuseDisabled && t.timing.disabled) return 'disabled';
    s.queued.push(act);
    return 'accepted';
  }

  private async doReload(why: string): Promise<boolean> {
    const log = this.opts.logger;
    const current = this.config;
    if (!current || this.scheduler.stopping) return false;
    log.info(`reloading the config (${why})`);
    let next: ServiceConfig;
    try {
      next = await this.opts.load();
    } catch (e) {
      const problems = e instanceof ConfigError ? e.problems.map((p) => formatProblem(e.file, p)) : [errorMessage(e)];
      for (const p of problems) log.error(`config refused: ${p}`);
      log.warn(`keeping the config loaded at ${this.configStatus?.loadedAt ?? '?'}: the new one has ${problems.length} problem(s)`);
      if (this.configStatus) this.configStatus.lastRejected = { at: new Date(this.opts.clock.now()).toISOString(), problems };
      this.opts.observer?.reloaded(false, this.opts.clock.now());
      return false;
    }
    let runtime: Runtime | undefined;
    try {
      if (next.tasks.length > 0 && next.runtimeKey !== this.runtimeKey) {
        runtime = await this.opts.buildRuntime(next, this.intake.writes);
        await runtime.ready; // the new relay must start before the one in use is let go
      }
      if (this.listener) await this.listener.apply(listenerSettings(next));
    } catch (e) {
      await runtime?.dispose().catch(() => undefined);
      const problem = errorMessage(e);
      log.error(`config refused: ${problem}`);
      if (this.configStatus) this.configStatus.lastRejected = { at: new Date(this.opts.clock.now()).toISOString(), problems: [problem] };
      this.opts.observer?.reloaded(false, this.opts.clock.now());
      return false;
    }
    if (runtime) {
      this.runtimes.swap(runtime);
      this.runtimeKey = next.runtimeKey;
      this.relayStarted = true;
    }
    this.warnAbout(next);
    this.adopt(next);
    this.opts.observer?.reloaded(true, this.opts.clock.now());
    return true;
  }

  /** The relay is prepared only once there is a task to run (a config of none needs no skopeo). */
  private async ensureRuntime(config: ServiceConfig): Promise<void> {
    if (config.tasks.length === 0) return;
    const runtime = await this.opts.buildRuntime(config, this.intake.writes);
    this.runtimes.swap(runtime);
    this.runtimeKey = config.runtimeKey;
    void (runtime.ready ?? Promise.resolve()).then(
      () => void (this.relayStarted = true),
      () => undefined, // run() reports it
    );
  }

  /** Makes `config` the one in force: tasks, concurrency, watch. */
  private adopt(config: ServiceConfig): void {
    const first = this.config === undefined;
    this.config = config;
    this.configStatus = { file: config.loaded.file, loadedAt: new Date(this.opts.clock.now()).toISOString(), lastRejected: undefined };
    this.scheduler.setConcurrency(config.settings.parallelTasks);
    const tasks = this.opts.mode === 'check' ? config.tasks.filter((t) => !t.timing.disabled).map(asOneOff) : config.tasks;
    const diff = this.scheduler.setTasks(tasks);
    this.opts.observer?.tasksChanged(tasks.map((t) => t.name), this.opts.clock.now());
    for (const name of [...this.latest.keys()]) if (!config.tasks.some((t) => t.name === name)) this.latest.delete(name);
    if (!first) {
      const say = (list: string[], what: string) => (list.length > 0 ? [`${what}: ${list.join(', ')}`] : []);
      const parts = [...say(diff.added, 'new'), ...say(diff.changed, 'changed'), ...say(diff.removed, 'removed'), ...say(diff.kept, 'unchanged')];
      this.opts.logger.info(`config reloaded (${parts.join('; ') || 'no tasks'})`);
    }
    void this.updateWatch(config);
  }

  private async updateWatch(config: ServiceConfig): Promise<void> {
    const wanted = this.opts.mode === 'sync' && config.settings.watch && isLongRunning(config) && this.opts.watch !== undefined;
    if (!wanted) {
      this.watcher?.close();
      this.watcher = undefined;
      return;
    }
    if (this.watcher || !this.opts.watch) return;
    this.watcher = await this.opts.watch(config.loaded.file, (why) => void this.reload(why));
  }

  private warnAbout(config: ServiceConfig): void {
    for (const w of config.loaded.warnings) this.opts.logger.warn(formatProblem(config.loaded.file, w));
    for (const w of config.shard.warnings) this.opts.logger.warn(w);
    const shard = describeShard(config.shard);
    if (shard) this.opts.logger.info(shard);
    if (config.tasks.length === 0) this.opts.logger.warn(this.opts.emptyMessage ?? 'the config has no tasks');
  }

  private async runOne(task: ResolvedTask, plan: RunPlan, ctx: RunContext): Promise<RunSummary> {
    const lease = this.runtimes.acquire();
    let result: TaskRunResult;
    try {
      result = await lease.runtime.run(task, this.scopeOf(plan), ctx.signals);
    } finally {
      lease.release();
    }
    // the status API shows the last run's images; without it only failures are read (the report, the exit code)
    this.latest.set(task.name, this.opts.keepImages === false && !this.listener ? { ...result, images: result.images.filter((i) => i.error !== undefined) } : result);
    this.opts.observer?.runEnded(result, this.opts.clock.now());
    try {
      await this.opts.onRun?.(result);
    } catch (e) {
      this.opts.logger.error(`after the run of '${task.name}': ${errorMessage(e)}`);
    }
    const summary: RunSummary = { ok: result.ok, scope: result.scope, counts: result.counts, durationMs: result.durationMs, error: firstError(result) };
    const hook = task.afterSync;
    if (this.opts.mode === 'sync' && hook && hookWanted(hook, result)) {
      ctx.releaseSlot();
      const ok = await runAfterSyncHook(hook, { ...result, triggers: plan.triggers }, {
        logger: this.opts.logger.child({ task: task.name }),
        baseEnv: this.opts.hookEnv,
        signal: ctx.signals.kill,
      });
      summary.hook = ok ? 'ok' : 'failed';
    } else if (this.opts.mode === 'sync' && hook) {
      this.opts.logger.child({ task: task.name }).debug(`after-sync hook not run (when: ${hook.when})`);
    }
    return summary;
  }

  /**
   * Full runs (start, interval, schedule, trigger, run-now, check) cover this replica's shard of
   * the config in force; push events name their images, which any replica copies (src/shard/),
   * also when they were folded into a full run.
   */
  private scopeOf(plan: RunPlan): RunScope {
    if (!plan.full) return { kind: 'pushed', images: plan.images };
    return { kind: 'full', shard: this.config && shardOf(this.config.shard), pushed: plan.images };
  }
}

function listenerSettings(config: ServiceConfig): ListenerSettings {
  return { address: config.listen, webhookToken: config.webhookToken, api: config.api };
}

/** check looks once at every task, whatever its schedule. */
function asOneOff(task: ResolvedTask): ResolvedTask {
  return { ...task, timing: { ...task.timing, intervalMs: undefined, cron: undefined, webhook: false, runOnStart: true } };
}

function firstError(result: TaskRunResult): string | undefined {
  if (result.ok) return undefined;
  const failed = result.images.find((i) => i.error !== undefined);
  return failed ? `${failed.source}: ${failed.error}` : 'the run had errors (see the log)';
}
