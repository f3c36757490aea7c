/** User text as it appears in a problem: at most `max` characters, so no message grows with the input. */
export function shown(text: string, max = 64): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length} characters)`;
}

/** A value as short JSON for a problem; a value too deep to encode is named, not thrown on. */
export function preview(value: unknown): string {
  try {
    return shown(JSON.stringify(value) ?? 'nothing');
  } catch {
    return 'a value too deeply nested to show';
  }
}
