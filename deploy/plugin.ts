import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildExecutorBundle } from '../executor/build';
import { loadFunctionsDir } from '../platform/function-files';
import { checkStageParams } from './stage-params';
import { checkTemplatePolicy } from './template/policy';
import { validateTemplate } from './template/validate';
import { imageArchitecture, pushStageImage } from './container-image';
import { executorArtifactKey, uploadExecutorBundle, type ExecutorArtifact } from './executor-artifact';

/** The parts of the Serverless Framework (osls) this plugin uses. */
export interface Serverless {
  serviceDir: string;
  service: {
    service: string;
    provider: { compiledCloudFormationTemplate: Record<string, unknown>; stackParameters?: { ParameterKey: string; ParameterValue: string }[] };
    package: { path?: string };
  };
  classes: { Error: new (message: string) => Error };
  getProvider(name: 'aws'): AwsProvider;
}
export interface AwsProvider {
  getStage(): string;
  getDeploymentPrefix(): string;
  getServerlessDeploymentBucketName(): Promise<string>;
  getAwsSdkV3Config(): Promise<Record<string, unknown>>;
}
/** Serverless' plugin log (its third constructor argument's `log`). */
interface Log { notice(message: string): void; info(message: string): void }

const ARTIFACT_FILE = 'executor-artifact.json';

/**
 * What `serverless package` and `deploy` do for Stepstack beyond Serverless itself:
 * - package: check the stage's params; validate functions/ (the errors `npm start` gives) and put
 *   the definitions into the FunctionsSync custom resource; build the executor bundle, put it with
 *   the deployment's artifacts and write its content-addressed key and SHA-256 into the launch
 *   template; then refuse the template if AWS's resource specification or the stack's policy checks
 *   find a problem.
 * - deploy: upload that bundle to the stack's deployment bucket before the stack update needs it;
 *   in container mode, build the services' image from it and push it to the stack's repository.
 */
export class StepstackPlugin {
  readonly hooks: Record<string, () => Promise<void>>;
  private readonly provider: AwsProvider;
  private readonly log: Log;

  constructor(private readonly serverless: Serverless, private readonly options: { package?: string; stage?: string }, utils: { log: Log }) {
    this.log = utils.log;
    this.provider = serverless.getProvider('aws');
    this.hooks = {
      'before:package:initialize': async () => {
        await this.checkParams();
        this.buildDashboard();
      },
      'before:aws:package:finalize:saveServiceState': async () => this.finishTemplate(),
      'before:aws:deploy:deploy:updateStack': async () => this.uploadArtifacts(),
    };
  }

  private fail(problems: string[], what: string): never {
    throw new this.serverless.classes.Error(`${what}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }

  private stackParameters(): Record<string, string> {
    return Object.fromEntries((this.serverless.service.provider.stackParameters ?? []).map((parameter) => [parameter.ParameterKey, parameter.ParameterValue]));
  }

  private async checkParams(): Promise<void> {
    const problems = checkStageParams(this.stackParameters());
    if (problems.length > 0) this.fail(problems, `the params of stage ${this.provider.getStage()} are not valid`);
  }

  /** The dashboard's assets, built fresh into dashboard/dist, which the core API function packs (serverless.yml). */
  private buildDashboard(): void {
    const vite = path.join(this.serverless.serviceDir, 'node_modules', '.bin', 'vite');
    execFileSync(vite, ['build', '--config', path.join(this.serverless.serviceDir, 'dashboard', 'vite.config.ts')], { cwd: this.serverless.serviceDir, stdio: ['ignore', 'ignore', 'inherit'] });
    this.log.info('dashboard: built');
  }

  /** Where Serverless keeps the package while it makes it (moved to --package at the end). */
  private workDir(): string {
    return path.join(this.serverless.serviceDir, '.serverless');
  }

  private packageDir(): string {
    return this.options.package ?? this.serverless.service.package.path ?? this.workDir();
  }

  private async functionDefinitions(): Promise<string> {
    const dir = path.join(this.serverless.serviceDir, 'functions');
    const { functions, errors } = await loadFunctionsDir(dir);
    if (errors.length > 0) this.fail(errors.map((error) => error.replaceAll(`${this.serverless.serviceDir}${path.sep}`, '')), 'functions/ has files that `npm start` would reject too');
    this.log.info(`functions: ${functions.map((definition) => definition.id).join(', ') || 'none'}`);
    return JSON.stringify(functions);
  }

  private async finishTemplate(): Promise<void> {
    const definitions = await this.functionDefinitions();
    const bundle = await buildExecutorBundle(path.join(this.serverless.serviceDir, '.tmp', 'executor-package'));
    const artifact: ExecutorArtifact = {
      file: `executor-${bundle.sha256}.tgz`,
      key: executorArtifactKey(this.provider.getDeploymentPrefix(), this.serverless.service.service, this.provider.getStage(), bundle.sha256),
      sha256: bundle.sha256,
    };
    await mkdir(this.workDir(), { recursive: true });
    await writeFile(path.join(this.workDir(), artifact.file), await readFile(bundle.archive));
    await writeFile(path.join(this.workDir(), ARTIFACT_FILE), `${JSON.stringify(artifact, null, 2)}\n`);
    await rm(path.dirname(bundle.dir), { recursive: true, force: true });

    const provider = this.serverless.service.provider;
    const filled = JSON.stringify(provider.compiledCloudFormationTemplate)
      .replaceAll('STEPSTACK_EXECUTOR_KEY', artifact.key)
      .replaceAll('STEPSTACK_EXECUTOR_SHA256', artifact.sha256)
      .replaceAll('"STEPSTACK_FUNCTION_DEFINITIONS"', JSON.stringify(definitions))
      .replaceAll('STEPSTACK_IMAGE_ARCHITECTURE', imageArchitecture());
    provider.compiledCloudFormationTemplate = JSON.parse(filled) as Record<string, unknown>;
    this.log.info(`executor bundle ${artifact.sha256.slice(0, 12)} (${artifact.key})`);

    const invalid = validateTemplate(provider.compiledCloudFormationTemplate, this.stackParameters()).map((problem) => `${problem.path}: ${problem.message}`);
    if (invalid.length > 0) this.fail(invalid, "the CloudFormation template does not match AWS's resource specification");
    const unsafe = checkTemplatePolicy(provider.compiledCloudFormationTemplate);
    if (unsafe.length > 0) this.fail(unsafe, "the CloudFormation template breaks the stack's policy");
  }

  private async uploadArtifacts(): Promise<void> {
    const dir = this.packageDir();
    const artifact = JSON.parse(await readFile(path.join(dir, ARTIFACT_FILE), 'utf8')) as ExecutorArtifact;
    const bucket = await this.provider.getServerlessDeploymentBucketName();
    const uploaded = await uploadExecutorBundle(await this.provider.getAwsSdkV3Config(), bucket, artifact, path.join(dir, artifact.file));
    this.log.notice(uploaded ? `uploaded the executor bundle to s3://${bucket}/${artifact.key}` : `the executor bundle is already in s3://${bucket}/${artifact.key}`);
    const conditions = (this.serverless.service.provider.compiledCloudFormationTemplate.Conditions ?? {}) as Record<string, unknown>;
    if (JSON.stringify(conditions.ContainerMode) === JSON.stringify({ 'Fn::Equals': ['true', 'true'] })) {
      const image = await pushStageImage(await this.provider.getAwsSdkV3Config(), `stepstack-${this.provider.getStage()}`, path.join(dir, artifact.file), artifact.sha256);
      this.log.notice(`container image ${image}`);
    }
  }
}
