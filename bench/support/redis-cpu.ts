/** A Redis server's CPU time so far (INFO cpu: user + system), in µs. */
export async function redisCpuMicros(client: { info(section: 'cpu'): Promise<string> }): Promise<number> {
  const info = await client.info('cpu');
  const seconds = (name: string): number => Number(new RegExp(`${name}:([0-9.]+)`).exec(info)?.[1] ?? 0);
  return (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1e6;
}
