import { createRequire } from 'node:module';

/**
 * Offline CloudFormation validation against AWS's resource specification: the JavaScript `cfn-lint`
 * (types, properties, required properties, Ref and GetAtt targets, intrinsic functions) with its 2019
 * specification replaced by `@aws-cdk/cfnspec`'s (resource specification 117, 1,051 types).
 * See docs/decisions/011-deploy-checks.md.
 */
export interface TemplateProblem {
  /** Where in the template, e.g. `Root > Resources > StepQueue > Properties > QueueName`. */
  path: string;
  message: string;
}

interface CfnLintRecord { message: string; resource: string }
interface CfnLint {
  resetValidator(): void;
  addParameterValue(name: string, value: string | string[]): void;
  validateJsonObject(template: unknown, options?: { guessParameters?: string[] }): { templateValid: boolean; errors: { crit: CfnLintRecord[] } };
}

type PropertyTypes = Record<string, { Properties: Record<string, Record<string, unknown>> }>;
interface Specification { PropertyTypes: PropertyTypes }

const load = createRequire(__filename);
let linter: CfnLint | undefined;

const optional = (spec: Record<string, unknown>): Record<string, unknown> => ({ Required: false, UpdateType: 'Mutable', ...spec });

/**
 * Target tracking on metric math (CustomizedMetricSpecification.Metrics) came to CloudFormation after
 * specification 117, the last that @aws-cdk/cfnspec ships: these types are added from AWS's
 * CloudFormation reference (AWS::AutoScaling::ScalingPolicy TargetTrackingMetricDataQuery,
 * AWS::ApplicationAutoScaling::ScalingPolicy TargetTrackingMetricDataQuery), and the single-metric
 * fields that metric math replaces become optional.
 */
export function addMetricMathTargetTracking(spec: Specification): void {
  for (const [namespace, metric, dimension] of [
    ['AWS::AutoScaling::ScalingPolicy', 'Metric', 'MetricDimension'],
    ['AWS::ApplicationAutoScaling::ScalingPolicy', 'TargetTrackingMetric', 'TargetTrackingMetricDimension'],
  ] as const) {
    const types = spec.PropertyTypes;
    const customized = types[`${namespace}.CustomizedMetricSpecification`]!.Properties;
    for (const name of ['MetricName', 'Namespace', 'Statistic']) customized[name] = { ...customized[name], Required: false };
    customized.Metrics = optional({ Type: 'List', ItemType: 'TargetTrackingMetricDataQuery', DuplicatesAllowed: false });
    types[`${namespace}.TargetTrackingMetricDataQuery`] = { Properties: {
      Expression: optional({ PrimitiveType: 'String' }),
      Id: optional({ PrimitiveType: 'String', Required: true }),
      Label: optional({ PrimitiveType: 'String' }),
      MetricStat: optional({ Type: 'TargetTrackingMetricStat' }),
      ReturnData: optional({ PrimitiveType: 'Boolean' }),
    } };
    types[`${namespace}.TargetTrackingMetricStat`] = { Properties: {
      Metric: optional({ Type: metric, Required: true }),
      Stat: optional({ PrimitiveType: 'String', Required: true }),
      Unit: optional({ PrimitiveType: 'String' }),
    } };
    types[`${namespace}.${metric}`] ??= { Properties: {
      Dimensions: optional({ Type: 'List', ItemType: dimension, DuplicatesAllowed: false }),
      MetricName: optional({ PrimitiveType: 'String', Required: true }),
      Namespace: optional({ PrimitiveType: 'String', Required: true }),
    } };
    types[`${namespace}.${dimension}`] ??= { Properties: {
      Name: optional({ PrimitiveType: 'String', Required: true }),
      Value: optional({ PrimitiveType: 'String', Required: true }),
    } };
  }
}

/** cfn-lint with the modern specification swapped in (its modules read the spec through `awsData` at call time). */
function cfnLint(): CfnLint {
  if (linter) return linter;
  const awsData = load('cfn-lint/lib/awsData') as { awsResources: unknown };
  // Deep copies by JSON (not structuredClone, whose objects fail merge-options' plain-object test under jest):
  // cfn-lint merges its own overrides into the object it is given.
  const spec = JSON.parse(JSON.stringify((load('@aws-cdk/cfnspec') as { specification(): Specification }).specification())) as Specification;
  addMetricMathTargetTracking(spec);
  awsData.awsResources = spec;
  linter = load('cfn-lint/lib/validator') as CfnLint;
  return linter;
}

/**
 * The same template with its conditions rewritten into equivalents that cfn-lint 1.9.7 evaluates:
 * every `{ Condition: Name }` inside a condition replaced by that condition's definition (nested
 * references throw a TypeError in its Fn::Or), and `Fn::And: [a, b]` as `Fn::Not: [Fn::Or: [Not a,
 * Not b]]` (its Fn::And always yields null). CloudFormation accepts both forms alike.
 */
export function inlineConditionReferences<T>(template: T): T {
  const copy = JSON.parse(JSON.stringify(template)) as T & { Conditions?: Record<string, unknown> };
  const conditions = copy.Conditions ?? {};
  const inline = (value: unknown, seen: string[]): unknown => {
    if (Array.isArray(value)) return value.map((item) => inline(item, seen));
    if (!value || typeof value !== 'object') return value;
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0]![0] === 'Fn::And' && Array.isArray(entries[0]![1])) {
      return { 'Fn::Not': [{ 'Fn::Or': (entries[0]![1] as unknown[]).map((operand) => ({ 'Fn::Not': [inline(operand, seen)] })) }] };
    }
    if (entries.length === 1 && entries[0]![0] === 'Condition' && typeof entries[0]![1] === 'string') {
      const name = entries[0]![1];
      if (seen.includes(name) || !(name in conditions)) return value;
      return inline(conditions[name], [...seen, name]);
    }
    return Object.fromEntries(entries.map(([key, item]) => [key, inline(item, seen)]));
  };
  for (const name of Object.keys(conditions)) conditions[name] = inline(conditions[name], [name]);
  return copy;
}

/**
 * Critical problems of a template. cfn-lint follows one branch of each `Fn::If`, the one its
 * parameter values choose: validate each configuration that matters (tests/integration/deploy-template.test.ts). `parameters` gives stack parameters values (cfn-lint guesses the
 * others from their types).
 */
export function validateTemplate(template: unknown, parameters: Record<string, string | string[]> = {}): TemplateProblem[] {
  const lint = cfnLint();
  lint.resetValidator();
  for (const [name, value] of Object.entries(parameters)) lint.addParameterValue(name, value);
  const result = lint.validateJsonObject(inlineConditionReferences(template));
  return result.errors.crit.map((record) => ({ path: record.resource, message: record.message }));
}
