import { useState } from 'preact/hooks';
import { api } from '../api';
import { usePoll } from '../hooks';

interface App {
  id: string;
  url: string;
  [key: string]: unknown;
}

/** Inngest SDK apps (GET /v1/apps) and syncing one again; empty where the stack serves no apps. */
export function AppsPage() {
  const [message, setMessage] = useState<string | undefined>(undefined);
  const apps = usePoll(async () => {
    try {
      return (await api<{ data: App[] }>('GET', '/v1/apps')).data;
    } catch (error) {
      if (error instanceof Error && /no route/.test(error.message)) return [];
      throw error;
    }
  }, 5000, 'apps');
  const sync = async (url: string): Promise<void> => {
    try {
      await api('POST', '/v1/apps', { url });
      setMessage(`synced ${url}`);
      apps.reload();
    } catch (error) {
      setMessage(error instanceof Error ? error.message : String(error));
    }
  };
  return (
    <section>
      <h1>Apps</h1>
      {apps.error ? <p class="error">{apps.error}</p> : null}
      {message ? <p class="notice">{message}</p> : null}
      <table data-testid="apps-table">
        <thead><tr><th>App</th><th>URL</th><th /></tr></thead>
        <tbody>
          {(apps.value ?? []).map((app) => (
            <tr key={app.id}><td class="mono">{app.id}</td><td class="mono">{app.url}</td><td><button type="button" onClick={() => void sync(app.url)}>Sync again</button></td></tr>
          ))}
        </tbody>
      </table>
      {apps.value && apps.value.length === 0 ? <p class="empty">No SDK apps registered. Apps written with the Inngest SDK appear here once synced (POST /v1/apps).</p> : null}
    </section>
  );
}
