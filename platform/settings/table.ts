import { VARIABLES } from './variables';

export const TABLE_START = '<!-- settings table: generated from platform/settings/variables.ts by `npx tsx scripts/settings-table.ts` -->';
export const TABLE_END = '<!-- end of settings table -->';

/** The README's settings table: every variable of the schema, in its order. */
export function renderSettingsTable(): string {
  const rows = Object.entries(VARIABLES).map(([name, variable]) => `| \`${name}\` | ${variable.default} | ${variable.targets.join(', ')} | ${variable.meaning} |`);
  return ['| variable | default | read by | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** `markdown` with the text between the table markers replaced by the current table. */
export function withSettingsTable(markdown: string): string {
  const start = markdown.indexOf(TABLE_START);
  const end = markdown.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`the settings table markers are missing: put ${TABLE_START} and ${TABLE_END} where the table goes`);
  return `${markdown.slice(0, start + TABLE_START.length)}\n${renderSettingsTable()}\n${markdown.slice(end)}`;
}
