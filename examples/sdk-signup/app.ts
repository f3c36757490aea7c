import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inngest } from 'inngest';
import { serve } from 'inngest/node';
import { signupFunctions } from './functions';

/** The path `npm start` serves the example SDK app on, beside the example HTTP steps. */
export const SDK_EXAMPLE_PATH = '/api/inngest';

/**
 * The example SDK app's `serve()` handler, pointed at the stack as the SDK's self-hosting recipe says
 * (its base URL and signing key). Without a signing key it runs in the SDK's dev mode, which checks
 * no signatures, as the stack then signs none.
 */
export function signupAppHandler(options: { stackUrl: string; signingKey: string }): (req: IncomingMessage, res: ServerResponse) => void {
  const inngest = new Inngest({
    id: 'signup-example',
    baseUrl: options.stackUrl,
    eventKey: 'example-key',
    ...(options.signingKey ? { isDev: false, signingKey: options.signingKey } : { isDev: true }),
  });
  const handler = serve({ client: inngest, functions: signupFunctions(inngest) });
  return (req, res) => void handler(req, res);
}
