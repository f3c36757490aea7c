import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', '.esbuild/**', '.serverless/**', '.tmp/**', 'coverage/**', '*.js', '*.mjs', 'deploy/serverless-plugin.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests read JSON answers loosely.
    files: ['tests/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The engine core knows none of AWS, Redis or Docker: it talks to ports.
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['@aws-sdk/*', 'ioredis', 'dockerode', '@middy/*'], message: 'core/ is infrastructure-free: put this in an adapter.' },
          { group: ['../adapters/*', '../../adapters/*', '../api/*', '../../api/*', '../local/*', '../../local/*'], message: 'core/ must not depend on outer layers.' },
        ],
      }],
    },
  },
);
