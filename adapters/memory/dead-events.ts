import type { DeadEvent } from '../../core/ports/state';

/** Dead events in this process, newest first; a cursor is the dead time and id of the last one shown. */
export class MemoryDeadEvents {
  private readonly byId = new Map<string, { json: string; deadAt: number; expiresAt: number }>();

  save(dead: DeadEvent, expiresAt: number): void {
    this.byId.set(dead.event.id, { json: JSON.stringify(dead), deadAt: dead.deadAt, expiresAt });
  }

  list(limit: number, now: number, cursor?: string): { events: DeadEvent[]; next: string | null } {
    const after = cursor === undefined ? undefined : parseCursor(cursor);
    const live = [...this.byId].filter(([, entry]) => entry.expiresAt > now)
      .map(([id, entry]) => ({ id, ...entry }))
      .sort((a, b) => b.deadAt - a.deadAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .filter((entry) => !after || entry.deadAt < after.deadAt || (entry.deadAt === after.deadAt && entry.id < after.id));
    const page = live.slice(0, limit);
    const last = page.at(-1);
    return {
      events: page.map((entry) => JSON.parse(entry.json) as DeadEvent),
      next: live.length > limit && last ? `${last.deadAt}:${last.id}` : null,
    };
  }

  get(eventId: string, now: number): DeadEvent | undefined {
    const entry = this.byId.get(eventId);
    return entry && entry.expiresAt > now ? (JSON.parse(entry.json) as DeadEvent) : undefined;
  }

  take(eventId: string, now: number): DeadEvent | undefined {
    const entry = this.byId.get(eventId);
    this.byId.delete(eventId);
    return entry && entry.expiresAt > now ? (JSON.parse(entry.json) as DeadEvent) : undefined;
  }

  sweep(now: number): void {
    for (const [id, entry] of this.byId) if (entry.expiresAt <= now) this.byId.delete(id);
  }
}

function parseCursor(cursor: string): { deadAt: number; id: string } {
  const split = cursor.indexOf(':');
  return { deadAt: Number(cursor.slice(0, split)), id: cursor.slice(split + 1) };
}
