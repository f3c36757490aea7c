import type { Driver } from '../../core/ports/driver';
import { stepInputBody } from '../../core/run/step-input-json';
import type { NoopStepServer } from './noop-step-server';

/**
 * A step that runs in the bench process instead of behind HTTP: it serialises its input as a
 * driver would and answers at once, counted by the no-op step server's bookkeeping. With it, a
 * comparison measures what each engine costs per step, apart from the HTTP exchange both pay.
 */
export function inlineStepDriver(steps: NoopStepServer): Driver {
  return {
    type: 'http',
    run: async (request) => {
      stepInputBody(request.input, request.stepsJson);
      steps.recordInline(request.input.ctx.run_id);
      return { kind: 'success', output: { status: 200, body: { ok: true } } };
    },
  };
}
