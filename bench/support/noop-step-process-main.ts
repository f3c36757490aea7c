import { startNoopStepServer } from './noop-step-server';

/** Entry of bench/support/noop-step-process.ts: serves no-op steps and reports how many are done. */
async function main(): Promise<void> {
  let flushing = false;
  const steps = await startNoopStepServer({
    onStepEnded: () => {
      if (flushing) return;
      flushing = true;
      setImmediate(() => {
        flushing = false;
        process.send?.({ type: 'done', count: steps.stepsDone() });
      });
    },
  });
  process.on('message', (message: { type: 'gaps' } | { type: 'cpu' } | { type: 'watch'; runId: string; count: number }) => {
    if (message.type === 'gaps') process.send?.({ type: 'gaps', gaps: steps.gaps() });
    else if (message.type === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send?.({ type: 'cpu', micros: user + system });
    }
    else void steps.whenRunDone(message.runId, message.count).then(() => process.send?.({ type: 'runDone', runId: message.runId }));
  });
  process.on('SIGTERM', () => void steps.close().then(() => process.exit(0)));
  // The bench exited without closing it (an error, or process.exit): go too.
  process.on('disconnect', () => process.exit(0));
  process.send?.({ type: 'ready', url: steps.url });
}

void main();
