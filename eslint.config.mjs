import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import boundaries from './lint/boundaries.cjs';

export default tseslint.config(
  { ignores: ['node_modules/**', '.esbuild/**', '.serverless/**', '.tmp/**', 'coverage/**', '*.js', '*.mjs', 'lint/**', 'deploy/serverless-plugin.js', 'dashboard/dist/**'] },
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
  // Import boundaries of every folder (lint/boundaries.cjs).
  ...boundaries,
);
