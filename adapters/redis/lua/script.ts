/** A Lua script of the Redis adapters: its text, and how many KEYS it takes ('variable': the count goes first, as EVAL's numkeys). */
export interface LuaScript {
  keys: number | 'variable';
  lua: string;
}
