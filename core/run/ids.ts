import type { EdgeAddress } from '../ports/run-store';

/** Timer and pause ids, as carried by timer work items and kept with the run. */
export const waitTimerId = (ref: EdgeAddress): string => `edge:${ref.step}:${ref.edge}`;
export const pauseTimerId = (pauseId: string): string => `pause:${pauseId}`;
export const asyncPauseId = (runId: string, ref: EdgeAddress): string => `${runId}/async/${ref.step}/${ref.edge}`;
export const cancelPauseId = (runId: string, rule: number): string => `${runId}/cancel/${rule}`;
