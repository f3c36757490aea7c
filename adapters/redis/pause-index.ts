import type { StepstackEvent } from '../../core/events/event';
import type { IndexedPause, PauseIndex } from '../../core/ports/pause-index';
import type { RedisClient } from './client';
import type { Call } from './run-store';

/** PLACEHOLDER until the pause-index branch lands: one hash of records per event name. */
export class RedisPauseIndex implements PauseIndex {
  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
    private readonly call: Call,
  ) {}

  private key(eventName: string): string {
    return `${this.prefix}:{p:${eventName}}`;
  }

  indexPause(pause: IndexedPause): Promise<void> {
    return this.call('indexPause', async () => {
      await this.client.hset(this.key(pause.event), pause.id, JSON.stringify(pause));
    });
  }

  candidatesFor(event: StepstackEvent, now: number): Promise<IndexedPause[]> {
    return this.call('candidatesFor', async () => {
      const all = await this.client.hvals(this.key(event.name));
      return all.map((json) => JSON.parse(json) as IndexedPause).filter((pause) => pause.expiresAt > now);
    });
  }

  dropPause(eventName: string, pauseId: string): Promise<void> {
    return this.call('dropPause', async () => {
      await this.client.hdel(this.key(eventName), pauseId);
    });
  }
}
