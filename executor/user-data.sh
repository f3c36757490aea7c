#!/bin/bash
# Executor boot, rendered into the launch template with Fn::Sub: dollar-brace names are stack values
# that CloudFormation fills in; shell variables are written $NAME (no braces) so Fn::Sub leaves them.
# Idempotent: safe to run again. Nothing here is done by hand, and no secret is in the user data.
set -euo pipefail
exec > >(tee -a /var/log/stepstack-boot.log) 2>&1

dnf install -y docker nodejs22 amazon-cloudwatch-agent jq
systemctl enable --now docker

id stepstack >/dev/null 2>&1 || useradd --system --home-dir /opt/stepstack --shell /sbin/nologin --groups docker stepstack
install -d -o root -g root -m 0755 /opt/stepstack
install -d -o root -g stepstack -m 0750 /etc/stepstack

aws s3 cp "s3://${BundleBucket}/${BundleKey}" /tmp/stepstack-executor.tgz --region "${AWS::Region}"
tar -xzf /tmp/stepstack-executor.tgz -C /opt/stepstack
rm -f /tmp/stepstack-executor.tgz

# Secrets are read with the instance role at boot into a file only root and the daemon can read.
REDIS_TOKEN=$(aws secretsmanager get-secret-value --region "${AWS::Region}" --secret-id "${RedisSecretArn}" --query SecretString --output text | jq -r .token)
SIGNING_KEY=$(aws ssm get-parameter --region "${AWS::Region}" --name "/stepstack/${Stage}/signing-key" --with-decryption --query Parameter.Value --output text)
umask 0027
cat > /etc/stepstack/executor.env <<ENV
STEPSTACK_STAGE=${Stage}
AWS_REGION=${AWS::Region}
STEP_QUEUE_URL=${StepQueueUrl}
REDIS_URL=rediss://:$REDIS_TOKEN@${RedisHost}:${RedisPort}
SIGNING_KEY=$SIGNING_KEY
RETENTION=${Retention}
RETRY_BASE=${RetryBase}
RETRY_MAX=${RetryMax}
ASG_NAME=${AsgName}
LIFECYCLE_HOOK_NAME=${HookName}
DRAIN_DEADLINE=5m
ENV
chgrp stepstack /etc/stepstack/executor.env
unset REDIS_TOKEN SIGNING_KEY

# Ship the daemon's journal to CloudWatch Logs.
cat > /opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json <<CWA
{"logs": {"logs_collected": {"files": {"collect_list": [
  {"file_path": "/var/log/stepstack-executor.log", "log_group_name": "${LogGroup}", "log_stream_name": "{instance_id}"}
]}}}}
CWA
systemctl enable --now amazon-cloudwatch-agent

install -m 0644 /opt/stepstack/stepstack-executor.service /etc/systemd/system/stepstack-executor.service
systemctl daemon-reload
systemctl enable --now stepstack-executor.service
