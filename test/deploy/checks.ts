/**
 * What the rendered manifests must hold, as functions that return the problems they find (so a
 * test can also show that each check catches what it is for). Plain data in, strings out.
 */
import { posix } from 'node:path';
import { parse } from 'yaml';
import type { K8sObject } from './render.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered YAML is untyped data */
type Any = any;

export interface PodTemplate {
  where: string;
  owner: K8sObject;
  spec: Any;
  labels: Record<string, string>;
}

const WORKLOADS = new Set(['StatefulSet', 'Deployment', 'Job', 'DaemonSet']);

export function podTemplates(objects: readonly K8sObject[]): PodTemplate[] {
  return objects
    .filter((o) => WORKLOADS.has(o.kind))
    .map((o) => {
      const template = (o as Any).spec?.template ?? {};
      return { where: `${o.kind}/${o.metadata.name}`, owner: o, spec: template.spec ?? {}, labels: template.metadata?.labels ?? {} };
    });
}

function containersOf(spec: Any): Any[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
}

function envValue(container: Any, name: string): string | undefined {
  return (container.env ?? []).find((e: Any) => e.name === name)?.value;
}

/** non-root, read-only root, no privilege escalation, ALL capabilities dropped, seccomp RuntimeDefault, a writable emptyDir for TMPDIR. */
export function securityProblems(objects: readonly K8sObject[]): string[] {
  const out: string[] = [];
  for (const { where, spec } of podTemplates(objects)) {
    const pod = spec.securityContext ?? {};
    if (pod.runAsNonRoot !== true) out.push(`${where}: pod securityContext.runAsNonRoot is not true`);
    if (!(Number.isInteger(pod.runAsUser) && pod.runAsUser > 0)) out.push(`${where}: pod securityContext.runAsUser is not a non-root UID`);
    if (spec.automountServiceAccountToken !== false) out.push(`${where}: automountServiceAccountToken is not false (dregsy never calls the API)`);
    for (const c of containersOf(spec)) {
      const at = `${where} container ${c.name}`;
      const sc = c.securityContext ?? {};
      if (sc.allowPrivilegeEscalation !== false) out.push(`${at}: allowPrivilegeEscalation is not false`);
      if (sc.readOnlyRootFilesystem !== true) out.push(`${at}: readOnlyRootFilesystem is not true`);
      if (sc.privileged === true) out.push(`${at}: privileged`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) out.push(`${at}: capabilities.drop lacks ALL`);
      if ((sc.capabilities?.add ?? []).length > 0) out.push(`${at}: adds capabilities`);
      if (sc.runAsUser === 0 || sc.runAsNonRoot === false) out.push(`${at}: runs as root`);
      const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
      if (seccomp !== 'RuntimeDefault') out.push(`${at}: seccomp profile is ${seccomp ?? 'unset'}, not RuntimeDefault`);
      const tmp = envValue(c, 'TMPDIR');
      const mount = (c.volumeMounts ?? []).find((m: Any) => m.mountPath === tmp);
      const volume = (spec.volumes ?? []).find((v: Any) => v.name === mount?.name);
      if (!tmp || !volume?.emptyDir) out.push(`${at}: TMPDIR (${tmp ?? 'unset'}) is not a mounted emptyDir`);
      if (!c.resources?.requests?.memory || !c.resources?.limits?.memory) out.push(`${at}: no memory request and limit`);
    }
  }
  return out;
}

/** The port of `listen: ADDR` (`:8080`, `0.0.0.0:8080`, `[::]:8080`). */
function listenPort(listen: unknown): number | undefined {
  const m = /:(\d+)$/.exec(String(listen ?? ''));
  return m ? Number(m[1]) : undefined;
}

export function configOf(objects: readonly K8sObject[], template: PodTemplate): { text: string; data: Any; dir: string } | undefined {
  const c = template.spec.containers?.[0] ?? {};
  const arg = (c.args ?? []).map(String).find((a: string) => /^--?config[= ]/.test(a));
  const file = arg?.replace(/^--?config[= ]/, '');
  if (!file) return undefined;
  const mount = (c.volumeMounts ?? []).find((m: Any) => m.mountPath === posix.dirname(file) && !m.subPath);
  const volume = (template.spec.volumes ?? []).find((v: Any) => v.name === mount?.name);
  const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === volume?.configMap?.name) as Any;
  const text = cm?.data?.[posix.basename(file)];
  return typeof text === 'string' ? { text, data: parse(text), dir: posix.dirname(file) } : undefined;
}

