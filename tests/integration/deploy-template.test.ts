import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { checkTemplatePolicy, REQUIRED_ALARMS } from '../../deploy/template/policy';
import { validateTemplate } from '../../deploy/template/validate';
import { copyProject, type Packaged, removeAll, serverlessPackage } from '../support/serverless-package';

/**
 * `serverless package` of the two kinds of stage, offline, each template checked against AWS's
 * resource specification and the stack's policy: one that creates its VPC (Lambda mode), and one
 * given a VPC (container mode). And the executor bundle's content address in the launch template:
 * other executor code, another template; the same code, the same template.
 */
const GIVEN = {
  vpcId: 'vpc-0123456789abcdef0',
  privateSubnetIds: 'subnet-0123456789abcdef0,subnet-0123456789abcdef1',
  privateRouteTableIds: 'rtb-0123456789abcdef0',
  containerMode: 'true',
};
const GIVEN_PARAMETERS = { VpcId: GIVEN.vpcId, PrivateSubnetIds: GIVEN.privateSubnetIds, PrivateRouteTableIds: GIVEN.privateRouteTableIds };

let projects: string[] = [];
let own: Packaged;
let given: Packaged;
let ownAgain: Packaged;
let changed: Packaged;

beforeAll(async () => {
  // One copy of the project per package (each has its own .serverless): the same code in two of them
  // also shows that the bundle does not depend on where the project is.
  projects = await Promise.all([copyProject(), copyProject(), copyProject(), copyProject()]);
  const [first, second, third, changedProject] = projects as [string, string, string, string];
  const daemon = path.join(changedProject, 'executor/main.ts');
  const code = await readFile(daemon, 'utf8');
  expect(code).toContain("'executor settings are invalid'");
  await writeFile(daemon, code.replace("'executor settings are invalid'", "'executor settings are not valid'"));
  // Two at a time: the machine has two cores, and each package runs esbuild.
  [own, changed] = await Promise.all([serverlessPackage(first, 'own'), serverlessPackage(changedProject, 'own')]);
  [given, ownAgain] = await Promise.all([serverlessPackage(second, 'given', GIVEN), serverlessPackage(third, 'own')]);
}, 300_000);

afterAll(async () => {
  await removeAll(...projects, own?.dir, given?.dir, ownAgain?.dir, changed?.dir);
});

const ofType = (packaged: Packaged, type: string): string[] => Object.entries(packaged.template.Resources).filter(([, resource]) => resource.Type === type).map(([id]) => id);
const interfaceEndpoints = (packaged: Packaged): string[] => ofType(packaged, 'AWS::EC2::VPCEndpoint')
  .map((id) => packaged.template.Resources[id]!.Properties)
  .map((properties) => `${properties.VpcEndpointType}:${String(properties.ServiceName['Fn::Sub']).replace('com.amazonaws.${AWS::Region}.', '')}`)
  .sort();

describe('a stage that creates its VPC', () => {
  it("matches AWS's resource specification and keeps the stack's policy", () => {
    expect(validateTemplate(own.template)).toEqual([]);
    expect(checkTemplatePolicy(own.template)).toEqual([]);
  });

  it('makes private subnets in two zones, no way to the internet, and an endpoint for every AWS API it calls', () => {
    // Act
    const subnets = ofType(own, 'AWS::EC2::Subnet').map((id) => own.template.Resources[id]!.Properties);

    // Assess
    expect(own.template.Parameters.VpcId.Default).toBe('');
    expect(subnets.map((subnet) => subnet.AvailabilityZone)).toEqual([{ 'Fn::Select': [0, { 'Fn::GetAZs': '' }] }, { 'Fn::Select': [1, { 'Fn::GetAZs': '' }] }]);
    expect(subnets.every((subnet) => subnet.MapPublicIpOnLaunch === false)).toBe(true);
    for (const type of ['AWS::EC2::InternetGateway', 'AWS::EC2::NatGateway', 'AWS::EC2::Route']) expect(ofType(own, type)).toEqual([]);
    expect(interfaceEndpoints(own)).toEqual([
      'Gateway:s3', 'Interface:autoscaling', 'Interface:cloudformation', 'Interface:ec2messages', 'Interface:ecr.api', 'Interface:ecr.dkr',
      'Interface:logs', 'Interface:monitoring', 'Interface:secretsmanager', 'Interface:sqs', 'Interface:ssm', 'Interface:ssmmessages',
    ]);
    expect(own.template.Conditions.CreateVpc).toEqual({ 'Fn::Equals': [{ Ref: 'VpcId' }, ''] });
    expect(own.template.Resources.Vpc!.Condition).toBe('CreateVpc');
  });

  it('names the target of every Redis and endpoint egress rule', () => {
    // Act
    const lambdaEgress = own.template.Resources.LambdaSecurityGroup!.Properties.SecurityGroupEgress;

    // Assess
    expect(lambdaEgress).toEqual([expect.objectContaining({ FromPort: 6379, DestinationSecurityGroupId: { 'Fn::GetAtt': ['RedisSecurityGroup', 'GroupId'] } })]);
    expect(own.template.Resources.LambdasToEndpoints!.Properties.DestinationSecurityGroupId).toEqual({ 'Fn::GetAtt': ['EndpointSecurityGroup', 'GroupId'] });
    expect(own.template.Resources.LambdasToNat!.Condition).toBe('UseNat');
    expect(own.template.Resources.ExecutorSecurityGroup!.Properties.SecurityGroupEgress[0]).toEqual(expect.objectContaining({ FromPort: 6379, DestinationSecurityGroupId: { 'Fn::GetAtt': ['RedisSecurityGroup', 'GroupId'] } }));
  });

  it('has every alarm, sent to the stage topic, a dashboard, backlog-per-instance scaling and a bounded runner trigger', () => {
    // Act
    const alarms = ofType(own, 'AWS::CloudWatch::Alarm');
    const scaling = own.template.Resources.ExecutorScaleOnBacklog!.Properties.TargetTrackingConfiguration.CustomizedMetricSpecification;
    const runnerTrigger = ofType(own, 'AWS::Lambda::EventSourceMapping').map((id) => own.template.Resources[id]!.Properties)
      .find((mapping) => mapping.EventSourceArn['Fn::GetAtt'][0] === 'EventStreamQueue');

    // Assess
    expect(alarms.sort()).toEqual([...REQUIRED_ALARMS].sort());
    for (const id of alarms) expect(own.template.Resources[id]!.Properties.AlarmActions).toEqual([{ 'Fn::If': ['CreateAlarmTopic', { Ref: 'AlarmTopic' }, ''] }]);
    expect(ofType(own, 'AWS::CloudWatch::Dashboard')).toEqual(['Dashboard']);
    expect(scaling.Metrics.find((query: { ReturnData: boolean }) => query.ReturnData)).toEqual(expect.objectContaining({ Expression: 'visible / inService' }));
    expect(runnerTrigger?.ScalingConfig).toEqual({ MaximumConcurrency: 10 });
  });

  it('lets executors in through Session Manager only: no key pair, no ingress, the agent allowed', () => {
    // Act
    const statements = own.template.Resources.ExecutorRole!.Properties.Policies[0].PolicyDocument.Statement as { Sid: string; Action: string[] }[];

    // Assess
    expect(own.template.Resources.ExecutorLaunchTemplate!.Properties.LaunchTemplateData.KeyName).toBeUndefined();
    expect(own.template.Resources.ExecutorSecurityGroup!.Properties.SecurityGroupIngress).toBeUndefined();
    expect(statements.find((statement) => statement.Sid === 'SessionManager')?.Action).toEqual(expect.arrayContaining(['ssm:UpdateInstanceInformation', 'ssmmessages:OpenDataChannel', 'ec2messages:GetMessages']));
  });
});

