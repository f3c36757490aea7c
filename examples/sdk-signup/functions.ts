import type { Inngest } from 'inngest';

interface SignedUp {
  email?: string;
  name?: string;
}

/**
 * A signup flow written with the official Inngest SDK, unchanged from what runs on Inngest: it
 * creates the account, builds the profile and the settings in parallel, announces the account with
 * `step.sendEvent` (another function picks that up), lets things settle with `step.sleep`, then waits
 * up to an hour for the email to be verified (`step.waitForEvent`) before welcoming or reminding.
 */
export function signupFunctions(inngest: Inngest) {
  const signupFlow = inngest.createFunction(
    { id: 'signup-flow', name: 'Signup flow (SDK)', retries: 2, triggers: [{ event: 'user/signed.up' }], cancelOn: [{ event: 'user/deleted', match: 'data.email' }] },
    async ({ event, step }) => {
      const data = event.data as SignedUp;
      const email = data.email ?? 'someone@example.com';
      const account = await step.run('create-account', () => ({ id: `user-${email.replace(/[^a-z0-9]/gi, '-')}`, email }));
      const [profile, settings] = await Promise.all([
        step.run('build-profile', () => ({ name: data.name ?? email.split('@')[0], avatar: `https://example.com/avatars/${account.id}.png` })),
        step.run('default-settings', () => ({ newsletter: true, theme: 'light' })),
      ]);
      await step.sendEvent('announce-account', { name: 'app/account.created', data: { user_id: account.id, email } });
      await step.sleep('let-it-settle', '3s');
      const verified = await step.waitForEvent('email-verified', { event: 'user/email.verified', match: 'data.email', timeout: '1h' });
      const message = await step.run(verified ? 'send-welcome' : 'send-reminder', () => (verified ? `Welcome, ${profile.name}!` : `Please verify ${email}`));
      return { account, profile, settings, verified: verified !== null, message };
    },
  );

  const announcer = inngest.createFunction(
    { id: 'account-announcer', name: 'Account announcer (SDK)', triggers: [{ event: 'app/account.created' }] },
    async ({ event, step }) => step.run('post-to-team-chat', () => `New account: ${(event.data as { user_id: string }).user_id}`),
  );

  return [signupFlow, announcer];
}
