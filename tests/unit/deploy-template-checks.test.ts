import { checkTemplatePolicy, REQUIRED_ALARMS } from '../../deploy/template/policy';
import { validateTemplate } from '../../deploy/template/validate';
import { checkStageParams } from '../../deploy/stage-params';

/**
 * The offline template checks catch what they are for: errors planted in a valid template, one kind
 * at a time, against AWS's resource specification; and each rule of the stack's policy.
 */
type Json = Record<string, any>;

const validTemplate = (): Json => ({
  AWSTemplateFormatVersion: '2010-09-09',
  Parameters: { Stage: { Type: 'String', Default: 'test' } },
  Resources: {
    DeadLetters: { Type: 'AWS::SQS::Queue', Properties: { SqsManagedSseEnabled: true } },
    Work: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        QueueName: { 'Fn::Sub': 'work-${Stage}' },
        SqsManagedSseEnabled: true,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['DeadLetters', 'Arn'] }, maxReceiveCount: 5 },
      },
    },
    Group: {
      Type: 'AWS::EC2::SecurityGroup',
      Properties: { GroupDescription: 'g', SecurityGroupEgress: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0' }] },
    },
    Template: {
      Type: 'AWS::EC2::LaunchTemplate',
      Properties: { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 } } },
    },
    Scaling: {
      Type: 'AWS::AutoScaling::ScalingPolicy',
      Properties: {
        AutoScalingGroupName: 'g',
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingConfiguration: {
          TargetValue: 10,
          CustomizedMetricSpecification: {
            Metrics: [
              { Id: 'a', ReturnData: false, MetricStat: { Stat: 'Sum', Metric: { Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible' } } },
              { Id: 'b', Expression: 'a / 2', ReturnData: true },
            ],
          },
        },
      },
    },
  },
});

describe('validateTemplate (cfn-lint with the @aws-cdk/cfnspec resource specification)', () => {
  it('finds nothing wrong in a valid template, with metric-math target tracking', () => {
    expect(validateTemplate(validTemplate())).toEqual([]);
  });

  const planted: [string, (template: Json) => void, RegExp][] = [
    ['an unknown resource type', (t) => { t.Resources.Work.Type = 'AWS::SQS::Queues'; }, /AWS::SQS::Queues/],
    ['a Ref to nothing', (t) => { t.Resources.Work.Properties.QueueName = { Ref: 'Nowhere' }; }, /Nowhere/],
    ['a misspelled property', (t) => { t.Resources.Work.Properties.VisibilityTimout = 30; }, /VisibilityTimout/],
    ['a value of the wrong type', (t) => { t.Resources.Work.Properties.SqsManagedSseEnabled = 'maybe'; }, /SqsManagedSseEnabled|boolean/i],
    ['a missing required property', (t) => { delete t.Resources.Group.Properties.GroupDescription; }, /GroupDescription/],
    ['a bad nested property', (t) => { t.Resources.Template.Properties.LaunchTemplateData.MetadataOptions.HttpToken = 'required'; }, /HttpToken/],
    ['a GetAtt of an attribute that does not exist', (t) => { t.Resources.Work.Properties.RedrivePolicy.deadLetterTargetArn = { 'Fn::GetAtt': ['DeadLetters', 'Url'] }; }, /Url/],
    ['a metric-math query without its Id', (t) => { delete t.Resources.Scaling.Properties.TargetTrackingConfiguration.CustomizedMetricSpecification.Metrics[1].Id; }, /Id/],
  ];
  it.each(planted)('catches %s', (_, plant, expected) => {
    // Prepare
    const template = validTemplate();
    plant(template);

    // Act
    const problems = validateTemplate(template);

    // Assess
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.map((problem) => `${problem.path}: ${problem.message}`).join('\n')).toMatch(expected);
  });

  it('evaluates nested conditions and Fn::And (rewritten for cfn-lint, same meaning)', () => {
    // Prepare
    const template = validTemplate();
    template.Parameters.Vpc = { Type: 'String', Default: '' };
    template.Conditions = {
      Create: { 'Fn::Equals': [{ Ref: 'Vpc' }, ''] },
      Both: { 'Fn::And': [{ Condition: 'Create' }, { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] }] }] },
    };
    template.Resources.Work.Condition = 'Both';

    // Act
    const problems = validateTemplate(template);

    // Assess
    expect(problems).toEqual([]);
  });
});

const alarms = (): Json => Object.fromEntries(REQUIRED_ALARMS.map((id) => [id, { Type: 'AWS::CloudWatch::Alarm', Properties: { AlarmActions: [{ Ref: 'Topic' }] } }]));
const withResources = (resources: Json): Json => ({ Resources: { ...alarms(), ...resources } });