/** Long-running workloads: startup/liveness on /healthz, readiness on /readyz, at the port dregsy listens on; Services that reach it. */
export function probeProblems(objects: readonly K8sObject[]): string[] {
  const out: string[] = [];
  for (const t of podTemplates(objects).filter((p) => p.owner.kind !== 'Job')) {
    const config = configOf(objects, t);
    if (!config) {
      out.push(`${t.where}: its config file is not a ConfigMap mounted as a folder (a subPath mount never sees updates)`);
      continue;
    }
    if (config.data.watch !== true) out.push(`${t.where}: the config lacks watch: true`);
    const port = listenPort(config.data.listen);
    if (port === undefined) out.push(`${t.where}: the config has no listen address`);
    const c = t.spec.containers[0];
    const declared = (c.ports ?? []) as Any[];
    const portOf = (p: unknown) => (typeof p === 'number' ? p : declared.find((d) => d.name === p)?.containerPort);
    const probes: [string, string][] = [
      ['livenessProbe', '/healthz'],
      ['readinessProbe', '/readyz'],
    ];
    if (c.startupProbe) probes.push(['startupProbe', '/healthz']);
    for (const [probe, path] of probes) {
      const get = c[probe]?.httpGet;
      if (get?.path !== path) out.push(`${t.where}: ${probe} is not GET ${path} (${get?.path ?? 'none'})`);
      else if (portOf(get.port) !== port) out.push(`${t.where}: ${probe} port ${get.port} is not the listen port ${port}`);
    }
    const services = objects.filter((o) => o.kind === 'Service' && Object.entries((o as Any).spec?.selector ?? {}).every(([k, v]) => t.labels[k] === v));
    if (services.length === 0) out.push(`${t.where}: no Service selects its pods`);
    for (const s of services) {
      for (const p of (s as Any).spec.ports ?? []) {
        if (portOf(p.targetPort) !== port) out.push(`Service/${s.metadata.name}: port ${p.name} targets ${p.targetPort}, not the listener (${port})`);
      }
    }
  }
  return out;
}

function authPassword(value: string): string | undefined {
  if (!/^[A-Za-z0-9+/]+=*$/.test(value)) return undefined;
  const inner = Buffer.from(value, 'base64').toString('utf8');
  try {
    const json = JSON.parse(inner) as { password?: unknown };
    return typeof json.password === 'string' ? json.password : undefined;
  } catch {
    // not JSON: dregsy also takes `user:password`
    return /^[^:\s]+:(\S+)$/.exec(inner)?.[1];
  }
}

/** Every value a Secret holds, and the password inside a dregsy `auth` value (base64 of JSON or user:password). */
export function secretValues(objects: readonly K8sObject[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const s of objects.filter((o) => o.kind === 'Secret') as Any[]) {
    const entries: [string, string][] = [
      ...Object.entries<string>(s.data ?? {}).map(([k, v]): [string, string] => [k, Buffer.from(v, 'base64').toString('utf8')]),
      ...Object.entries<string>(s.stringData ?? {}),
    ];
    for (const [key, value] of entries) {
      const where = `Secret/${s.metadata.name}:${key}`;
      values.set(value.trim(), where);
      const password = authPassword(value.trim());
      if (password) values.set(password, `${where} (its password)`);
    }
  }
  return values;
}

