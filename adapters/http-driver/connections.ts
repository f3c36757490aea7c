import { Agent, type Dispatcher } from 'undici';
import { type Resolver, guardedLookup } from './address-policy';

// Idle kept-alive sockets close before Node servers' default keepAliveTimeout (5 s) closes them
// under us (undici also honours a shorter `Keep-Alive: timeout=` hint); a socket a server closed
// anyway is tried once more on a fresh one (see exchange.ts).
const IDLE_SOCKET_MS = 4000;

/**
 * Kept-alive connections to step servers and SDK apps, one pool per origin. undici (the client
 * behind Node's fetch) costs about half of node:http's CPU per exchange (bench/http-client.ts,
 * decision 041), which an executor pays on every HTTP step.
 */
export function createConnections(resolve: Resolver, allowLinkLocal: boolean): Dispatcher {
  return new Agent({
    keepAliveTimeout: IDLE_SOCKET_MS,
    // Each exchange has its own deadline (the step's timeout); undici's 300 s defaults would cut longer steps short.
    headersTimeout: 0,
    bodyTimeout: 0,
    // Names are resolved, and forbidden addresses refused, before any connect (address-policy.ts).
    connect: { lookup: guardedLookup(resolve, allowLinkLocal) },
  });
}
