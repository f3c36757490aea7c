import { MetricUnit, Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import type { Metrics } from '../../core/ports/metrics';

/**
 * The metrics port on Lambda: each figure goes out at once as one CloudWatch embedded-metric-format
 * log line (Powertools' single metric), its labels as dimensions. Lambdas count little (a run start, an
 * end, an event), so a line per figure costs less than keeping a flush at the end of each invocation right.
 */
type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

export function createCloudWatchMetrics(options: { namespace?: string; service?: string } = {}): Metrics {
  const metrics = new PowertoolsMetrics({ namespace: options.namespace ?? 'Stepstack', serviceName: options.service ?? 'stepstack' });
  const emit = (name: string, unit: Unit, value: number, labels?: Readonly<Record<string, string>>): void => {
    const single = metrics.singleMetric();
    for (const [dimension, dimensionValue] of Object.entries(labels ?? {})) single.addDimension(dimension, dimensionValue);
    single.addMetric(name, unit, value);
  };
  return {
    count: (name, labels, by = 1) => emit(name, MetricUnit.Count, by, labels),
    observe: (name, value, labels) => emit(name, name.endsWith('_seconds') ? MetricUnit.Seconds : MetricUnit.Count, value, labels),
  };
}
