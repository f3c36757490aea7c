const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
const DECIMAL: Record<string, number> = { K: 1e3, M: 1e6, G: 1e9, T: 1e12 };
const QUANTITY = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|K|M|G|T)?$/;

/** Docker refuses memory limits below 6 MiB. */
export const MIN_MEMORY_BYTES = 6 * 2 ** 20;

const EXAMPLES = 'write it as 256Mi, 1Gi, 512M or a number of bytes';

/**
 * Bytes of a memory quantity as Kubernetes writes it: `256Mi`, `1Gi` (binary), `512M`, `2G`
 * (decimal) or plain bytes. Docker's lowercase `512m` is refused on purpose: Kubernetes reads `m` as
 * milli, Docker as MiB, so the text is ambiguous. Throws naming the fix.
 */
export function parseMemory(text: string): number {
  const match = QUANTITY.exec(String(text).trim());
  if (!match) {
    const hint = /^\d+(\.\d+)?[kmgt]i?b?$/i.test(String(text).trim()) ? ` (did you mean ${suggest(String(text).trim())}?)` : '';
    throw new Error(`memory "${text}" is not a quantity${hint}: ${EXAMPLES}`);
  }
  const unit = match[2];
  const scale = unit === undefined ? 1 : (BINARY[unit] ?? DECIMAL[unit] ?? 1);
  const bytes = Math.floor(Number(match[1]) * scale);
  if (bytes < MIN_MEMORY_BYTES) throw new Error(`memory "${text}" is below Docker's minimum of 6Mi: ${EXAMPLES}`);
  return bytes;
}

function suggest(text: string): string {
  const match = /^(\d+(?:\.\d+)?)([kmgt])/i.exec(text);
  return match ? `${match[1]}${(match[2] as string).toUpperCase()}i` : '256Mi';
}
