import { createLimiter } from '../../adapters/docker/limiter';
import { PlatformError } from '../../core/errors';

const never = new AbortController().signal;

describe('createLimiter', () => {
  it('runs at most max tasks at once, in order', async () => {
    // Prepare
    const limiter = createLimiter(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const task = (n: number) => async () => {
      running += 1;
      peak = Math.max(peak, running);
      order.push(n);
      await new Promise((resolve) => setTimeout(resolve, 10));
      running -= 1;
      return n;
    };
    // Act
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => limiter.run(task(n), never)));
    // Assess
    expect(results).toEqual([1, 2, 3, 4, 5]);
    expect(order).toEqual([1, 2, 3, 4, 5]);
    expect(peak).toBe(2);
    expect(limiter.active).toBe(0);
  });

  it('frees the slot of a task that throws', async () => {
    const limiter = createLimiter(1);
    await expect(limiter.run(() => Promise.reject(new Error('boom')), never)).rejects.toThrow('boom');
    await expect(limiter.run(async () => 'next', never)).resolves.toBe('next');
  });

  it('lets an aborted waiter leave the line without taking a slot', async () => {
    // Prepare
    const limiter = createLimiter(1);
    let release!: () => void;
    const holder = limiter.run(() => new Promise<void>((resolve) => { release = resolve; }), never);
    const controller = new AbortController();
    const waiter = limiter.run(async () => 'ran', controller.signal);
    const after = limiter.run(async () => 'after', never);
    await new Promise((resolve) => setImmediate(resolve)); // the holder's task has started
    // Act
    controller.abort();
    release();
    // Assess
    await expect(waiter).rejects.toBeInstanceOf(PlatformError);
    await expect(after).resolves.toBe('after');
    await holder;
    expect(limiter.active).toBe(0);
  });
});
