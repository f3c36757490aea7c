import type { ApiResponse } from './http';
import { errorResponse } from './http';

/** The names of this machine that an open local stack answers to, whatever ALLOWED_HOSTS adds. */
export const LOCAL_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/** What a request shows of where it comes from (lower-case header names). */
export interface Provenance {
  host: string | undefined;
  origin: string | undefined;
  secFetchSite: string | undefined;
}

const shown = (value: string): string => JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}...` : value);

/** The Host names an open stack answers: this machine's, and ALLOWED_HOSTS (`*`: any). */
export function allowedHostSet(allowedHosts: readonly string[]): ReadonlySet<string> {
  return new Set([...LOCAL_HOSTS, ...allowedHosts.map((name) => name.trim().toLowerCase())]);
}

/** The host name of a Host header, without its port (`[::1]:8288` -> `[::1]`), lower case. */
export function hostName(host: string): string {
  const lower = host.trim().toLowerCase();
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1);
  const colon = lower.indexOf(':');
  return colon < 0 ? lower : lower.slice(0, colon);
}

/**
 * The open local stack (no keys set) answers only its own machine: a `Host` naming it (a page that
 * rebinds its own name to 127.0.0.1 sends its name), and no request a browser marks as sent by a
 * page of another origin. Undefined when the request may pass; else the 403 that says how to open up.
 */
export function refuseForeign(request: Provenance, allowed: ReadonlySet<string>, openedBy: string): ApiResponse | undefined {
  const host = request.host ?? '';
  if (!allowed.has('*') && !allowed.has(hostName(host))) {
    return errorResponse(403, `Host ${shown(host)} refused: with ${openedBy} unset the stack answers only ${LOCAL_HOSTS.join(', ')}; `
      + `to serve it under another name on purpose, set ALLOWED_HOSTS=<name> (or set ${openedBy})`);
  }
  const site = request.secFetchSite?.toLowerCase();
  const crossSite = site !== undefined && site !== 'same-origin' && site !== 'none';
  if (crossSite || (request.origin !== undefined && !sameOrigin(request.origin, host))) {
    return errorResponse(403, `cross-site request refused (Origin ${shown(request.origin ?? '')}, Sec-Fetch-Site ${shown(site ?? '')}): `
      + `with ${openedBy} unset the stack answers only this machine's own tools and its own pages; `
      + `to accept requests from other sites on purpose, set ${openedBy} (callers then authenticate)`);
  }
  return undefined;
}

function sameOrigin(origin: string, host: string): boolean {
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.host === host.trim().toLowerCase();
  } catch {
    return false; // "null" (a sandboxed page, a file) and anything unparsable come from elsewhere
  }
}
