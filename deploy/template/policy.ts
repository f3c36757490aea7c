/**
 * The stack's safety policy, checked on the CloudFormation template that `serverless package` makes
 * (deploy/plugin.ts refuses a template that breaks it). Each problem names the resource and the rule.
 * Both branches of every `Fn::If` count: a rule holds whatever the stage's parameters choose.
 */
type Json = Record<string, unknown>;
interface Resource {
  Type: string;
  Properties?: Json;
}
interface Template {
  Resources?: Record<string, Resource>;
}

/** Environment variable names that may hold a secret's value; a secret is passed by name (`*_PARAMETER`, `*_ARN`) instead. */
const SECRET_NAME = /(KEY|KEYS|TOKEN|PASSWORD|SECRET|CREDENTIALS?)$/;
/** Egress to any address is allowed only for these ports (HTTPS and HTTP: steps, AWS APIs, S3). */
const INTERNET_EGRESS_PORTS = new Set([80, 443]);
/** The alarms every stage has (resources/monitoring.yml). */
export const REQUIRED_ALARMS = [
  'EventDeadLettersAlarm', 'StepDeadLettersAlarm', 'StepQueueAgeAlarm', 'ExecutorsUnhealthyAlarm',
  ...['EventApi', 'CoreApi', 'Runner', 'DeadLetters', 'EventDeadLetters', 'Cron'].flatMap((fn) => [`${fn}ErrorsAlarm`, `${fn}ThrottlesAlarm`]),
];

/** Every value a property may take: `Fn::If` gives both branches, lists are flattened. */
function alternatives(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(alternatives);
  if (value && typeof value === 'object' && 'Fn::If' in value) {
    const [, whenTrue, whenFalse] = (value as { 'Fn::If': unknown[] })['Fn::If'];
    return [...alternatives(whenTrue), ...alternatives(whenFalse)];
  }
  return [value];
}

const asList = (value: unknown): unknown[] => (value === undefined ? [] : alternatives(value));
const text = (value: unknown): string => JSON.stringify(value) ?? '';

