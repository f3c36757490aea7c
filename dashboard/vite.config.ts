import { defineConfig } from 'vite';

/** The dashboard's build: Preact with esbuild's JSX, every asset bundled into dist/ (served by the stack; nothing fetched at run time). */
export default defineConfig({
  root: __dirname,
  base: '/',
  logLevel: 'warn',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: 'dist', emptyOutDir: true, assetsInlineLimit: 0, sourcemap: false, target: 'es2022' },
});
