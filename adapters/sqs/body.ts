/**
 * SQS accepts only #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF in a body. JSON.stringify
 * escapes control characters and lone surrogates but leaves U+FFFE and U+FFFF raw; some SQS-compatible servers
 * (fauxqs) also refuse characters beyond U+FFFF. Those can only sit inside JSON strings, so escaping them as
 * \uXXXX keeps the JSON equal and every server happy.
 */
const REFUSED = /[\uFFFE\uFFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF]/g;

const escapeUnits = (text: string): string =>
  Array.from({ length: text.length }, (_, index) => `\\u${text.charCodeAt(index).toString(16).padStart(4, '0')}`).join('');

/** The message body for `value`: JSON that SQS accepts, or undefined when `value` has no JSON form. */
export function encodeBody(value: unknown): string | undefined {
  const json = JSON.stringify(value) as string | undefined;
  return json?.replace(REFUSED, escapeUnits);
}
