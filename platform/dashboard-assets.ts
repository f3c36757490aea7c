import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join, relative, resolve } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.woff2': 'font/woff2',
};

/**
 * Where the built dashboard is: `dashboard/dist` one folder up from this code, which holds both in
 * the repository (platform/ beside dashboard/) and in the core API's Lambda zip (lambda/core-api.js
 * beside the dashboard/dist that serverless.yml packs).
 */
export const dashboardDir = (): string => resolve(__dirname, '..', 'dashboard', 'dist');

/** The built files, read once into memory (a few hundred KB); none when the dashboard was not built (GET / then says how to build it). */
export function loadDashboardAssets(dir = dashboardDir()): { count: number; file(path: string): { body: Uint8Array; type: string } | undefined } {
  const files = new Map<string, { body: Uint8Array; type: string }>();
  const walk = (folder: string): void => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(dir, path).split('\\').join('/'), { body: readFileSync(path), type: TYPES[extname(name)] ?? 'application/octet-stream' });
    }
  };
  if (existsSync(dir)) walk(dir);
  return { count: files.size, file: (path) => files.get(path) };
}
