import { errorMessage } from '../core/errors';
import { loggerFor } from '../platform/logging';
import { loadSettings } from '../platform/settings';
import { durabilityWarnings } from './durability';
import { startExamplesService } from './examples-service';
import { startLocalStack } from './stack';
import { SDK_EXAMPLE_PATH, signupAppHandler } from '../examples/sdk-signup/app';
import { syncExampleApp } from './sdk-example';

/** `npm start`: the whole stack on one machine, on embedded defaults. */
async function main(): Promise<void> {
  const config = loadSettings();
  const logger = loggerFor(config, 'local');
  const stack = await startLocalStack(config, { logger });
  const examples = config.EXAMPLES_PORT > 0
    ? await startExamplesService({
      port: config.EXAMPLES_PORT, host: config.HOST, signingKey: config.SIGNING_KEY,
      sdkApp: { path: SDK_EXAMPLE_PATH, handler: signupAppHandler({ stackUrl: stack.url, signingKey: config.SIGNING_KEY }) },
    })
    : undefined;
  logger.info(`Stepstack is up on ${stack.url}`, {
    state: config.REDIS_URL ? 'redis' : 'in-memory',
    queues: config.SQS_ENDPOINT ? 'sqs' : 'in-memory',
    docker: stack.drivers.docker === true ? 'available' : `unavailable (${stack.drivers.docker})`,
  });
  for (const warning of durabilityWarnings(config)) logger.warn(warning);
  if (examples) {
    logger.info(`example step service on http://${config.HOST}:${examples.port}`);
    await syncExampleApp(stack.url, `http://127.0.0.1:${examples.port}${SDK_EXAMPLE_PATH}`, config.API_KEY, logger);
  }
  logger.info(`try: curl -s -X POST ${stack.url}/e/dev -d '{"name":"user/signed.up","data":{"email":"ada@example.com","plan":"pro"}}'`);

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: draining`);
    Promise.all([stack.stop(), examples?.close()])
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error('shutdown failed', { error: errorMessage(error) });
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`stepstack: ${errorMessage(error)}\n`);
  process.exit(1);
});
