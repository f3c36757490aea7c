import { useEffect, useRef, useState } from 'preact/hooks';

/** Load now and again every `everyMs` while the page is shown (live updates without a reload); `key` restarts it. */
export function usePoll<T>(load: () => Promise<T>, everyMs: number, key: string): { value: T | undefined; error: string | undefined; reload: () => void } {
  const [value, setValue] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async (): Promise<void> => {
      try {
        const next = await loadRef.current();
        if (!stopped) {
          setValue(next);
          setError(undefined);
        }
      } catch (caught) {
        if (!stopped) setError(caught instanceof Error ? caught.message : String(caught));
      }
      if (!stopped && everyMs > 0) timer = setTimeout(() => void run(), everyMs);
    };
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [key, tick, everyMs]);
  return { value, error, reload: () => setTick((n) => n + 1) };
}

/** The page from the URL's hash (`#/runs/<id>`), so that every page has an address and Back works. */
export function useHashRoute(): string[] {
  const read = (): string[] => (window.location.hash.replace(/^#\/?/, '').split('?')[0] ?? '').split('/').filter(Boolean).map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const changed = (): void => setRoute(read());
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return route;
}

export const go = (path: string): void => {
  window.location.hash = `#${path}`;
};

export const when = (iso: string | null): string => (iso ? new Date(iso).toLocaleString() : '—');

export function took(startIso: string, endIso: string | null): string {
  const ms = (endIso ? Date.parse(endIso) : Date.now()) - Date.parse(startIso);
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms / 60_000)} min`;
}
