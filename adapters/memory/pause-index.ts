import type { StepstackEvent } from '../../core/events/event';
import type { IndexedPause, PauseIndex } from '../../core/ports/pause-index';

/** PLACEHOLDER until the pause-index branch lands: pauses by event name, tested one by one. */
export class MemoryPauseIndex implements PauseIndex {
  private readonly byName = new Map<string, Map<string, string>>();

  async indexPause(pause: IndexedPause): Promise<void> {
    let byId = this.byName.get(pause.event);
    if (!byId) this.byName.set(pause.event, (byId = new Map()));
    byId.set(pause.id, JSON.stringify(pause));
  }

  async candidatesFor(event: StepstackEvent, now: number): Promise<IndexedPause[]> {
    const byId = this.byName.get(event.name);
    if (!byId) return [];
    const live: IndexedPause[] = [];
    for (const [id, json] of byId) {
      const pause = JSON.parse(json) as IndexedPause;
      if (pause.expiresAt <= now) byId.delete(id);
      else live.push(pause);
    }
    return live;
  }

  async dropPause(eventName: string, pauseId: string): Promise<void> {
    this.byName.get(eventName)?.delete(pauseId);
  }
}
