import { z } from 'zod';

/** The shapes the core API answers with (SPEC section 6): the OpenAPI description is made from these, and tests check answers against them. */
const iso = z.string().describe('RFC 3339 time');
const stepView = z.object({
  status: z.enum(['Scheduled', 'Running', 'Waiting', 'Completed', 'Failed', 'Skipped', 'Cancelled']),
  output: z.unknown(),
  attempts: z.number().int(),
  error: z.string().nullable(),
  errors: z.array(z.object({ attempt: z.number().int(), message: z.string(), at: iso })),
});
const runFields = {
  run_id: z.string(),
  function_id: z.string(),
  event_id: z.string(),
  status: z.enum(['Running', 'Completed', 'Failed', 'Cancelled']),
  run_started_at: iso,
  ended_at: iso.nullable(),
  reason: z.string().nullable(),
  rerun_of: z.string().nullable(),
};
export const runSchema = z.object({ ...runFields, output: z.record(z.string(), z.unknown()).nullable(), steps: z.record(z.string(), stepView) });
export const runSummarySchema = z.object({ ...runFields, steps: z.record(z.string(), stepView.omit({ output: true })) });
export const eventSchema = z.looseObject({ name: z.string(), data: z.record(z.string(), z.unknown()), id: z.string(), ts: z.number() });
export const functionSchema = z.looseObject({ id: z.string(), name: z.string(), triggers: z.array(z.unknown()), steps: z.record(z.string(), z.unknown()) });
export const errorSchema = z.object({ error: z.string(), status: z.number().int() }).catchall(z.unknown());
const metadata = z.object({ next_cursor: z.string().nullable() });

/** An Inngest SDK app (SPEC section 4). */
const appSchema = z.object({
  id: z.string(), url: z.string(), functions: z.array(z.string()), synced_at: iso, sdk: z.string().optional(), framework: z.string().optional(),
  not_applied: z.array(z.string()).optional(),
});

export const responses = {
  run: z.object({ data: runSchema }),
  runs: z.object({ data: z.array(runSchema) }),
  runPage: z.object({ data: z.array(runSummarySchema), metadata }),
  event: z.object({ data: eventSchema }),
  eventPage: z.object({ data: z.array(eventSchema.extend({ dead: z.object({ at: iso, receive_count: z.number().int() }).optional() })), metadata }),
  resent: z.object({ data: z.object({ id: z.string(), resent: z.literal(true) }) }),
  function: z.object({ data: functionSchema }),
  functions: z.object({ data: z.array(functionSchema) }),
  deleted: z.object({ data: z.object({ id: z.string(), deleted: z.literal(true) }) }),
  attempts: z.object({
    data: z.array(z.object({
      step_id: z.string(), attempt: z.number().int(), outcome: z.enum(['completed', 'retry', 'failed']), error: z.string().nullable(), started_at: iso, ended_at: iso, duration_ms: z.number(),
    })),
  }),
  cancelled: z.object({ data: z.object({ cancelled: z.number().int() }) }),
  accepted: z.object({ ids: z.array(z.string()), status: z.literal(200) }),
  health: z.object({ status: z.literal('ok') }),
  openapi: z.looseObject({ openapi: z.string(), paths: z.record(z.string(), z.unknown()) }),
  error: errorSchema,
  app: z.object({ data: appSchema }),
  apps: z.object({ data: z.array(appSchema) }),
  registered: z.object({ status: z.literal(200), ok: z.literal(true), modified: z.boolean(), app_id: z.string() }),
} as const;

export type ResponseName = keyof typeof responses;

export const requests = {
  rerun: z.object({ from_step: z.string().optional() }).strict(),
  cancellations: z.object({ function_id: z.string(), started_after: iso, started_before: iso, if: z.string().optional() }).strict(),
  function: z.looseObject({ id: z.string().optional(), name: z.string(), triggers: z.array(z.unknown()), steps: z.record(z.string(), z.unknown()) }),
  app: z.object({ url: z.string() }),
  register: z.looseObject({ appName: z.string(), url: z.string(), functions: z.array(z.unknown()) }),
  events: z.union([eventSchema.partial({ id: true, ts: true, data: true }), z.array(eventSchema.partial({ id: true, ts: true, data: true }))]),
} as const;