describe('checkTemplatePolicy', () => {
  it('passes a template that keeps every rule', () => {
    // Prepare
    const template = withResources({
      Fn: { Type: 'AWS::Lambda::Function', Properties: { Environment: { Variables: { API_KEY_PARAMETER: '/stepstack/x/api-key', REDIS_AUTH_SECRET_ARN: { Ref: 'Secret' }, EMPTY_KEY: '' } } } },
      Role: { Type: 'AWS::IAM::Role', Properties: { Policies: [{ PolicyDocument: { Statement: [{ Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: '*' }, { Effect: 'Deny', Action: 'sqs:*', Resource: '*' }] } }] } },
      Queue: { Type: 'AWS::SQS::Queue', Properties: { SqsManagedSseEnabled: true, RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Dlq', 'Arn'] } } } },
      Dlq: { Type: 'AWS::SQS::Queue', Properties: { KmsMasterKeyId: 'alias/aws/sqs' } },
      Group: { Type: 'AWS::EC2::SecurityGroup', Properties: { SecurityGroupEgress: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0' }] } },
    });

    // Act
    const problems = checkTemplatePolicy(template);

    // Assess
    expect(problems).toEqual([]);
  });

  const breaches: [string, Json, RegExp][] = [
    ['a dynamic reference in a Lambda environment', { Fn: { Type: 'AWS::Lambda::Function', Properties: { Environment: { Variables: { API_KEY: '{{resolve:ssm:/x}}' } } } } }, /Fn: environment variable API_KEY is a dynamic reference/],
    ['a secret value in a Lambda environment', { Fn: { Type: 'AWS::Lambda::Function', Properties: { Environment: { Variables: { SIGNING_KEY: 'abc' } } } } }, /SIGNING_KEY looks like a secret/],
    ['a password in a URL', { Fn: { Type: 'AWS::Lambda::Function', Properties: { Environment: { Variables: { REDIS_URL: { 'Fn::Sub': 'rediss://:${Token}@host:6379' } } } } } }, /REDIS_URL holds a URL with a password/],
    ['ECS secrets injected into the environment', { Task: { Type: 'AWS::ECS::TaskDefinition', Properties: { ContainerDefinitions: [{ Name: 'c', Secrets: [{ Name: 'X', ValueFrom: 'arn' }] }] } } }, /Secrets puts secret values/],
    ['an Allow of a wildcard action', { Role: { Type: 'AWS::IAM::Role', Properties: { Policies: [{ PolicyDocument: { Statement: [{ Effect: 'Allow', Action: ['s3:Get*'], Resource: 'arn' }] } }] } } }, /Role: Allow of "s3:Get\*"/],
    ['an Allow with NotAction', { Policy: { Type: 'AWS::IAM::Policy', Properties: { PolicyDocument: { Statement: [{ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }] } } } }, /NotAction/],
    ['a queue without encryption', { Q: { Type: 'AWS::SQS::Queue', Properties: { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['D', 'Arn'] } } } }, D: { Type: 'AWS::SQS::Queue', Properties: { SqsManagedSseEnabled: true } } }, /Q: queue not encrypted/],
    ['a queue without a dead-letter queue', { Q: { Type: 'AWS::SQS::Queue', Properties: { SqsManagedSseEnabled: true } } }, /Q: queue without a dead-letter queue/],
    ['ingress from anywhere', { G: { Type: 'AWS::EC2::SecurityGroupIngress', Properties: { CidrIp: '0.0.0.0/0', FromPort: 22, ToPort: 22 } } }, /G: ingress from "0.0.0.0\/0"/],
    ['egress to anywhere on the Redis port, in one branch of an Fn::If', { G: { Type: 'AWS::EC2::SecurityGroup', Properties: { SecurityGroupEgress: [{ 'Fn::If': ['C', { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0' }, { IpProtocol: 'tcp', FromPort: 6379, ToPort: 6379, CidrIp: '0.0.0.0/0' }] }] } } }, /G: egress to any address on tcp 6379-6379/],
    ['a NAT gateway', { Nat: { Type: 'AWS::EC2::NatGateway', Properties: {} } }, /Nat: AWS::EC2::NatGateway/],
    ['a key pair on the executors', { Lt: { Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateData: { KeyName: 'mine' } } } }, /Lt: a key pair/],
    ['an alarm that notifies nobody', { StepQueueAgeAlarm: { Type: 'AWS::CloudWatch::Alarm', Properties: {} } }, /StepQueueAgeAlarm: alarm without AlarmActions/],
  ];
  it.each(breaches)('refuses %s', (_, resources, expected) => {
    // Act
    const problems = checkTemplatePolicy(withResources(resources));

    // Assess
    expect(problems.join('\n')).toMatch(expected);
  });

  it('names every missing alarm', () => {
    // Act
    const problems = checkTemplatePolicy({ Resources: {} });

    // Assess
    expect(problems).toEqual(REQUIRED_ALARMS.map((id) => `${id}: alarm missing`));
  });
});

describe('checkStageParams', () => {
  it.each([
    [{ VpcId: '', PrivateSubnetIds: '' }, []],
    [{ VpcId: 'vpc-0123456789abcdef0', PrivateSubnetIds: 'subnet-0123456789abcdef0,subnet-0123456789abcdef1', AddVpcEndpoints: 'false' }, []],
    [{ VpcId: 'vpc-0123456789abcdef0', PrivateSubnetIds: '' }, [expect.stringMatching(/^privateSubnetIds: a given VPC .* \(got 0\)/)]],
    [{ VpcId: '', PrivateSubnetIds: 'subnet-0123456789abcdef0' }, [expect.stringMatching(/^vpcId: privateSubnetIds is set but vpcId is empty/)]],
    [{ VpcId: 'vpc-1', PrivateSubnetIds: 'subnet-0123456789abcdef0,sn-2', AddVpcEndpoints: 'yes' }, [
      expect.stringMatching(/^vpcId: "vpc-1" is not a VPC id/), expect.stringMatching(/^privateSubnetIds: "sn-2" is not a subnet id/), expect.stringMatching(/^addVpcEndpoints: "yes" must be/),
    ]],
  ])('%j -> %j', (parameters, expected) => {
    expect(checkStageParams(parameters)).toEqual(expected);
  });
});
