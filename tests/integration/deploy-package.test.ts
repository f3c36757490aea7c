import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { inflateRawSync } from 'node:zlib';

/**
 * `npx serverless package --stage test` for real (no AWS credentials, nothing deployed), then checks
 * on the CloudFormation it generates: what is there, least privilege, no public surface, no secrets.
 */
const ROOT = path.resolve(__dirname, '../..');
const run = promisify(execFile);

type Json = Record<string, unknown>;
interface Resource {
  Type: string;
  Condition?: string;
  Properties: Json;
}
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

let outDir: string;
let template: { Resources: Record<string, Resource>; Parameters: Json; Conditions: Json };

const resources = (type: string): [string, Resource][] => Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
const resource = (id: string): Resource => {
  const found = template.Resources[id];
  if (!found) throw new Error(`no resource ${id} in the template`);
  return found;
};
const statementsOf = (role: Resource): Statement[] =>
  (role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((policy) => policy.PolicyDocument.Statement);
const actions = (statement: Statement): string[] => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]);

/** Names of the files in a zip archive, with their content (deflate or stored), read from its central directory. */
function readZip(zip: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let offset = zip.readUInt32LE(end + 16);
  for (let entry = 0; entry < zip.readUInt16LE(end + 10); entry += 1) {
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const local = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    files.set(name, method === 8 ? inflateRawSync(data) : Buffer.from(data));
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return files;
}

beforeAll(async () => {
  outDir = await mkdtemp(path.join(tmpdir(), 'stepstack-package-'));
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, AWS_REGION: 'us-east-1', STEPSTACK_ESBUILD_DIR: '.esbuild/deploy-package-test' };
  // `timeout`: after a failure the CLI may hang on its esbuild child.
  await run('timeout', ['120', 'npx', 'serverless', 'package', '--stage', 'test', '--package', outDir], { cwd: ROOT, env, maxBuffer: 16 * 2 ** 20 });
  template = JSON.parse(await readFile(path.join(outDir, 'cloudformation-template-update-stack.json'), 'utf8')) as typeof template;
}, 180_000);

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe('serverless package --stage test', () => {
  it('generates every part of the stack', () => {
    // Prepare
    const expected = [
      'EventApiLambdaFunction', 'CoreApiLambdaFunction', 'RunnerLambdaFunction', 'DeadLettersLambdaFunction', 'CronLambdaFunction', 'SyncFunctionsLambdaFunction', 'FunctionsSync',
      'HttpApi', 'EventStreamQueue', 'EventStreamDeadLetterQueue', 'StepQueue', 'StepDeadLetterQueue',
      'RedisReplicationGroup', 'RedisSubnetGroup', 'RedisSecurityGroup', 'RedisAuthToken',
      'ExecutorLaunchTemplate', 'ExecutorGroup', 'ExecutorRole', 'ExecutorInstanceProfile',
      'EcsCluster', 'EventApiTaskDefinition', 'RunnerTaskDefinition', 'EventApiService', 'RunnerService',
    ];

    // Act
    const missing = expected.filter((id) => !template.Resources[id]);

    // Assess
    expect(missing).toEqual([]);
    expect(resources('AWS::Lambda::Function').map(([, fn]) => fn.Properties.Runtime)).toEqual(Array(7).fill('nodejs22.x'));
    expect(resource('EcsCluster').Condition).toBe('ContainerMode');
    expect(template.Conditions.ContainerMode).toEqual({ 'Fn::Equals': ['false', 'true'] });
  });

  it('routes only the HTTP API: POST /e/{eventKey}, GET /health, ANY /v1/{proxy+}, and the dashboard\'s pages and login', () => {
    // Act
    const routes = resources('AWS::ApiGatewayV2::Route').filter(([, route]) => route.Condition !== 'ContainerMode').map(([, route]) => route.Properties.RouteKey).sort();

    // Assess
    expect(routes).toEqual(['ANY /auth/{action}', 'ANY /v1/{proxy+}', 'GET /', 'GET /assets/{file}', 'GET /health', 'POST /e/{eventKey}']);
  });

  it('gives each Lambda its own role whose SQS and log permissions name exact ARNs', () => {
    // Prepare
    const functions = resources('AWS::Lambda::Function');

    // Act
    const roleIds = functions.map(([, fn]) => (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]);
    const wildcard = roleIds.flatMap((id) => statementsOf(resource(id))
      .filter((statement) => actions(statement).some((action) => /^(sqs|logs|secretsmanager|ssm):/.test(action)))
      .filter((statement) => JSON.stringify(statement.Resource).includes('"*"') || statement.Resource === '*')
      .map((statement) => `${id}: ${actions(statement).join(',')}`));
    const runnerSqs = statementsOf(resource('RunnerRole')).filter((statement) => actions(statement).some((action) => action.startsWith('sqs:')));

    // Assess
    expect(new Set(roleIds).size).toBe(functions.length);
    expect(wildcard).toEqual([]);
    expect(resources('AWS::IAM::Role').map(([id]) => id)).not.toContain('IamRoleLambdaExecution');
    expect(runnerSqs).toEqual([
      expect.objectContaining({ Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'], Resource: { 'Fn::GetAtt': ['EventStreamQueue', 'Arn'] } }),
      expect.objectContaining({ Action: ['sqs:SendMessage'], Resource: { 'Fn::GetAtt': ['StepQueue', 'Arn'] } }),
      // Run ends send inngest/function.finished (SPEC section 3) through the stream it reads.
      expect.objectContaining({ Action: ['sqs:SendMessage'], Resource: { 'Fn::GetAtt': ['EventStreamQueue', 'Arn'] } }),
    ]);
    expect(statementsOf(resource('EventApiRole')).flatMap(actions)).not.toContain('sqs:ReceiveMessage');
  });

  it("reports SQS failures per record: the runner's and dead letters' triggers use ReportBatchItemFailures", () => {
    // Act
    const mappings = resources('AWS::Lambda::EventSourceMapping').map(([, mapping]) => mapping.Properties);

    // Assess
    expect(mappings).toHaveLength(3);
    for (const mapping of mappings) expect(mapping.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(mappings.map((mapping) => (mapping.EventSourceArn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]).sort()).toEqual(['EventStreamDeadLetterQueue', 'EventStreamQueue', 'StepDeadLetterQueue']);
  });

  it('keeps the queues encrypted, with dead-letter queues after a bounded number of receives', () => {
    // Act
    const queues = resources('AWS::SQS::Queue');

    // Assess
    expect(queues).toHaveLength(4);
    for (const [, queue] of queues) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    expect(resource('StepQueue').Properties.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': ['StepDeadLetterQueue', 'Arn'] }, maxReceiveCount: 5 });
    expect(resource('EventStreamQueue').Properties.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': ['EventStreamDeadLetterQueue', 'Arn'] }, maxReceiveCount: 5 });
  });

  it('starts executors with no key pair, IMDSv2 only, and user data whose every placeholder is defined', () => {
    // Prepare
    const data = resource('ExecutorLaunchTemplate').Properties.LaunchTemplateData as Json;
    const [script, variables] = ((data.UserData as Json)['Fn::Base64'] as Json)['Fn::Sub'] as [string, Json];

    // Act
    const placeholders = [...script.matchAll(/\$\{([^}]+)\}/g)].map((match) => match[1]!);
    const undefinedPlaceholders = placeholders.filter((name) => !name.startsWith('AWS::') && !(name in variables));

    // Assess
    expect(data.KeyName).toBeUndefined();
    expect(data.MetadataOptions).toEqual(expect.objectContaining({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 }));
    expect(undefinedPlaceholders).toEqual([]);
    expect(script).toContain('systemctl enable stepstack-executor.service stepstack-health.timer');
    expect(script).toContain('sha256sum --check');
    expect(script.startsWith('#!/bin/bash\n')).toBe(true);
    expect(resource('ExecutorGroup').Properties.LifecycleHookSpecificationList).toEqual([
      expect.objectContaining({ LifecycleHookName: 'drain', LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING' }),
    ]);
    const executorSqs = statementsOf(resource('ExecutorRole')).filter((statement) => actions(statement).some((action) => action.startsWith('sqs:')));
    expect(executorSqs.map((statement) => statement.Resource)).toEqual([{ 'Fn::GetAtt': ['StepQueue', 'Arn'] }, { 'Fn::GetAtt': ['EventStreamQueue', 'Arn'] }]);
    // The event stream only to send the platform's own events (run ends, step.invoke), never to read it.
    expect(actions(executorSqs[1]!)).toEqual(['sqs:SendMessage']);
  });

  it('renders user data that bash can parse', async () => {
    // Prepare
    const data = resource('ExecutorLaunchTemplate').Properties.LaunchTemplateData as Json;
    const [script, variables] = ((data.UserData as Json)['Fn::Base64'] as Json)['Fn::Sub'] as [string, Json];
    const rendered = script.replace(/\$\{([^}]+)\}/g, (_, name: string) => (typeof variables[name] === 'string' ? (variables[name] as string) : `value-of-${name.replace(/:/g, '-')}`));
    const scriptPath = path.join(outDir, 'user-data.sh');
    await writeFile(scriptPath, rendered);

    // Act
    const check = await run('bash', ['-n', scriptPath]).then(() => 'ok', (error: { stderr?: string }) => error.stderr ?? 'failed');

    // Assess
    expect(check).toBe('ok');
    expect(rendered).toContain('STEP_QUEUE_URL=value-of-StepQueueUrl');
    expect(rendered).not.toContain('${');
  });

  it('runs Redis with TLS, encryption at rest, a generated AUTH token and ingress only from the stack’s groups', () => {
    // Prepare
    const redis = resource('RedisReplicationGroup').Properties;

    // Act
    const ingress = resources('AWS::EC2::SecurityGroupIngress').map(([, rule]) => rule.Properties).filter((rule) => JSON.stringify(rule.GroupId).includes('RedisSecurityGroup'));

    // Assess
    expect(redis.TransitEncryptionEnabled).toBe(true);
    expect(redis.AtRestEncryptionEnabled).toBe(true);
    expect(redis.AuthToken).toEqual({ 'Fn::Sub': '{{resolve:secretsmanager:${RedisAuthToken}:SecretString:token}}' });
    expect(ingress.length).toBeGreaterThanOrEqual(2);
    for (const rule of ingress) {
      expect(rule.CidrIp).toBeUndefined();
      expect(rule.SourceSecurityGroupId).toBeDefined();
      expect([rule.FromPort, rule.ToPort]).toEqual([6379, 6379]);
    }
  });

  it('opens nothing to the internet but the HTTP API', () => {
    // Act
    const groups = resources('AWS::EC2::SecurityGroup').map(([id, group]) => [id, group.Properties.SecurityGroupIngress] as const);
    const publicIngress = resources('AWS::EC2::SecurityGroupIngress').filter(([, rule]) => rule.Properties.CidrIp !== undefined || rule.Properties.CidrIpv6 !== undefined);
    const publicTasks = resources('AWS::ECS::Service').filter(([, service]) => JSON.stringify(service.Properties).includes('"AssignPublicIp":"ENABLED"'));

    // Assess
    expect(groups.filter(([, inbound]) => inbound !== undefined)).toEqual([]);
    expect(publicIngress).toEqual([]);
    expect(publicTasks).toEqual([]);
    expect(resources('AWS::EC2::EIP')).toEqual([]);
    expect(resources('AWS::ElasticLoadBalancingV2::LoadBalancer')).toEqual([]);
  });

  it('holds no secret, and gives the name of each secret only to the function that reads it', () => {
    // Prepare
    const variables = Object.fromEntries(resources('AWS::Lambda::Function').map(([id, fn]) => [id, (fn.Properties.Environment as { Variables: Json }).Variables]));

    // Act
    const holders = (name: string): string[] => Object.keys(variables).filter((id) => variables[id]![name] !== undefined).sort();

    // Assess
    expect(holders('EVENT_KEYS_PARAMETER')).toEqual(['EventApiLambdaFunction']);
    expect(holders('API_KEY_PARAMETER')).toEqual(['CoreApiLambdaFunction']);
    expect(holders('REDIS_AUTH_SECRET_ARN')).toEqual(['CoreApiLambdaFunction', 'CronLambdaFunction', 'DeadLettersLambdaFunction', 'EventDeadLettersLambdaFunction', 'RunnerLambdaFunction', 'SyncFunctionsLambdaFunction']);
    for (const name of ['EVENT_KEYS', 'API_KEY', 'SIGNING_KEY', 'REDIS_URL', 'REDIS_AUTH_TOKEN']) expect(holders(name)).toEqual([]);
    expect(variables.EventApiLambdaFunction!.EVENT_KEYS_PARAMETER).toBe('/stepstack/test/event-keys');
    expect(JSON.stringify(template)).not.toMatch(/"(AuthToken|Password|SecretString)":"(?!\{\{resolve)[^"]+"/);
    expect(JSON.stringify(variables)).not.toContain('{{resolve:');
  });

  it('keeps Docker out of every Lambda bundle, and Redis out of the Event API', async () => {
    // Prepare
    const names = ['eventApi', 'coreApi', 'runner', 'deadLetters', 'cron'];

    // Act
    const bundles = await Promise.all(names.map(async (name) => {
      const files = readZip(await readFile(path.join(outDir, `${name}.zip`)));
      const code = [...files].filter(([file]) => file.endsWith('.js')).map(([, content]) => content.toString('utf8')).join('\n');
      return { name, files: [...files.keys()], code };
    }));

    // Assess
    for (const bundle of bundles) {
      expect(bundle.files.some((file) => file.startsWith('lambda/') && file.endsWith('.js'))).toBe(true);
      expect(bundle.code).not.toMatch(/dockerode|docker-modem|ssh2/);
    }
    expect(bundles.find((bundle) => bundle.name === 'eventApi')!.code).not.toContain('ioredis');
    expect(bundles.find((bundle) => bundle.name === 'coreApi')!.code).toContain('ioredis');
    expect(bundles.find((bundle) => bundle.name === 'runner')!.code).toContain('batchItemFailures');
  });

  it('packs the built dashboard into the core API function only (it serves GET / on AWS)', async () => {
    // Act
    const core = [...readZip(await readFile(path.join(outDir, 'coreApi.zip'))).keys()];
    const runner = [...readZip(await readFile(path.join(outDir, 'runner.zip'))).keys()];
    // Assess
    expect(core).toContain('dashboard/dist/index.html');
    expect(core.some((file) => /^dashboard\/dist\/assets\/index-[\w-]+\.js$/.test(file))).toBe(true);
    expect(runner.some((file) => file.startsWith('dashboard/'))).toBe(false);
  });
});
