import { useState } from 'preact/hooks';
import { type FunctionDefinition, type Page, type Run, api } from '../api';
import { took, usePoll, when } from '../hooks';

const STATUSES = ['', 'Running', 'Completed', 'Failed', 'Cancelled'];

/** Runs newest first, filtered by function, status and time; the first page refreshes itself (new runs appear without a reload). */
export function RunsPage() {
  const [functionId, setFunctionId] = useState('');
  const [status, setStatus] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [older, setOlder] = useState<Run[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const query = new URLSearchParams({ limit: '25' });
  if (functionId) query.set('function_id', functionId);
  if (status) query.set('status', status);
  if (from) query.set('from', new Date(from).toISOString());
  if (to) query.set('to', new Date(to).toISOString());
  const key = query.toString();
  const first = usePoll(() => api<Page<Run>>('GET', `/v1/runs?${key}`), 1500, key);
  const functions = usePoll(() => api<{ data: FunctionDefinition[] }>('GET', '/v1/functions'), 10_000, 'functions');
  const next = cursor === undefined ? first.value?.metadata.next_cursor ?? null : cursor;
  const more = async (): Promise<void> => {
    if (!next) return;
    const page = await api<Page<Run>>('GET', `/v1/runs?${key}&cursor=${encodeURIComponent(next)}`);
    setOlder([...older, ...page.data]);
    setCursor(page.metadata.next_cursor);
  };
  const reset = (): void => {
    setOlder([]);
    setCursor(undefined);
  };
  const runs = [...(first.value?.data ?? []), ...older.filter((run) => !first.value?.data.some((shown) => shown.run_id === run.run_id))];
  return (
    <section>
      <h1>Runs</h1>
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <label>Function
          <select data-testid="filter-function" value={functionId} onChange={(event) => { setFunctionId(event.currentTarget.value); reset(); }}>
            <option value="">all</option>
            {(functions.value?.data ?? []).map((fn) => <option key={fn.id} value={fn.id}>{fn.id}</option>)}
          </select>
        </label>
        <label>Status
          <select data-testid="filter-status" value={status} onChange={(event) => { setStatus(event.currentTarget.value); reset(); }}>
            {STATUSES.map((name) => <option key={name} value={name}>{name || 'all'}</option>)}
          </select>
        </label>
        <label>Started from <input type="datetime-local" value={from} onChange={(event) => { setFrom(event.currentTarget.value); reset(); }} /></label>
        <label>to <input type="datetime-local" value={to} onChange={(event) => { setTo(event.currentTarget.value); reset(); }} /></label>
      </form>
      {first.error ? <p class="error">{first.error}</p> : null}
      <table data-testid="runs-table">
        <thead><tr><th>Run</th><th>Function</th><th>Status</th><th>Started</th><th>Took</th><th>Steps</th></tr></thead>
        <tbody>
          {runs.map((run) => (
            <tr key={run.run_id} data-run={run.run_id}>
              <td><a href={`#/runs/${run.run_id}`} class="mono">{run.run_id}</a>{run.rerun_of ? <span class="tag">rerun</span> : null}</td>
              <td>{run.function_id}</td>
              <td><span class={`badge status-${run.status}`}>{run.status}</span></td>
              <td>{when(run.run_started_at)}</td>
              <td>{took(run.run_started_at, run.ended_at)}</td>
              <td>{Object.values(run.steps).filter((step) => step.status === 'Completed').length}/{Object.keys(run.steps).length}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {runs.length === 0 && first.value ? <p class="empty">No runs match. Send an event to start one.</p> : null}
      {next ? <button type="button" onClick={() => void more()}>Older runs</button> : null}
    </section>
  );
}
