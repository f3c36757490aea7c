import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFunctionsDir } from '../../platform/function-files';

const valid = (id: string) => ({
  id,
  triggers: [{ event: 'go' }],
  steps: { a: { runtime: { type: 'http', url: 'https://example.com' }, after: [{ step: '$trigger' }] } },
});

describe('loadFunctionsDir', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stepstack-functions-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads every .json, .yaml and .yml file in name order, ignoring others and subfolders', async () => {
    // Prepare
    await writeFile(join(dir, 'c.json'), JSON.stringify(valid('from-json')));
    await writeFile(join(dir, 'a.yaml'), 'id: from-yaml\ntriggers: [{ event: go }]\nsteps:\n  a:\n    runtime: { type: http, url: "https://x" }\n    after: [{ step: $trigger }]\n');
    await writeFile(join(dir, 'b.yml'), JSON.stringify(valid('from-yml')));
    await writeFile(join(dir, 'notes.txt'), 'not a function');
    await mkdir(join(dir, 'nested'));
    await writeFile(join(dir, 'nested', 'd.json'), JSON.stringify(valid('nested')));

    // Act
    const result = await loadFunctionsDir(dir);

    // Assess
    expect(result.errors).toEqual([]);
    expect(result.functions.map((fn) => fn.id)).toEqual(['from-yaml', 'from-yml', 'from-json']);
  });

  it('skips a bad file, reporting each of its problems with the file name', async () => {
    // Prepare
    await writeFile(join(dir, 'good.json'), JSON.stringify(valid('good')));
    await writeFile(join(dir, 'bad.yaml'), 'id: Bad\ntriggers: []\nsteps:\n  a:\n    runtime: { type: http, url: "https://x" }\n    after: [{ step: $trigger }]\n');
    await writeFile(join(dir, 'broken.json'), '{ "id": ');

    // Act
    const result = await loadFunctionsDir(dir);

    // Assess
    expect(result.functions.map((fn) => fn.id)).toEqual(['good']);
    expect(result.errors).toEqual([
      `${join(dir, 'bad.yaml')}: id: "Bad" may contain only a-z, 0-9 and - (e.g. "bad")`,
      expect.stringMatching(new RegExp(`^${escape(join(dir, 'bad.yaml'))}: triggers: required`)),
      `${join(dir, 'broken.json')}: line 1: JSON syntax error: the file ends too early`,
    ]);
  });

  it('reports a duplicate id naming both files, keeping the first', async () => {
    // Prepare
    await writeFile(join(dir, 'one.json'), JSON.stringify({ ...valid('same'), name: 'first' }));
    await writeFile(join(dir, 'two.json'), JSON.stringify({ ...valid('same'), name: 'second' }));

    // Act
    const result = await loadFunctionsDir(dir);

    // Assess
    expect(result.functions.map((fn) => fn.name)).toEqual(['first']);
    expect(result.errors).toEqual([
      `${join(dir, 'two.json')}: id: "same" is already the id of ${join(dir, 'one.json')}: give each function its own id (this file was skipped)`,
    ]);
  });

  it('gives an empty list for a missing folder', async () => {
    // Act
    const result = await loadFunctionsDir(join(dir, 'missing'));

    // Assess
    expect(result).toEqual({ functions: [], errors: [] });
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
