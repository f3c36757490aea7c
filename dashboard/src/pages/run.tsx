import { useState } from 'preact/hooks';
import { type Attempt, type FunctionDefinition, type Run, type StepstackEvent, api } from '../api';
import { StepGraph, ancestorsOf } from '../graph';
import { go, took, usePoll, when } from '../hooks';

const json = (value: unknown): string => JSON.stringify(value, null, 2);

/** One run: its step graph, a timeline of every attempt, each step's input, output and error; cancel, rerun, rerun from a step. */
export function RunPage(props: { runId: string }) {
  const { runId } = props;
  const [message, setMessage] = useState<string | undefined>(undefined);
  const [fromStep, setFromStep] = useState('');
  const run = usePoll(async () => {
    const [view, attempts] = await Promise.all([
      api<{ data: Run }>('GET', `/v1/runs/${encodeURIComponent(runId)}`),
      api<{ data: Attempt[] }>('GET', `/v1/runs/${encodeURIComponent(runId)}/attempts`),
    ]);
    return { run: view.data, attempts: attempts.data };
  }, 1000, runId);
  const fnId = run.value?.run.function_id;
  const eventId = run.value?.run.event_id;
  const fn = usePoll(() => (fnId ? api<{ data: FunctionDefinition }>('GET', `/v1/functions/${encodeURIComponent(fnId)}`).then((answer) => answer.data) : Promise.resolve(undefined)), 0, fnId ?? '');
  const event = usePoll(() => (eventId ? api<{ data: StepstackEvent }>('GET', `/v1/events/${encodeURIComponent(eventId)}`).then((answer) => answer.data) : Promise.resolve(undefined)), 0, eventId ?? '');
  if (run.error && !run.value) return <p class="error">{run.error}</p>;
  if (!run.value) return <p>Loading…</p>;
  const { run: view, attempts } = run.value;
  const act = async (what: string, path: string, body?: unknown): Promise<void> => {
    try {
      const answer = await api<{ data: Run }>('POST', path, body ?? {});
      setMessage(`${what}: ${answer.data.run_id} is ${answer.data.status}`);
      if (answer.data.run_id !== runId) go(`/runs/${answer.data.run_id}`);
      else run.reload();
    } catch (error) {
      setMessage(error instanceof Error ? error.message : String(error));
    }
  };
  const statuses = Object.fromEntries(Object.entries(view.steps).map(([id, step]) => [id, step.status]));
  const stepIds = fn.value ? Object.keys(fn.value.steps) : Object.keys(view.steps);
  const start = Date.parse(view.run_started_at);
  const end = Math.max(view.ended_at ? Date.parse(view.ended_at) : Date.now(), ...attempts.map((attempt) => Date.parse(attempt.ended_at)), start + 1);
  return (
    <section>
      <h1>Run <span class="mono" data-testid="run-id">{view.run_id}</span> <span class={`badge status-${view.status}`} data-testid="run-status">{view.status}</span></h1>
      <dl class="facts">
        <dt>Function</dt><dd><a href={`#/functions/${view.function_id}`}>{view.function_id}</a></dd>
        <dt>Event</dt><dd><a href={`#/events/${view.event_id}`} class="mono">{view.event_id}</a></dd>
        <dt>Started</dt><dd>{when(view.run_started_at)}</dd>
        <dt>Took</dt><dd>{took(view.run_started_at, view.ended_at)}</dd>
        {view.reason ? <><dt>Reason</dt><dd data-testid="run-reason">{view.reason}</dd></> : null}
        {view.rerun_of ? <><dt>Rerun of</dt><dd><a href={`#/runs/${view.rerun_of}`} class="mono">{view.rerun_of}</a></dd></> : null}
      </dl>
      <div class="actions">
        {view.status === 'Running' ? <button type="button" data-testid="cancel" class="danger" onClick={() => void act('cancelled', `/v1/runs/${runId}/cancel`)}>Cancel</button> : null}
        <button type="button" data-testid="rerun" onClick={() => void act('rerun', `/v1/runs/${runId}/rerun`, {})}>Rerun</button>
        <select data-testid="rerun-step" value={fromStep} onChange={(change) => setFromStep(change.currentTarget.value)}>
          <option value="">from step…</option>
          {stepIds.map((id) => <option key={id} value={id}>{id}</option>)}
        </select>
        <button type="button" data-testid="rerun-from" disabled={!fromStep} onClick={() => void act('rerun', `/v1/runs/${runId}/rerun`, { from_step: fromStep })}>Rerun from step</button>
      </div>
      {message ? <p class="notice" data-testid="message">{message}</p> : null}
      <div class="two">
        <div>
          <h2>Steps</h2>
          {fn.value ? <StepGraph fn={fn.value} statuses={statuses} onPick={setFromStep} /> : <p class="empty">The function is no longer registered: no graph.</p>}
        </div>
        <div>
          <h2>Attempts</h2>
          <div class="timeline" data-testid="timeline">
            {attempts.length === 0 ? <p class="empty">No attempt settled yet.</p> : null}
            {attempts.map((attempt) => {
              const left = ((Date.parse(attempt.started_at) - start) / (end - start)) * 100;
              const width = Math.max(0.8, (attempt.duration_ms / (end - start)) * 100);
              return (
                <div class="lane" key={`${attempt.step_id}-${attempt.attempt}`}>
                  <span class="lane-label">{attempt.step_id} #{attempt.attempt + 1}</span>
                  <span class="lane-track"><span class={`bar outcome-${attempt.outcome}`} style={{ left: `${Math.min(left, 99)}%`, width: `${width}%` }} title={attempt.error ?? attempt.outcome} /></span>
                  <span class="lane-time">{attempt.duration_ms} ms · {attempt.outcome}</span>
                </div>
              );
            })}
          </div>
        </div>
      </div>
      <h2>Step details</h2>
      <table class="steps" data-testid="steps-table">
        <thead><tr><th>Step</th><th>Status</th><th>Attempts</th><th>Input (ancestors' outputs)</th><th>Output</th><th>Error</th></tr></thead>
        <tbody>
          {Object.entries(view.steps).map(([id, step]) => (
            <tr key={id} data-step={id}>
              <td class="mono">{id}</td>
              <td><span class={`badge status-${step.status}`}>{step.status}</span></td>
              <td>{step.attempts}{step.attempts === 0 && step.status === 'Completed' ? <span class="tag">kept</span> : null}</td>
              <td><pre>{json(fn.value ? Object.fromEntries(ancestorsOf(fn.value, id).map((ancestor) => [ancestor, view.steps[ancestor]?.output ?? null])) : {})}</pre></td>
              <td><pre data-testid={`output-${id}`}>{json(step.output ?? null)}</pre></td>
              <td>{step.error ? <pre class="error">{step.error}</pre> : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Trigger event</h2>
      <pre>{json(event.value ?? null)}</pre>
    </section>
  );
}
