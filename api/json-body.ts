/** How deep a request body may nest (SPEC sections 2 and 6): deeper is answered 400, before it is parsed. */
export const MAX_BODY_DEPTH = 64;

export type ParsedBody = { ok: true; value: unknown } | { ok: false; reason: string };

/**
 * The nesting depth of JSON text, counted without recursion and without parsing: brackets outside
 * strings. Stops at the first level past `limit` (returns limit + 1), so a hostile body costs one pass.
 */
export function jsonDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c) index += 1; // backslash: skip the escaped character
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x5b || code === 0x7b) {
      depth += 1;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (code === 0x5d || code === 0x7d) {
      depth -= 1;
    }
  }
  return deepest;
}

/** Parse a JSON body, refusing an empty one, malformed JSON, and nesting past `maxDepth` (each with a reason naming the fix). */
export function parseJsonBody(body: Buffer | undefined, maxDepth = MAX_BODY_DEPTH): ParsedBody {
  if (!body || body.length === 0) return { ok: false, reason: 'the body is empty: send JSON' };
  const text = body.toString('utf8');
  if (jsonDepth(text, maxDepth) > maxDepth) return { ok: false, reason: `nested deeper than ${maxDepth} levels: the limit is ${maxDepth}; send flatter JSON` };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, reason: `malformed JSON (${error instanceof Error ? error.message : String(error)})` };
  }
}
