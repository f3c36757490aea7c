import middy from '@middy/core';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { errorMessage } from '../core/errors';
import type { FunctionDefinition } from '../core/functions/definition';
import { validateFunction } from '../core/functions/validate';
import type { EngineDeps } from '../core/services/deps';
import { noteCronRegistration } from '../core/services/cron';
import { type EngineHandlerDeps, closeEngineDeps, engineHandlerDeps, logger } from './deps';
import { releaseWhenLocal } from './local-release';
import { loadSecretsIntoEnv } from './secrets';

/** What the custom resource answers CloudFormation (its response document, SPEC-independent). */
export interface SyncResponse {
  Status: 'SUCCESS' | 'FAILED';
  Reason?: string;
  PhysicalResourceId: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  Data?: { Registered: string; Removed: string };
}

/** The definitions the deploy carries: `Definitions` is functions/ as JSON (deploy/plugin.ts puts it there at package time). */
function definitionsOf(properties: Record<string, unknown> | undefined, where: string): FunctionDefinition[] {
  const raw = properties?.Definitions;
  if (typeof raw !== 'string') return [];
  const parsed = JSON.parse(raw) as unknown[];
  return parsed.map((definition, index) => validateFunction(definition, `${where}[${index}]`));
}

/**
 * Make the stage's registered functions what the deploy's functions/ says: register each of them,
 * and remove those an earlier deploy registered that are gone now (functions registered through the
 * core API by hand are left alone). Deleting the stack removes nothing: Redis goes with it.
 */
export async function syncFunctions(engine: EngineDeps, event: CloudFormationCustomResourceEvent): Promise<{ registered: string[]; removed: string[] }> {
  if (event.RequestType === 'Delete') return { registered: [], removed: [] };
  const wanted = definitionsOf(event.ResourceProperties, 'functions');
  const before = event.RequestType === 'Update' ? definitionsOf(event.OldResourceProperties, 'previous functions').map((definition) => definition.id) : [];
  const { state } = engine;
  for (const definition of wanted) {
    // Before the function: a cron tick from before this moment never runs.
    await noteCronRegistration(state, definition, engine.clock.now(), engine.retentionMs);
    await state.putFunction(definition);
  }
  const kept = new Set(wanted.map((definition) => definition.id));
  const removed: string[] = [];
  for (const id of before.filter((id) => !kept.has(id))) if (await state.deleteFunction(id)) removed.push(id);
  return { registered: [...kept], removed };
}

/** CloudFormation waits for this PUT to the pre-signed ResponseURL (an empty content type, as the URL was signed). */
async function respond(url: string, response: SyncResponse): Promise<void> {
  const answer = await fetch(url, { method: 'PUT', headers: { 'content-type': '' }, body: JSON.stringify(response) });
  if (!answer.ok) throw new Error(`CloudFormation's response URL answered ${answer.status}`);
}

/** The custom resource `FunctionsSync` (resources/functions.yml): runs on every deploy whose functions/ changed. */
export function makeHandler(deps: () => EngineHandlerDeps) {
  return async (event: CloudFormationCustomResourceEvent): Promise<SyncResponse> => {
    const base = {
      PhysicalResourceId: 'PhysicalResourceId' in event ? event.PhysicalResourceId : `stepstack-functions-${event.LogicalResourceId}`,
      StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId,
    };
    let response: SyncResponse;
    try {
      // Inside the try: a failure to read the Redis token must still answer CloudFormation, or it waits an hour.
      await loadSecretsIntoEnv();
      const { registered, removed } = await syncFunctions(deps().engine, event);
      logger.info('functions synced', { requestType: event.RequestType, registered: registered.join(','), removed: removed.join(',') });
      response = { ...base, Status: 'SUCCESS', Data: { Registered: registered.join(','), Removed: removed.join(',') } };
    } catch (error) {
      logger.error('functions sync failed', { requestType: event.RequestType, error: errorMessage(error) });
      // CloudFormation shows the reason in its events and rolls the deploy back.
      response = { ...base, Status: 'FAILED', Reason: errorMessage(error).slice(0, 1000) };
    }
    await respond(event.ResponseURL, response);
    return response;
  };
}

export const handler = middy(makeHandler(engineHandlerDeps)).use(releaseWhenLocal(closeEngineDeps));
