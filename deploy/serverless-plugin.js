'use strict';
// Serverless loads plugins with require(): this lets require() read TypeScript (tsx) and loads deploy/plugin.ts.
// (tsx's namespaced require would also rewrite the path of esbuild's binary, which the executor build spawns.)
require('tsx/cjs/api').register();

module.exports = require('./plugin.ts').StepstackPlugin;
