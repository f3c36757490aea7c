import { createConnection } from 'node:net';

/**
 * Counts the commands clients send to a Redis server (one per round trip, pipelines aside), as
 * opposed to commands that scripts run inside the server, using MONITOR: script calls show up as
 * `[db lua]` and are left out.
 */
export async function monitorRedis(port: number): Promise<{ clientCommands(): Record<string, number>; stop(): void }> {
  const socket = createConnection({ port, host: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write('MONITOR\r\n');
  const counts: Record<string, number> = {};
  let buffer = '';
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    const lines = buffer.split('\r\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      const match = /^\+\d+\.\d+ \[\d+ ([^\]]+)\] "([^"]+)"/.exec(line);
      if (!match || match[1] === 'lua') continue;
      const command = match[2]!.toLowerCase();
      counts[command] = (counts[command] ?? 0) + 1;
    }
  });
  await new Promise((resolve) => setTimeout(resolve, 50));
  return { clientCommands: () => ({ ...counts }), stop: () => socket.destroy() };
}

export const total = (counts: Record<string, number>): number => Object.values(counts).reduce((sum, n) => sum + n, 0);
