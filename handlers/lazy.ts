/**
 * Build a value on first use and keep it for the life of the process (a Lambda container, the
 * daemon): nothing connects at import time, and a failed build is tried again on the next call.
 */
export function lazy<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
}
