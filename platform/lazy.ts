/** A value built on first call and kept; `peek` tells whether it was built, without building it. */
export interface Lazy<T> {
  (): T;
  peek(): T | undefined;
}

/**
 * Build a value on first use and keep it for the life of the process (a Lambda container, the
 * daemon): nothing connects at import time, and a failed build is tried again on the next call.
 */
export function lazy<T>(build: () => T): Lazy<T> {
  let built: { value: T } | undefined;
  const get = (() => {
    built ??= { value: build() };
    return built.value;
  }) as Lazy<T>;
  get.peek = () => built?.value;
  return get;
}
