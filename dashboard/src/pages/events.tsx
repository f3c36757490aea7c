import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { type Page, type Run, type StepstackEvent, api } from '../api';
import { usePoll, when } from '../hooks';

/** Events newest first (or the dead ones), each with its payload and the runs it started; and a form to send a test event. */
export function EventsPage(props: { open?: string }) {
  const [name, setName] = useState('');
  const [dead, setDead] = useState(false);
  const [openId, setOpenId] = useState<string | undefined>(props.open);
  const query = new URLSearchParams({ limit: '30', ...(name ? { name } : {}), ...(dead ? { dead: 'true' } : {}) }).toString();
  const events = usePoll(() => api<Page<StepstackEvent & { dead?: { at: string; receive_count: number } }>>('GET', `/v1/events?${query}`), 2000, query);
  return (
    <section>
      <h1>Events</h1>
      <SendEvent onSent={(id) => { setOpenId(id); events.reload(); }} />
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <label>Name <input data-testid="filter-name" value={name} onInput={(event) => setName(event.currentTarget.value)} placeholder="app/user.created" /></label>
        <label class="check"><input type="checkbox" checked={dead} onChange={(event) => setDead(event.currentTarget.checked)} /> dead-lettered only</label>
      </form>
      {events.error ? <p class="error">{events.error}</p> : null}
      <table data-testid="events-table">
        <thead><tr><th>Event</th><th>Name</th><th>Received</th></tr></thead>
        <tbody>
          {(events.value?.data ?? []).map((event) => (
            <Fragment key={event.id}>
              <tr data-event={event.id} class="clickable" onClick={() => setOpenId(openId === event.id ? undefined : event.id)}>
                <td class="mono">{event.id}</td><td>{event.name}{event.dead ? <span class="tag">dead</span> : null}</td><td>{when(new Date(event.ts).toISOString())}</td>
              </tr>
              {openId === event.id ? <tr><td colSpan={3}><EventDetail event={event} /></td></tr> : null}
            </Fragment>
          ))}
        </tbody>
      </table>
      {events.value && events.value.data.length === 0 ? <p class="empty">No events yet.</p> : null}
    </section>
  );
}

function EventDetail(props: { event: StepstackEvent }) {
  const runs = usePoll(() => api<{ data: Run[] }>('GET', `/v1/events/${encodeURIComponent(props.event.id)}/runs`), 1500, props.event.id);
  return (
    <div class="detail" data-testid="event-detail">
      <pre>{JSON.stringify(props.event, null, 2)}</pre>
      <h3>Runs it started</h3>
      {(runs.value?.data ?? []).length === 0 ? <p class="empty">None (yet).</p> : null}
      <ul>
        {(runs.value?.data ?? []).map((run) => (
          <li key={run.run_id}><a href={`#/runs/${run.run_id}`} class="mono">{run.run_id}</a> {run.function_id} <span class={`badge status-${run.status}`}>{run.status}</span></li>
        ))}
      </ul>
    </div>
  );
}

function SendEvent(props: { onSent: (id: string) => void }) {
  const [name, setName] = useState('');
  const [data, setData] = useState('{}');
  const [result, setResult] = useState<string | undefined>(undefined);
  const send = async (): Promise<void> => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      setResult('data: not JSON');
      return;
    }
    try {
      const answer = await api<{ ids: string[] }>('POST', '/v1/events', { name, data: parsed });
      setResult(`sent ${answer.ids[0]}`);
      props.onSent(answer.ids[0]!);
    } catch (error) {
      setResult(error instanceof Error ? error.message : String(error));
    }
  };
  return (
    <form class="card send" data-testid="send-event" onSubmit={(event) => { event.preventDefault(); void send(); }}>
      <h2>Send a test event</h2>
      <label>Name <input name="name" data-testid="send-name" value={name} onInput={(event) => setName(event.currentTarget.value)} placeholder="app/user.created" required /></label>
      <label>Data (JSON) <textarea name="data" data-testid="send-data" rows={3} value={data} onInput={(event) => setData(event.currentTarget.value)} /></label>
      <button type="submit" data-testid="send-button">Send</button>
      {result ? <span class="notice" data-testid="send-result">{result}</span> : null}
    </form>
  );
}
