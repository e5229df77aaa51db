/**
 * Reads a `/metrics` page with a Prometheus text-format parser (parse-prometheus-text-format),
 * never a regular expression, and finds samples by family name and labels.
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

export interface Scrape {
  /** Family names on the page. */
  names: string[];
  type(name: string): string | undefined;
  /** The sample of `name` whose labels include `labels`; undefined when none (or not one) matches. */
  value(name: string, labels?: Record<string, string>): number | undefined;
  /** Every sample's labels of a family. */
  labels(name: string): Array<Record<string, string>>;
  /** A summary's or histogram's sum and count. */
  sumCount(name: string, labels?: Record<string, string>): { sum: number; count: number } | undefined;
}

export function parseMetrics(text: string): Scrape {
  const families = parsePrometheusTextFormat(text);
  const family = (name: string) => families.find((f) => f.name === name);
  const matching = (name: string, labels: Record<string, string>) =>
    (family(name)?.metrics ?? []).filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return {
    names: families.map((f) => f.name),
    type: (name) => family(name)?.type,
    value(name, labels = {}) {
      const found = matching(name, labels);
      return found.length === 1 && found[0]!.value !== undefined ? Number(found[0]!.value) : undefined;
    },
    labels: (name) => (family(name)?.metrics ?? []).map((m) => m.labels ?? {}),
    sumCount(name, labels = {}) {
      const found = matching(name, labels);
      if (found.length !== 1 || found[0]!.sum === undefined) return undefined;
      return { sum: Number(found[0]!.sum), count: Number(found[0]!.count) };
    },
  };
}
