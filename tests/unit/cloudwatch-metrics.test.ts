import { createCloudWatchMetrics } from '../../platform/metrics/cloudwatch';

describe('CloudWatch embedded-metric-format figures (Lambda)', () => {
  it('writes each figure as one EMF log line with its labels as dimensions', () => {
    // Prepare
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const log = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
    const metrics = createCloudWatchMetrics({ namespace: 'StepstackTest', service: 'unit' });
    // Act
    metrics.count('runs_ended', { function: 'fn-a', status: 'Completed' });
    metrics.observe('step_duration_seconds', 0.25, { runtime: 'http' });
    write.mockRestore();
    log.mockRestore();
    // Assess
    const emf = lines.flatMap((line) => line.split('\n')).filter((line) => line.includes('"_aws"')).map((line) => JSON.parse(line) as Record<string, any>);
    expect(emf).toHaveLength(2);
    expect(emf[0]!._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'StepstackTest', Metrics: [{ Name: 'runs_ended', Unit: 'Count' }] });
    expect(emf[0]!._aws.CloudWatchMetrics[0].Dimensions[0]).toEqual(expect.arrayContaining(['function', 'status']));
    expect(emf[0]).toMatchObject({ runs_ended: 1, function: 'fn-a', status: 'Completed', service: 'unit' });
    expect(emf[1]).toMatchObject({ step_duration_seconds: 0.25, runtime: 'http' });
    expect(emf[1]!._aws.CloudWatchMetrics[0].Metrics[0].Unit).toBe('Seconds');
  });
});
