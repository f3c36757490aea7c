import { type FunctionDefinition, type Page, type Run, api } from '../api';
import { StepGraph } from '../graph';
import { usePoll, when } from '../hooks';

/** Fields of a function besides its triggers and steps: retries, cancel rules, flow control. */
const settingsOf = (fn: FunctionDefinition): Record<string, unknown> =>
  Object.fromEntries(Object.entries(fn).filter(([key]) => !['id', 'name', 'triggers', 'steps'].includes(key)));

/** Registered functions: triggers, flow control, the step graph drawn, recent runs. */
export function FunctionsPage(props: { focus?: string }) {
  const functions = usePoll(() => api<{ data: FunctionDefinition[] }>('GET', '/v1/functions'), 5000, 'functions');
  const shown = (functions.value?.data ?? []).filter((fn) => !props.focus || fn.id === props.focus);
  return (
    <section>
      <h1>Functions</h1>
      {functions.error ? <p class="error">{functions.error}</p> : null}
      {functions.value && shown.length === 0 ? <p class="empty">No functions registered: put one in ./functions or PUT /v1/functions/{'{id}'}.</p> : null}
      {shown.map((fn) => <FunctionCard key={fn.id} fn={fn} />)}
    </section>
  );
}

function FunctionCard(props: { fn: FunctionDefinition }) {
  const { fn } = props;
  const runs = usePoll(() => api<Page<Run>>('GET', `/v1/runs?function_id=${encodeURIComponent(fn.id)}&limit=5`), 3000, fn.id);
  const settings = settingsOf(fn);
  return (
    <article class="card" data-function={fn.id}>
      <h2><a href={`#/functions/${fn.id}`}>{fn.name}</a> <span class="mono muted">{fn.id}</span></h2>
      <div class="two">
        <div>
          <h3>Triggers</h3>
          <ul>
            {fn.triggers.map((trigger, index) => (
              <li key={index}>{'event' in trigger ? <><span class="mono">{trigger.event}</span>{trigger.expression ? <> if <code>{trigger.expression}</code></> : null}</> : <>cron <code>{trigger.cron}</code></>}</li>
            ))}
          </ul>
          <h3>Flow control and retries</h3>
          {Object.keys(settings).length === 0 ? <p class="empty">Defaults.</p> : <pre>{JSON.stringify(settings, null, 2)}</pre>}
          <h3>Recent runs</h3>
          <ul>
            {(runs.value?.data ?? []).map((run) => (
              <li key={run.run_id}><a href={`#/runs/${run.run_id}`} class="mono">{run.run_id}</a> <span class={`badge status-${run.status}`}>{run.status}</span> {when(run.run_started_at)}</li>
            ))}
          </ul>
          {runs.value && runs.value.data.length === 0 ? <p class="empty">No runs yet.</p> : null}
        </div>
        <div><h3>Steps</h3><StepGraph fn={fn} /></div>
      </div>
    </article>
  );
}
