import path from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the rules are CommonJS so that eslint.config.mjs and this test share them
const boundaries = require('../../lint/boundaries.cjs') as object[];

const root = path.resolve(__dirname, '../..');
/** ESLint with the boundary rules alone (no type information needed), run on text as if it were at `file`. */
const eslint = new ESLint({
  cwd: root,
  overrideConfigFile: true,
  overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, ...(boundaries as never[])],
});

async function problems(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path.join(root, file) });
  return (result?.messages ?? []).map((message) => `${message.ruleId}: ${message.message}`);
}

describe('import boundaries (lint)', () => {
  it.each([
    ['core/services/fixture.ts', "import { createRedisStateStore } from '../../adapters/redis';", 'core/ is the infrastructure-free engine'],
    ['core/fixture.ts', "import { loadSettings } from '../platform/settings';", 'core/ is the infrastructure-free engine'],
    ['core/fixture.ts', "import Redis from 'ioredis';", 'core/ is the infrastructure-free engine'],
    ['core/fixture.ts', "import { Hono } from 'hono';", 'core/ is the infrastructure-free engine'],
    ['core/functions/fixture.ts', "import { readFile } from 'node:fs/promises';", 'core/ is the infrastructure-free engine'],
    ['adapters/redis/fixture.ts', "import { loadSettings } from '../../platform/settings';", 'adapters/ implements the core\'s ports'],
    ['api/fixture.ts', "import { createMemoryQueue } from '../adapters/memory/queue';", 'api/ is the HTTP application'],
    ['api/fixture.ts', "import { SQSClient } from '@aws-sdk/client-sqs';", 'api/ is the HTTP application'],
    ['platform/http/fixture.ts', "import { createApp } from '../../api/app';", 'platform/ is shared by every entry point'],
    ['platform/fixture.ts', "import { startLocalStack } from '../local/stack';", 'platform/ is shared by every entry point'],
    ['ecs/fixture.ts', "import { engineHandlerDeps } from '../lambda/deps';", 'ecs/ is one deployment target'],
    ['executor/fixture.ts', "import { startLocalStack } from '../local/stack';", 'executor/ is one deployment target'],
    ['lambda/fixture.ts', "import Docker from 'dockerode';", 'lambda/ is one deployment target'],
  ])('refuses in %s: %s', async (file, source, message) => {
    // Act
    const found = await problems(file, source);

    // Assess
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('no-restricted-imports');
    expect(found[0]).toContain(message);
  });

  it.each([
    ['core/services/fixture.ts', "import { acceptEvents } from '../events/validate';"],
    ['core/fixture.ts', "import { createHash } from 'node:crypto';"],
    ['adapters/redis/fixture.ts', "import { PlatformError } from '../../core/errors';"],
    ['api/fixture.ts', "import { Hono } from 'hono';"],
    ['platform/fixture.ts', "import { createSqsQueue } from '../adapters/sqs';"],
    ['lambda/fixture.ts', "import { loadSettings } from '../platform/settings';\nimport { createApp } from '../api/app';"],
    ['local/fixture.ts', "import { createDockerDriver } from '../adapters/docker';"],
  ])('allows in %s: %s', async (file, source) => {
    // Assess
    expect(await problems(file, source)).toEqual([]);
  });
});