/** No Secret value in a ConfigMap or in a container's literal env; credentials reach dregsy only through `${VAR}` from a secretKeyRef or `auth-file` in a mounted Secret. */
export function secretLeakProblems(objects: readonly K8sObject[]): string[] {
  const out: string[] = [];
  const secrets = secretValues(objects);
  if (secrets.size === 0) out.push('no Secret holds the credentials');
  for (const cm of objects.filter((o) => o.kind === 'ConfigMap') as Any[]) {
    for (const [key, text] of Object.entries<string>({ ...cm.data, ...cm.binaryData })) {
      for (const [value, where] of secrets) if (value.length >= 6 && text.includes(value)) out.push(`ConfigMap/${cm.metadata.name}:${key} holds the value of ${where}`);
    }
  }
  for (const t of podTemplates(objects)) {
    for (const c of containersOf(t.spec)) {
      for (const e of c.env ?? []) {
        for (const [value, where] of secrets) if (typeof e.value === 'string' && value.length >= 6 && e.value.includes(value)) out.push(`${t.where}: env ${e.name} holds the value of ${where} inline`);
      }
    }
    const config = configOf(objects, t);
    if (!config) continue;
    const c = t.spec.containers[0];
    for (const [ti, task] of ((config.data.tasks ?? []) as Any[]).entries()) {
      for (const side of ['source', 'target']) {
        const loc = task[side] ?? {};
        const at = `${t.where}: tasks[${ti}].${side}`;
        if (loc.auth !== undefined && loc.auth !== 'none') {
          const v = /^\$\{(\w+)\}$/.exec(String(loc.auth))?.[1];
          const from = (c.env ?? []).find((e: Any) => e.name === v)?.valueFrom?.secretKeyRef;
          if (!v || !from) out.push(`${at}.auth is not \${VAR} taken from a Secret`);
        }
        if (loc['auth-file'] !== undefined) {
          const file = String(loc['auth-file']);
          const mount = (c.volumeMounts ?? []).find((m: Any) => file.startsWith(`${m.mountPath}/`));
          const volume = (t.spec.volumes ?? []).find((vol: Any) => vol.name === mount?.name);
          const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === volume?.secret?.secretName) as Any;
          if (!secret || !(posix.basename(file) in { ...secret.data, ...secret.stringData })) out.push(`${at}.auth-file ${file} is not a key of a mounted Secret`);
        }
      }
    }
  }
  return out;
}

/** The environment the container sees, with secretKeyRef values read from the rendered Secrets. */
export function containerEnv(objects: readonly K8sObject[], t: PodTemplate): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const e of t.spec.containers[0].env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    if (ref) {
      const s = objects.find((o) => o.kind === 'Secret' && o.metadata.name === ref.name) as Any;
      env[e.name] = s?.data?.[ref.key] !== undefined ? Buffer.from(s.data[ref.key], 'base64').toString('utf8') : s?.stringData?.[ref.key];
    } else env[e.name] = e.value;
  }
  return env;
}

/** Shards: replicas or completions equal DREGSY_SHARDS; an Indexed Job whose exit code 2 fails it and 1 retries. */
export function shardProblems(objects: readonly K8sObject[]): string[] {
  const out: string[] = [];
  for (const t of podTemplates(objects)) {
    const spec = (t.owner as Any).spec;
    const shards = envValue(t.spec.containers[0], 'DREGSY_SHARDS');
    const count = t.owner.kind === 'Job' ? spec.completions : (spec.replicas ?? 1);
    if (shards !== undefined && Number(shards) !== count) out.push(`${t.where}: DREGSY_SHARDS=${shards} but ${t.owner.kind === 'Job' ? 'completions' : 'replicas'} ${count}`);
    if (t.owner.kind === 'StatefulSet' && count > 1 && shards === undefined) out.push(`${t.where}: ${count} replicas but no DREGSY_SHARDS: every replica would copy everything`);
    if (t.owner.kind !== 'Job') continue;
    if (spec.completionMode !== 'Indexed') out.push(`${t.where}: completionMode is not Indexed`);
    if (shards === undefined) out.push(`${t.where}: no DREGSY_SHARDS: every index would copy everything`);
    if (t.spec.restartPolicy !== 'Never') out.push(`${t.where}: restartPolicy is not Never (podFailurePolicy needs it)`);
    const rules = (spec.podFailurePolicy?.rules ?? []) as Any[];
    const onCode = (code: number) => rules.find((r) => r.onExitCodes && (r.onExitCodes.operator === 'In') === r.onExitCodes.values.includes(code) && (!r.onExitCodes.containerName || r.onExitCodes.containerName === t.spec.containers[0].name));
    if (onCode(2)?.action !== 'FailJob') out.push(`${t.where}: exit code 2 (usage error) does not fail the Job at once`);
    if (onCode(1) !== undefined) out.push(`${t.where}: exit code 1 is caught by a rule (${onCode(1).action}) instead of being retried`);
    for (const r of rules) if (r.onExitCodes?.values?.includes(0)) out.push(`${t.where}: a podFailurePolicy rule names exit code 0`);
    if ((spec.backoffLimitPerIndex ?? spec.backoffLimit ?? 6) < 1) out.push(`${t.where}: no retries (backoffLimitPerIndex / backoffLimit)`);
  }
  return out;
}
