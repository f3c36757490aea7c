/**
 * Set `record[key]` as an own, enumerable property. Keys chosen by users (step ids, event fields)
 * may be `__proto__`, which a plain assignment would turn into a change of the record's prototype.
 */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  // Only `__proto__` needs defineProperty (every other key of Object.prototype is a writable data
  // property, so assignment makes an own one); assignment is the fast path: a chain of 500 steps
  // sets each output once per step, and defineProperty cost 4 µs there against 0.5 µs.
  if (key === '__proto__') Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  else record[key] = value;
}
