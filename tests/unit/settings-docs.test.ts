import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { VARIABLES, type VariableName } from '../../platform/settings';
import { TABLE_END, TABLE_START, renderSettingsTable } from '../../platform/settings/table';

const root = path.resolve(__dirname, '../..');
const fixture = path.join(__dirname, 'fixtures/spec-section-7-settings.md');
/** SPEC.md sits in shared/ beside the repository (CI) or beside the worktrees' folder (development). */
const specPath = [path.join(root, '../shared/SPEC.md'), path.join(root, '../../shared/SPEC.md')].find((candidate) => existsSync(candidate));

/** The rows of a markdown table as cells, without the header and separator. */
function rows(table: string): string[][] {
  return table.split('\n').map((line) => line.trim()).filter((line) => line.startsWith('|')).slice(2)
    .map((line) => line.slice(1, -1).split('|').map((cell) => cell.trim()));
}

describe('settings docs', () => {
  it('README.md has the table generated from the schema', () => {
    // Prepare
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

    // Act
    const between = readme.slice(readme.indexOf(TABLE_START) + TABLE_START.length, readme.indexOf(TABLE_END)).trim();

    // Assess: on failure, run `npx tsx scripts/settings-table.ts`.
    expect(between).toBe(renderSettingsTable());
  });

  it('every variable of SPEC section 7 is in the schema, with the same default', () => {
    // Prepare
    const table = readFileSync(fixture, 'utf8');

    // Act
    const pairs = rows(table).flatMap(([names = '', defaults = '']) => {
      const nameList = names.split(',').map((name) => name.trim().replace(/`/g, ''));
      const defaultList = nameList.length > 1 ? defaults.split(',').map((value) => value.trim()) : [defaults];
      return nameList.map((name, index) => [name, defaultList[index]] as const);
    });

    // Assess
    expect(pairs.length).toBeGreaterThanOrEqual(10);
    for (const [name, documented] of pairs) {
      expect(Object.keys(VARIABLES)).toContain(name);
      expect(`${name}: ${VARIABLES[name as VariableName].default}`).toBe(`${name}: ${documented}`);
    }
  });

  (specPath ? it : it.skip)('the copy of SPEC section 7 in the fixture is the SPEC\'s own', () => {
    // Prepare
    const spec = readFileSync(specPath!, 'utf8');
    const section = spec.slice(spec.indexOf('## 7. Running it'));

    // Assess
    expect(section).toContain(readFileSync(fixture, 'utf8').trimEnd());
  });
});
