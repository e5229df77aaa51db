/**
 * dregsy's Prometheus metrics: one prom-client Registry owned by this object (never the
 * library's global default one), plus the per-task families (task-families.ts), scraped as one
 * page at `/metrics`. Every name starts with `dregsy_` (process metrics too, through
 * prom-client's prefix), so nothing collides with another exporter in the same scrape.
 *
 * It is told what happens as a ServiceObserver (runs, requests, reloads) and a WebhookObserver
 * (the listener's push endpoints); what is a state rather than an event (tasks by state, the
 * registry client's counters) is read at scrape time through the functions it is given.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { TaskStatus, TriggerKind } from '../schedule/types.js';
import type { RegistryCounters } from '../registry/health.js';
import type { ServiceObserver } from '../service/observer.js';
import type { TaskRunResult } from '../sync/run-task.js';
import { TaskFamilies } from './task-families.js';

/** What the listener's push and trigger endpoints tell the metrics. */
export interface WebhookObserver {
  /** A request to `endpoint` (`distribution`, `dockerhub`, `harbor`, `trigger`) was answered with `status`. */
  answered(endpoint: string, status: number): void;
  /** Events in one accepted payload: how many, and why some were not queued. */
  events(endpoint: string, counts: EventCounts): void;
}

/** Why events of one payload were not queued (ownWrite, ownTarget: the guards of service/push-intake.ts). */
export interface EventCounts {
  received: number;
  notAPush: number;
  repeated: number;
  noTask: number;
  ownWrite: number;
  ownTarget: number;
}

export interface MetricsOptions {
  version: string;
  /** The tasks as the scheduler has them now (read at scrape time). */
  tasks: () => ReadonlyArray<Pick<TaskStatus<unknown>, 'name' | 'state' | 'paused'>>;
  /** Requests, retries and slowdowns per registry (registry/health.ts), read at scrape time. */
  registries: () => readonly RegistryCounters[];
  /**
   * Process metrics (CPU, memory, event loop, GC): from the start (true, the default), once the
   * page can be scraped (`'when-served'`: a listener calls served(); their GC observer costs every
   * run, ~400 callbacks in a warm run of 2,000 tags that nobody scrapes), or never (false: tests
   * that make many instances).
   */
  processMetrics?: boolean | 'when-served';
}

const RUN_BUCKETS = [1, 5, 15, 60, 300, 900, 3_600, 14_400];
const STATES = ['idle', 'debouncing', 'queued', 'running', 'paused', 'disabled'] as const;
const SLOWDOWNS = ['none', 'rate-limited', 'allowance-low'] as const;

export class Metrics implements ServiceObserver, WebhookObserver {
  readonly contentType: string;
  private readonly registry = new Registry();
  private readonly tasks = new TaskFamilies();
  private readonly runDuration: Histogram<'outcome'>;
  private readonly webhookRequests: Counter<'endpoint' | 'code'>;
  private readonly eventsReceived: Counter<'endpoint'>;
  private readonly eventsIgnored: Counter<'endpoint' | 'reason'>;
  private readonly eventsFolded: Counter<'kind'>;
  private readonly reloads: Counter<'result'>;
  private readonly reloadOk: Gauge;
  private readonly reloadAt: Gauge;
  /** Set from the same snapshot as the per-task families, at scrape time. */
  private readonly byState: Gauge<'state'>;
  private collectingProcess = false;

  constructor(private readonly opts: MetricsOptions) {
    const registers = [this.registry];
    this.contentType = this.registry.contentType;
    if (opts.processMetrics === undefined || opts.processMetrics === true) this.collectProcessMetrics();
    new Gauge({ name: 'dregsy_build_info', help: 'Always 1; the version of dregsy running.', labelNames: ['version'], registers }).set({ version: opts.version }, 1);
    this.runDuration = new Histogram({
      name: 'dregsy_run_duration_seconds',
      help: 'Duration of task runs across all tasks, by outcome (per task: dregsy_task_run_duration_seconds).',
      labelNames: ['outcome'],
      buckets: RUN_BUCKETS,
      registers,
    });
    this.webhookRequests = new Counter({ name: 'dregsy_webhook_requests_total', help: 'Requests to the push and trigger endpoints, by endpoint and HTTP status.', labelNames: ['endpoint', 'code'], registers });
    this.eventsReceived = new Counter({ name: 'dregsy_webhook_events_received_total', help: 'Events in accepted push payloads (and triggers), by endpoint.', labelNames: ['endpoint'], registers });
    this.eventsIgnored = new Counter({
      name: 'dregsy_webhook_events_ignored_total',
      help: 'Received events that queued nothing, by endpoint and reason (not-a-push, repeated, no-task, own-write, own-target).',
      labelNames: ['endpoint', 'reason'],
      registers,
    });
    this.eventsFolded = new Counter({
      name: 'dregsy_webhook_events_folded_total',
      help: 'Push events (one batch per task and payload) and triggers that joined a run already waiting instead of causing one, by kind (push, trigger).',
      labelNames: ['kind'],
      registers,
    });
    this.reloads = new Counter({ name: 'dregsy_config_reloads_total', help: 'Config reloads, by result (success, failure).', labelNames: ['result'], registers });
    this.reloadOk = new Gauge({ name: 'dregsy_config_last_reload_successful', help: '1 when the last config reload (or the load at start) succeeded, 0 when it was refused.', registers });
    this.reloadAt = new Gauge({ name: 'dregsy_config_last_reload_success_timestamp_seconds', help: 'When the config in force was loaded (Unix time).', registers });
    for (const result of ['success', 'failure']) this.reloads.inc({ result }, 0);
    for (const kind of ['push', 'trigger']) this.eventsFolded.inc({ kind }, 0);
    this.byState = new Gauge({ name: 'dregsy_tasks', help: 'Tasks of the config in force, by state (idle, debouncing, queued, running, paused, disabled).', labelNames: ['state'], registers });
    this.registryFamilies(registers);
  }

