/**
 * Set `record[key]` as an own, enumerable property. Keys chosen by users (step ids, event fields)
 * may be `__proto__`, which a plain assignment would turn into a change of the record's prototype.
 */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}
