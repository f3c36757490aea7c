import { execFile } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { copyProject, type Packaged, removeAll, serverlessPackage } from '../support/serverless-package';

/**
 * The executor's user data run for real, as root, in a Debian root filesystem made here with
 * debootstrap (apt works in it): only what needs AWS or a booted machine has a stand-in (`aws`,
 * the instance metadata, `systemctl` since a chroot has no systemd, and Amazon Linux's `dnf`, mapped
 * to apt). It installs the bundle named by the launch template only when its SHA-256 matches, and
 * refuses a tampered one.
 */
const run = promisify(execFile);
const ACCOUNT = '123456789012';
const BUCKET = 'stepstack-chroot-deploymentbucket';
const BASE = path.join(tmpdir(), 'stepstack-debian-bookworm-minbase');

/** The machine's own Debian mirror, as apt is set up here (never a host name written in this repository). */
async function debianMirror(): Promise<string> {
  for (const file of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    const text = await readFile(file, 'utf8').catch(() => '');
    const uri = /^URIs:\s*(\S+)/m.exec(text)?.[1] ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/m.exec(text)?.[1];
    if (uri) return uri;
  }
  throw new Error('no Debian mirror in /etc/apt: the test needs apt set up for bookworm');
}

/** A minimal bookworm made once per machine (about 30 s), copied for each run. */
async function baseRootfs(): Promise<string> {
  if (existsSync(path.join(BASE, '.complete'))) return BASE;
  await removeAll(BASE);
  await run('debootstrap', ['--variant=minbase', '--include=ca-certificates', 'bookworm', BASE, await debianMirror()], { maxBuffer: 64 * 2 ** 20 });
  await writeFile(path.join(BASE, '.complete'), '');
  return BASE;
}

const STAND_INS: Record<string, string> = {
  // AWS's CLI: the S3 download reads the "bucket" below /standin/s3, refusing a bucket of another owner; signals are recorded.
  aws: `#!/bin/bash
echo "aws $*" >> /var/log/standin.log
if [ "$1 $2" = "s3api get-object" ]; then
  shift 2; out=""
  while [ $# -gt 0 ]; do case "$1" in --bucket) b=$2; shift 2;; --key) k=$2; shift 2;; --expected-bucket-owner) o=$2; shift 2;; --region) shift 2;; *) out=$1; shift;; esac; done
  [ "$o" = "${ACCOUNT}" ] || { echo "AccessDenied: bucket owner" >&2; exit 255; }
  cp "/standin/s3/$b/$k" "$out" && echo '{"ETag": "x"}'
  exit $?
fi
if [ "$1 $2" = "cloudformation signal-resource" ]; then
  for a in "$@"; do [ "$prev" = "--status" ] && echo "$a" >> /var/log/standin-signals; prev=$a; done
  exit 0
fi
echo "aws stand-in: $* is not expected" >&2; exit 2
`,
  // Amazon Linux's dnf: curl from Debian, and for nodejs22 this machine's node (the project needs Node
  // >= 20.19; Debian bookworm's nodejs is 18); of docker and the CloudWatch agent only what the boot
  // uses (the docker group, the agent's configuration folder): no daemon runs in a chroot.
  dnf: `#!/bin/bash
echo "dnf $*" >> /var/log/standin.log
groupadd -f docker
mkdir -p /opt/aws/amazon-cloudwatch-agent/etc
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends curl libstdc++6 > /var/log/standin-apt.log 2>&1
install -m 755 /standin/node /usr/bin/node
`,
  // No systemd in a chroot: record what the boot asks of it.
  systemctl: `#!/bin/bash
echo "systemctl $*" >> /var/log/standin.log
`,
  // The instance metadata service and the daemon's health endpoint are a booted machine's: answered here.
  curl: `#!/bin/bash
echo "curl $*" >> /var/log/standin.log
case "$*" in
  *169.254.169.254/latest/api/token*) echo token ;;
  *169.254.169.254/latest/meta-data/instance-id*) echo i-0chroot ;;
  *127.0.0.1:8290/health*) grep -q 'systemctl restart stepstack-executor.service' /var/log/standin.log && echo '{"status":"ok"}' ;;
  *) exit 7 ;;
esac
`,
};

let packaged: Packaged;
let project: string;
let work: string;
let bundle: { key: string; sha256: string; file: string };
/** /proc mounted in each machine (bash's process substitution needs /dev/fd); unmounted before anything is removed. */
const mounted: string[] = [];

/** The launch template's user data with CloudFormation's values filled in as a stack would. */
function renderUserData(): string {
  const [script, variables] = packaged.template.Resources.ExecutorLaunchTemplate!.Properties.LaunchTemplateData.UserData['Fn::Base64']['Fn::Sub'] as [string, Record<string, unknown>];
  const values: Record<string, string> = {
    'AWS::Region': 'us-east-1', 'AWS::StackName': 'stepstack-chroot', 'AWS::AccountId': ACCOUNT, BundleBucket: BUCKET,
    StepQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/stepstack-chroot-steps', RedisSecretArn: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:redis`,
    RedisHost: 'master.stepstack-chroot.cache.amazonaws.com', RedisPort: '6379', LogGroup: '/stepstack/chroot/executors',
  };
  return script.replace(/\$\{([^}]+)\}/g, (_, name: string) => values[name] ?? (typeof variables[name] === 'string' || typeof variables[name] === 'number' ? String(variables[name]) : `unset-${name}`));
}

