import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MetricLabels, Metrics } from '../../core/ports/metrics';

/** Buckets (seconds) for step durations and queue waits: from a fast HTTP call to a long container. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];

/** The engine's figures for a long-lived process (local stack, executor daemon, ECS services), read as Prometheus text. */
export interface PrometheusMetrics extends Metrics {
  readonly registry: Registry;
  /** The registry as Prometheus text. */
  render(): Promise<string>;
  readonly contentType: string;
}

/**
 * The metrics port on prom-client: a counter `stepstack_<name>_total` per `count` name, a histogram
 * `stepstack_<name>` per `observe` name (durations in seconds), made on first use with the label
 * names of that first call. A later call with other label names is a bug of the caller: it throws.
 */
export function createPrometheusMetrics(options: { defaultMetrics?: boolean } = {}): PrometheusMetrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'stepstack_process_' });
  const counters = new Map<string, Counter>();
  const histograms = new Map<string, Histogram>();
  const labelNames = (labels?: MetricLabels): string[] => Object.keys(labels ?? {}).sort();
  return {
    registry,
    contentType: registry.contentType,
    count(name, labels, by = 1) {
      let counter = counters.get(name);
      if (!counter) {
        counter = new Counter({ name: `stepstack_${name}_total`, help: `${name.replaceAll('_', ' ')} (count)`, labelNames: labelNames(labels), registers: [registry] });
        counters.set(name, counter);
      }
      counter.inc(labels ?? {}, by);
    },
    observe(name, value, labels) {
      let histogram = histograms.get(name);
      if (!histogram) {
        histogram = new Histogram({ name: `stepstack_${name}`, help: `${name.replaceAll('_', ' ')}`, labelNames: labelNames(labels), buckets: BUCKETS, registers: [registry] });
        histograms.set(name, histogram);
      }
      histogram.observe(labels ?? {}, value);
    },
    render: () => registry.metrics(),
  };
}

/** `stepstack_steps_in_flight`: work items an executor handles now, read when scraped. */
export function watchInFlight(metrics: PrometheusMetrics, inFlight: () => number): void {
  new Gauge({
    name: 'stepstack_steps_in_flight', help: 'Work items being handled now', registers: [metrics.registry],
    collect() {
      this.set(inFlight());
    },
  });
}
