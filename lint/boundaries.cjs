/**
 * Import boundaries of every folder, as ESLint flat-config entries (eslint.config.mjs uses them;
 * tests/unit/lint-boundaries.test.ts proves each one bites). The layers, inside out:
 *   core/      the engine: ports and pure logic; imports nothing outside itself, no infrastructure package
 *   adapters/  one folder per backend; imports core only
 *   api/       the HTTP application over the core; imports core only (and hono)
 *   platform/  what every entry point shares (settings, logging, servers, AWS clients); imports core and adapters
 *   local/, lambda/, ecs/, executor/  one composition root per deployment target; none imports another
 */
const layer = (names) => `^(\\.\\./)+(${names.join('|')})(/|$)`;
const roots = ['local', 'lambda', 'ecs', 'executor'];

/** One folder's rule: the layers it may not import, and the packages it may not use. */
function boundary(folder, forbiddenFolders, forbiddenPackages, why) {
  const patterns = [];
  if (forbiddenFolders.length > 0) patterns.push({ regex: layer(forbiddenFolders), message: `${folder}/ ${why}` });
  if (forbiddenPackages.length > 0) patterns.push({ group: forbiddenPackages, message: `${folder}/ ${why}` });
  return { files: [`${folder}/**/*.ts`], rules: { 'no-restricted-imports': ['error', { patterns }] } };
}

const infrastructure = ['@aws-sdk/*', 'ioredis', 'dockerode', '@middy/*'];
/** I/O the core leaves to adapters and composition roots: files, processes, sockets, servers. */
const io = ['fs', 'fs/*', 'node:fs', 'node:fs/*', 'child_process', 'node:child_process', 'net', 'node:net', 'http', 'node:http', 'https', 'node:https', 'dgram', 'node:dgram'];

module.exports = [
  boundary('core', ['adapters', 'api', 'platform', ...roots], [...infrastructure, ...io, 'hono', 'hono/*', '@hono/*'],
    'is the infrastructure-free engine: it talks to ports; put this in an adapter or a composition root.'),
  boundary('adapters', ['api', 'platform', ...roots], ['hono', 'hono/*', '@hono/*'],
    'implements the core\'s ports and imports only the core: wiring belongs in platform/ or a composition root.'),
  boundary('api', ['adapters', 'platform', ...roots], infrastructure,
    'is the HTTP application over the core\'s ports: it gets adapters from the composition root, never imports them.'),
  boundary('platform', ['api', ...roots], [],
    'is shared by every entry point and must not depend on the HTTP application or on a deployment target.'),
  ...roots.map((root) => boundary(root, roots.filter((other) => other !== root), root === 'lambda' ? ['dockerode', 'docker-modem', 'ssh2'] : [],
    'is one deployment target: share code through platform/, not by importing another target.')),
];
