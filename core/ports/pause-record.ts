import { checkFormat } from '../format';
import { type IndexedPause, PAUSE_FORMAT } from './pause-index';

/** How many expired entries one `candidatesFor` call drops at most: bounded work per event. */
export const EXPIRED_DROPS_PER_CALL = 100;

/** A pause as the indexes keep it: JSON in its format envelope, so that a reader can refuse another format. */
export function encodePause(pause: IndexedPause): string {
  return JSON.stringify({ format: PAUSE_FORMAT, ...pause });
}

/** The pause a stored record holds; a FormatError when it is of another format (the record stays where it is). */
export function decodePause(json: string): IndexedPause {
  const { format, ...pause } = JSON.parse(json) as IndexedPause & { format?: unknown };
  checkFormat(`pause ${pause.id} of event '${pause.event}'`, format, PAUSE_FORMAT);
  return pause;
}

/** Throws an Error naming the field when a pause cannot be indexed (a fault of the caller, never of the event). */
export function checkIndexable(pause: IndexedPause): void {
  const problem = problemOf(pause);
  if (problem) throw new Error(`pause ${JSON.stringify(pause.id)} cannot be indexed: ${problem}`);
}

function problemOf(pause: IndexedPause): string | undefined {
  if (typeof pause.id !== 'string' || pause.id === '') return 'id must be a non-empty string';
  if (typeof pause.event !== 'string' || pause.event === '') return 'event must be the awaited event name';
  if (!Number.isFinite(pause.expiresAt)) return 'expiresAt must be a time in ms';
  if (pause.key === undefined) return undefined;
  const { path, value } = pause.key;
  if (!Array.isArray(path) || path.length === 0 || !path.every((field) => typeof field === 'string')) return 'key.path must be a non-empty list of field names';
  if (typeof value !== 'string') return 'key.value must be the JSON text of a scalar (planPauseMatch gives it)';
  return undefined;
}
