#!/bin/bash
# Executor boot, rendered into the launch template with Fn::Sub: dollar-brace names are stack values
# that CloudFormation fills in; shell variables are written $NAME (no braces) so Fn::Sub leaves them.
# Idempotent: safe to run again. Nothing here is done by hand, and no secret is in the user data or
# on disk: the daemon reads its secrets by name when it starts.
set -euo pipefail
exec > >(tee -a /var/log/stepstack-boot.log) 2>&1

BUNDLE_SHA256=${BundleSha256}
# Any failure after this line tells the rolling update that this instance is not healthy.
signal() {
  aws cloudformation signal-resource --region "${AWS::Region}" --stack-name "${AWS::StackName}" \
    --logical-resource-id ExecutorGroup --unique-id "$(cat /run/stepstack-instance-id 2>/dev/null || hostname)" --status "$1" || true
}
trap 'signal FAILURE' ERR

TOKEN=$(curl -fsS -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' || true)
curl -fsS -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/instance-id > /run/stepstack-instance-id || true

dnf install -y docker nodejs22 amazon-cloudwatch-agent
systemctl enable --now docker

id stepstack >/dev/null 2>&1 || useradd --system --home-dir /opt/stepstack --shell /sbin/nologin --groups docker stepstack
install -d -o root -g root -m 0755 /opt/stepstack
install -d -o root -g stepstack -m 0750 /etc/stepstack

# The bundle this launch template version names, from the stack's own bucket (which must belong to
# this account), installed only if its SHA-256 is the one the template carries.
aws s3api get-object --region "${AWS::Region}" --bucket "${BundleBucket}" --key "${BundleKey}" \
  --expected-bucket-owner "${AWS::AccountId}" /tmp/stepstack-executor.tgz > /dev/null
if ! echo "$BUNDLE_SHA256  /tmp/stepstack-executor.tgz" | sha256sum --check --status; then
  echo "executor bundle ${BundleKey} does not match its SHA-256 $BUNDLE_SHA256: refusing to install it" >&2
  rm -f /tmp/stepstack-executor.tgz
  signal FAILURE
  exit 1
fi
rm -rf /opt/stepstack/current.new
install -d -o root -g root -m 0755 /opt/stepstack/current.new
tar -xzf /tmp/stepstack-executor.tgz -C /opt/stepstack/current.new --no-same-owner
rm -f /tmp/stepstack-executor.tgz
rm -rf /opt/stepstack/current && mv /opt/stepstack/current.new /opt/stepstack/current

umask 0027
cat > /etc/stepstack/executor.env <<ENV
STEPSTACK_STAGE=${Stage}
AWS_REGION=${AWS::Region}
STEP_QUEUE_URL=${StepQueueUrl}
EVENT_STREAM_URL=${EventStreamUrl}
REDIS_HOST=${RedisHost}
REDIS_PORT=${RedisPort}
REDIS_AUTH_SECRET_ARN=${RedisSecretArn}
SIGNING_KEY_PARAMETER=/stepstack/${Stage}/signing-key
CONCURRENCY=${Concurrency}
RETENTION=${Retention}
RETRY_BASE=${RetryBase}
RETRY_MAX=${RetryMax}
ASG_NAME=${AsgName}
LIFECYCLE_HOOK_NAME=${HookName}
DRAIN_DEADLINE=5m
HEALTH_PORT=8290
ENV
chgrp stepstack /etc/stepstack/executor.env
umask 0022

# Ship the daemon's log to CloudWatch Logs.
cat > /opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json <<CWA
{"logs": {"logs_collected": {"files": {"collect_list": [
  {"file_path": "/var/log/stepstack-executor.log", "log_group_name": "${LogGroup}", "log_stream_name": "{instance_id}"}
]}}}}
CWA
systemctl enable --now amazon-cloudwatch-agent

for unit in stepstack-executor.service stepstack-health.service stepstack-health.timer; do
  install -m 0644 "/opt/stepstack/current/$unit" "/etc/systemd/system/$unit"
done
systemctl daemon-reload
systemctl enable stepstack-executor.service stepstack-health.timer
systemctl restart stepstack-executor.service
systemctl start stepstack-health.timer

# Healthy within five minutes, or the rolling update stops here.
for _ in $(seq 1 60); do
  if curl -fsS http://127.0.0.1:8290/health > /dev/null; then
    signal SUCCESS
    exit 0
  fi
  sleep 5
done
echo 'the executor daemon did not answer healthy within 5 minutes' >&2
signal FAILURE
exit 1