  /** The page can be scraped now (a listener is bound): process metrics start if they wait for that. */
  served(): void {
    if (this.opts.processMetrics === 'when-served') this.collectProcessMetrics();
  }

  private collectProcessMetrics(): void {
    if (this.collectingProcess) return;
    this.collectingProcess = true;
    collectDefaultMetrics({ register: this.registry, prefix: 'dregsy_' });
  }

  async text(): Promise<string> {
    return Buffer.concat(await this.body()).toString('utf8');
  }

  /**
   * The page as sent, as buffers to write one after another: prom-client's text, then the
   * per-task families, kept encoded between changes (task-families.ts says why not one buffer).
   */
  async body(): Promise<Buffer[]> {
    const states = this.opts.tasks();
    const counts = new Map<string, number>(STATES.map((s) => [s, 0]));
    for (const t of states) {
      this.tasks.setPaused(t.name, t.paused);
      counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
    }
    for (const [state, n] of counts) this.byState.set({ state }, n);
    return [Buffer.from(`${await this.registry.metrics()}\n`, 'utf8'), ...this.tasks.render()];
  }

  /** A config came into force: the one at start counts as a successful load, as Prometheus itself reports it. */
  tasksChanged(tasks: readonly string[], at: number): void {
    this.tasks.setTasks(tasks);
    this.reloadOk.set(1);
    this.reloadAt.set(at / 1000);
  }

  requested(_task: string, kind: TriggerKind, folded: boolean): void {
    if (!folded) return;
    if (kind === 'webhook') this.eventsFolded.inc({ kind: 'push' });
    else if (kind === 'trigger') this.eventsFolded.inc({ kind: 'trigger' });
  }

  runEnded(result: TaskRunResult, endedAt: number): void {
    this.tasks.runEnded(result, endedAt);
    this.runDuration.observe({ outcome: result.ok ? 'ok' : 'failed' }, result.durationMs / 1000);
  }

  reloaded(ok: boolean, at: number): void {
    this.reloads.inc({ result: ok ? 'success' : 'failure' });
    if (!ok) this.reloadOk.set(0);
    else this.reloadAt.set(at / 1000);
  }

  answered(endpoint: string, status: number): void {
    this.webhookRequests.inc({ endpoint, code: String(status) });
  }

  events(endpoint: string, counts: EventCounts): void {
    this.eventsReceived.inc({ endpoint }, counts.received);
    const ignored: Array<[string, number]> = [
      ['not-a-push', counts.notAPush],
      ['repeated', counts.repeated],
      ['no-task', counts.noTask],
      ['own-write', counts.ownWrite],
      ['own-target', counts.ownTarget],
    ];
    for (const [reason, n] of ignored) if (n > 0) this.eventsIgnored.inc({ endpoint, reason }, n);
  }

  /** Read from the runtime's RegistryHealth at scrape time (its snapshot()). */
  private registryFamilies(registers: Registry[]): void {
    const registries = this.opts.registries;
    new Counter({
      name: 'dregsy_registry_requests_total',
      help: 'Requests to registries by dregsy, by registry and status class (2xx, 3xx, 4xx, 5xx, network).',
      labelNames: ['registry', 'status_class'],
      registers,
      collect() {
        this.reset();
        for (const r of registries()) for (const [cls, n] of Object.entries(r.requests)) this.inc({ registry: r.registry, status_class: cls }, n);
      },
    });
    new Counter({
      name: 'dregsy_registry_retries_total',
      help: 'Requests and copies retried after a transient failure, by registry.',
      labelNames: ['registry'],
      registers,
      collect() {
        this.reset();
        for (const r of registries()) this.inc({ registry: r.registry }, r.retries);
      },
    });
    new Counter({
      name: 'dregsy_registry_retries_refused_total',
      help: "Retries not taken because the registry's retry budget was spent, by registry.",
      labelNames: ['registry'],
      registers,
      collect() {
        this.reset();
        for (const r of registries()) this.inc({ registry: r.registry }, r.retriesRefused);
      },
    });
    new Gauge({
      name: 'dregsy_registry_slowdown',
      help: 'The slowdown in force per registry: 1 for the current kind (none, rate-limited, allowance-low).',
      labelNames: ['registry', 'kind'],
      registers,
      collect() {
        this.reset();
        for (const r of registries()) for (const kind of SLOWDOWNS) this.set({ registry: r.registry, kind }, r.slowdown.kind === kind ? 1 : 0);
      },
    });
  }
}