/** A fresh copy of the base with the stand-ins, the bundle in its "bucket" (tampered when asked), and the user data. */
async function machine(name: string, tamper: boolean): Promise<string> {
  const root = path.join(work, name);
  await run('cp', ['-a', await baseRootfs(), root]);
  await cp('/etc/resolv.conf', path.join(root, 'etc/resolv.conf'));
  for (const [tool, script] of Object.entries(STAND_INS)) {
    await writeFile(path.join(root, 'usr/local/bin', tool), script);
    await chmod(path.join(root, 'usr/local/bin', tool), 0o755);
  }
  await mkdir(path.join(root, 'standin'), { recursive: true });
  await cp(process.execPath, path.join(root, 'standin/node'));
  const object = path.join(root, 'standin/s3', BUCKET, bundle.key);
  await mkdir(path.dirname(object), { recursive: true });
  const bytes = await readFile(path.join(packaged.dir, bundle.file));
  if (tamper) bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff;
  await writeFile(object, bytes);
  await writeFile(path.join(root, 'user-data.sh'), renderUserData(), { mode: 0o755 });
  await run('mount', ['-t', 'proc', 'proc', path.join(root, 'proc')]);
  mounted.push(path.join(root, 'proc'));
  return root;
}

async function boot(root: string): Promise<{ code: number; output: string }> {
  return run('chroot', [root, '/usr/bin/env', '-i', 'PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', 'HOME=/root', '/bin/bash', '/user-data.sh'], { maxBuffer: 16 * 2 ** 20, timeout: 600_000 })
    .then(({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }), (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: Number(error.code), output: `${error.stdout ?? ''}${error.stderr ?? ''}` }));
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'stepstack-user-data-'));
  project = await copyProject();
  [packaged] = await Promise.all([serverlessPackage(project, 'chroot'), baseRootfs()]);
  bundle = JSON.parse(await readFile(path.join(packaged.dir, 'executor-artifact.json'), 'utf8')) as typeof bundle;
}, 300_000);

afterAll(async () => {
  for (const point of mounted) await run('umount', [point]);
  await removeAll(project, packaged?.dir, work);
});

describe('the executor user data in a Debian root filesystem', () => {
  it('installs the bundle its launch template names, checked by SHA-256, and enables the units with an environment of names', async () => {
    // Prepare
    const root = await machine('good', false);

    // Act
    const { code, output } = await boot(root);
    expect({ code, tail: output.slice(-1500) }).toEqual({ code: 0, tail: expect.any(String) });
    const log = await readFile(path.join(root, 'var/log/standin.log'), 'utf8');
    const env = await readFile(path.join(root, 'etc/stepstack/executor.env'), 'utf8');
    const envMode = (await stat(path.join(root, 'etc/stepstack/executor.env'))).mode & 0o777;
    const group = (await readFile(path.join(root, 'etc/group'), 'utf8')).split('\n').find((line) => line.startsWith('stepstack:'));
    // The node dnf installed runs the installed daemon, which refuses a bad setting with the status systemd does not restart.
    const daemon = await run('chroot', [root, '/usr/bin/env', '-i', 'PATH=/usr/bin:/bin', 'CONCURRENCY=abc', 'STEP_QUEUE_URL=http://127.0.0.1:9/q', 'REDIS_URL=redis://127.0.0.1:9', '/usr/bin/node', '/opt/stepstack/current/executor.js'])
      .then(() => 0, (error: { code?: number }) => Number(error.code));

    // Assess
    expect(log).toContain(`aws s3api get-object --region us-east-1 --bucket ${BUCKET} --key ${bundle.key} --expected-bucket-owner ${ACCOUNT}`);
    expect(log).toContain('systemctl enable stepstack-executor.service stepstack-health.timer');
    expect(await readFile(path.join(root, 'var/log/standin-signals'), 'utf8')).toBe('SUCCESS\n');
    for (const file of ['executor.js', 'container.js', 'stepstack-executor.service', 'stepstack-health.timer']) expect(existsSync(path.join(root, 'opt/stepstack/current', file))).toBe(true);
    expect(existsSync(path.join(root, 'etc/systemd/system/stepstack-executor.service'))).toBe(true);
    expect(env).toContain(`REDIS_AUTH_SECRET_ARN=arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:redis\n`);
    expect(env).toContain('SIGNING_KEY_PARAMETER=/stepstack/chroot/signing-key\n');
    expect(env).not.toMatch(/^(REDIS_URL|REDIS_AUTH_TOKEN|SIGNING_KEY)=/m);
    expect(envMode).toBe(0o640);
    expect(group).toMatch(/^stepstack:/);
    expect(daemon).toBe(78);
  }, 600_000);

  it('refuses a tampered bundle: nothing installed, the rolling update told FAILURE', async () => {
    // Prepare
    const root = await machine('tampered', true);

    // Act
    const { code, output } = await boot(root);

    // Assess
    expect(code).toBe(1);
    expect(output).toContain(`does not match its SHA-256 ${bundle.sha256}: refusing to install it`);
    expect(existsSync(path.join(root, 'opt/stepstack/current'))).toBe(false);
    expect(existsSync(path.join(root, 'tmp/stepstack-executor.tgz'))).toBe(false);
    expect(await readFile(path.join(root, 'var/log/standin-signals'), 'utf8')).toBe('FAILURE\n');
    expect(await readFile(path.join(root, 'var/log/standin.log'), 'utf8')).not.toContain('systemctl enable stepstack-executor');
  }, 600_000);
});