function environmentProblems(id: string, variables: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(variables)) {
    if (text(value).includes('{{resolve:')) problems.push(`${id}: environment variable ${name} is a dynamic reference, so the secret's value would be in the function's configuration: pass its name (${name}_PARAMETER) and read it at start`);
    else if (SECRET_NAME.test(name) && text(value) !== '""') problems.push(`${id}: environment variable ${name} looks like a secret's value: pass its name (${name}_PARAMETER or _ARN) instead`);
    else if (/^[a-z]+s?:\/\/[^/]*:[^/@]+@/.test(typeof value === 'string' ? value : '') || /:\/\/:?[^/@"]+@/.test(text(value))) problems.push(`${id}: environment variable ${name} holds a URL with a password in it`);
  }
  return problems;
}

function secretProblems(resources: Record<string, Resource>): string[] {
  return Object.entries(resources).flatMap(([id, resource]) => {
    if (resource.Type === 'AWS::Lambda::Function') {
      const variables = ((resource.Properties?.Environment as Json | undefined)?.Variables ?? {}) as Record<string, unknown>;
      return environmentProblems(id, variables);
    }
    if (resource.Type === 'AWS::ECS::TaskDefinition') {
      return asList(resource.Properties?.ContainerDefinitions).flatMap((container) => {
        const definition = container as { Name?: string; Environment?: { Name: string; Value: unknown }[]; Secrets?: unknown[] };
        const variables = Object.fromEntries((definition.Environment ?? []).map((variable) => [variable.Name, variable.Value]));
        const injected = definition.Secrets?.length ? [`${id} (${definition.Name}): Secrets puts secret values into the container's environment: pass their names and read them at start`] : [];
        return [...environmentProblems(`${id} (${definition.Name})`, variables), ...injected];
      });
    }
    return [];
  });
}

interface Statement { Effect?: string; Action?: unknown; NotAction?: unknown }

function policyDocuments(resource: Resource): unknown[] {
  const properties = resource.Properties ?? {};
  switch (resource.Type) {
    case 'AWS::IAM::Role':
    case 'AWS::IAM::User':
    case 'AWS::IAM::Group':
      return asList(properties.Policies).map((policy) => (policy as Json).PolicyDocument);
    case 'AWS::IAM::Policy':
    case 'AWS::IAM::ManagedPolicy':
      return [properties.PolicyDocument];
    default:
      return [];
  }
}

function iamProblems(resources: Record<string, Resource>): string[] {
  return Object.entries(resources).flatMap(([id, resource]) => {
    const statements = policyDocuments(resource).flatMap((document) => asList((document as Json | undefined)?.Statement)) as Statement[];
    return statements.filter((statement) => statement.Effect === 'Allow').flatMap((statement) => {
      if (statement.NotAction !== undefined) return [`${id}: an Allow with NotAction allows everything else`];
      return asList(statement.Action).filter((action) => typeof action !== 'string' || action.includes('*'))
        .map((action) => `${id}: Allow of ${text(action)}: name each action`);
    });
  });
}

function queueProblems(resources: Record<string, Resource>): string[] {
  const queues = Object.entries(resources).filter(([, resource]) => resource.Type === 'AWS::SQS::Queue');
  const deadLetterTargets = new Set(queues.flatMap(([, queue]) => {
    const target = (queue.Properties?.RedrivePolicy as Json | undefined)?.deadLetterTargetArn as { 'Fn::GetAtt'?: string[] } | undefined;
    return target?.['Fn::GetAtt']?.[0] ? [target['Fn::GetAtt'][0]] : [];
  }));
  return queues.flatMap(([id, queue]) => {
    const properties = queue.Properties ?? {};
    const problems: string[] = [];
    if (properties.SqsManagedSseEnabled !== true && properties.KmsMasterKeyId === undefined) problems.push(`${id}: queue not encrypted at rest (SqsManagedSseEnabled: true or KmsMasterKeyId)`);
    if (!deadLetterTargets.has(id) && properties.RedrivePolicy === undefined) problems.push(`${id}: queue without a dead-letter queue (RedrivePolicy)`);
    return problems;
  });
}

interface Rule { CidrIp?: unknown; CidrIpv6?: unknown; FromPort?: number; ToPort?: number; IpProtocol?: unknown }
const anyAddress = (rule: Rule): boolean => rule.CidrIp === '0.0.0.0/0' || rule.CidrIpv6 === '::/0';

function networkProblems(resources: Record<string, Resource>): string[] {
  return Object.entries(resources).flatMap(([id, resource]) => {
    const properties = resource.Properties ?? {};
    const ingress = resource.Type === 'AWS::EC2::SecurityGroup' ? asList(properties.SecurityGroupIngress) : resource.Type === 'AWS::EC2::SecurityGroupIngress' ? [properties] : [];
    const egress = resource.Type === 'AWS::EC2::SecurityGroup' ? asList(properties.SecurityGroupEgress) : resource.Type === 'AWS::EC2::SecurityGroupEgress' ? [properties] : [];
    const problems = (ingress as Rule[]).filter((rule) => rule.CidrIp !== undefined || rule.CidrIpv6 !== undefined)
      .map((rule) => `${id}: ingress from ${text(rule.CidrIp ?? rule.CidrIpv6)}: admit the stack's own security groups only (the HTTP API is the one public listener)`);
    for (const rule of egress as Rule[]) {
      if (!anyAddress(rule)) continue;
      const ports = rule.IpProtocol === '-1' || rule.FromPort === undefined ? [-1] : [rule.FromPort, rule.ToPort];
      if (!ports.every((port) => INTERNET_EGRESS_PORTS.has(port ?? -1))) problems.push(`${id}: egress to any address on ${rule.IpProtocol} ${rule.FromPort ?? 'all'}-${rule.ToPort ?? 'all'}: name the target (DestinationSecurityGroupId)`);
    }
    if (resource.Type === 'AWS::EC2::Subnet' && properties.MapPublicIpOnLaunch === true) problems.push(`${id}: a subnet that gives public addresses`);
    if (['AWS::EC2::InternetGateway', 'AWS::EC2::NatGateway', 'AWS::EC2::EIP', 'AWS::ElasticLoadBalancingV2::LoadBalancer'].includes(resource.Type)) problems.push(`${id}: ${resource.Type} opens the stack to the internet`);
    if (resource.Type === 'AWS::ECS::Service' && text(properties).includes('"AssignPublicIp":"ENABLED"')) problems.push(`${id}: tasks with public addresses`);
    if (resource.Type === 'AWS::EC2::LaunchTemplate' && (properties.LaunchTemplateData as Json | undefined)?.KeyName !== undefined) problems.push(`${id}: a key pair (SSH): use Session Manager`);
    return problems;
  });
}

function alarmProblems(resources: Record<string, Resource>): string[] {
  const missing = REQUIRED_ALARMS.filter((id) => resources[id]?.Type !== 'AWS::CloudWatch::Alarm').map((id) => `${id}: alarm missing`);
  const silent = Object.entries(resources).filter(([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm' && asList(resource.Properties?.AlarmActions).length === 0)
    .map(([id]) => `${id}: alarm without AlarmActions notifies nobody`);
  return [...missing, ...silent];
}

/** Every breach of the policy in `template`, or none. */
export function checkTemplatePolicy(template: Template): string[] {
  const resources = template.Resources ?? {};
  return [...secretProblems(resources), ...iamProblems(resources), ...queueProblems(resources), ...networkProblems(resources), ...alarmProblems(resources)];
}