describe('a stage given a VPC (container mode)', () => {
  it("matches AWS's resource specification and keeps the stack's policy", () => {
    expect(validateTemplate(given.template, GIVEN_PARAMETERS)).toEqual([]);
    expect(checkTemplatePolicy(given.template)).toEqual([]);
  });

  it('passes the VPC to the stack and keeps the container mode resources, with health checks and autoscaling', () => {
    // Act
    const parameters = JSON.parse(JSON.stringify(given.template.Conditions));
    const eventApi = given.template.Resources.EventApiTaskDefinition!.Properties.ContainerDefinitions[0];

    // Assess
    expect(parameters.ContainerMode).toEqual({ 'Fn::Equals': ['true', 'true'] });
    expect(eventApi.HealthCheck.Command[0]).toBe('CMD');
    expect(eventApi.Image['Fn::Sub'][0]).toMatch(/^\$\{Repository\}:[0-9a-f]{64}$/);
    expect(ofType(given, 'AWS::ApplicationAutoScaling::ScalingPolicy').sort()).toEqual(['EventApiScaleOnCpu', 'RunnerScaleOnBacklog']);
    expect(ofType(given, 'AWS::ECR::Repository')).toEqual(['ContainerRepository']);
  });
});

describe('the executor bundle in the launch template', () => {
  const userData = (packaged: Packaged): [string, Record<string, unknown>] => packaged.template.Resources.ExecutorLaunchTemplate!.Properties.LaunchTemplateData.UserData['Fn::Base64']['Fn::Sub'];

  it('is in the package, under its SHA-256, in a bucket the stack owns', async () => {
    // Act
    const [, variables] = userData(own);
    const artifact = JSON.parse(await readFile(path.join(own.dir, 'executor-artifact.json'), 'utf8')) as { file: string; key: string; sha256: string };
    const bytes = await readFile(path.join(own.dir, artifact.file));

    // Assess
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(artifact.sha256);
    expect(variables).toEqual(expect.objectContaining({
      BundleBucket: { Ref: 'ServerlessDeploymentBucket' }, BundleKey: `serverless/stepstack/own/executor/${artifact.sha256}.tgz`, BundleSha256: artifact.sha256,
    }));
    expect(own.template.Resources.ServerlessDeploymentBucket).toBeDefined();
    expect(JSON.stringify(own.template)).not.toContain('STEPSTACK_EXECUTOR_');
  });

  it('changes with the executor code, and only with it', () => {
    // Act
    const launchTemplate = (packaged: Packaged): string => JSON.stringify(packaged.template.Resources.ExecutorLaunchTemplate);

    // Assess
    expect(launchTemplate(ownAgain)).toBe(launchTemplate(own));
    expect(launchTemplate(changed)).not.toBe(launchTemplate(own));
    expect(userData(changed)[1].BundleSha256).not.toBe(userData(own)[1].BundleSha256);
    expect(own.template.Resources.ExecutorGroup!.Properties.LaunchTemplate.Version).toEqual({ 'Fn::GetAtt': ['ExecutorLaunchTemplate', 'LatestVersionNumber'] });
    expect((own.template.Resources.ExecutorGroup as any).UpdatePolicy.AutoScalingRollingUpdate).toEqual(expect.objectContaining({ MaxBatchSize: 1, WaitOnResourceSignals: true }));
  });
});
