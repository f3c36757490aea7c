import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { withSettingsTable } from '../platform/settings/table';

/** Rewrite README.md's settings table from the settings schema (tests/unit/settings-docs.test.ts checks they agree). */
const readme = path.resolve(__dirname, '..', 'README.md');
writeFileSync(readme, withSettingsTable(readFileSync(readme, 'utf8')));
process.stdout.write(`${readme}: settings table written\n`);
