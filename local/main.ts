import { errorMessage } from '../core/errors';
import { loadConfig } from './config';
import { startExamplesService } from './examples-service';
import { consoleLogger } from './logger';
import { startLocalStack } from './stack';

/** `npm start`: the whole stack on one machine, on embedded defaults. */
async function main(): Promise<void> {
  const logger = consoleLogger();
  const config = loadConfig();
  const examples = config.examplesPort > 0
    ? await startExamplesService({ port: config.examplesPort, host: config.host, signingKey: config.signingKey })
    : undefined;
  const stack = await startLocalStack(config, { logger });
  logger.info(`Stepstack is up on ${stack.url}`, {
    state: config.redisUrl ? 'redis' : 'in-memory',
    queues: config.sqsEndpoint ? 'sqs' : 'in-memory',
    docker: stack.drivers.docker === true ? 'available' : `unavailable (${stack.drivers.docker})`,
  });
  if (examples) logger.info(`example step service on http://${config.host}:${examples.port}`);
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
