/**
 * Figures the engine counts (runs started, steps run, flow-control waits and skips, ...), exported
 * by an adapter: Prometheus on long-lived processes, CloudWatch embedded metrics on Lambdas.
 * Names are snake_case without a prefix (the adapter adds `stepstack_`); label values are short,
 * bounded sets (function ids, statuses, reasons), never run or event ids.
 */
export interface Metrics {
  /** Adds `by` (default 1) to a counter. */
  count(name: string, labels?: MetricLabels, by?: number): void;
  /** Records one observation of a distribution, in seconds for durations. */
  observe(name: string, value: number, labels?: MetricLabels): void;
}

export type MetricLabels = Readonly<Record<string, string>>;

export const noMetrics: Metrics = { count: () => {}, observe: () => {} };
