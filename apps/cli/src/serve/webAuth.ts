import { randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Who may drive a web-mode instance. The server listens on 127.0.0.1 only, and every request must
 * - name this server in `Host` (127.0.0.1:PORT or localhost:PORT), which defeats DNS rebinding;
 * - carry an `Origin` of this server when it carries one at all (browsers always send it on WebSocket
 *   handshakes and cross-origin requests), so other pages, even on another localhost port, are refused;
 * - prove it knows the per-launch secret: the session cookie (set once the person opens the printed
 *   link `/?token=…`) or `Authorization: Bearer <token>` (scripts, tests).
 * No CORS header is ever sent.
 */
export interface WebAuth {
  readonly token: string;
  readonly port: number;
  readonly cookieName: string;
  /** The origins a browser page of this server has. */
  readonly origins: readonly string[];
}

export function createWebAuth(port: number, token: string = newToken()): WebAuth {
  return {
    token,
    port,
    // Cookies are shared across ports of a host, so the name carries the port.
    cookieName: `cairn_session_${port}`,
    origins: [`http://127.0.0.1:${port}`, `http://localhost:${port}`],
  };
}

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function sameSecret(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface RequestFacts {
  readonly host: string | undefined;
  readonly origin: string | undefined;
  readonly cookie: string | undefined;
  readonly authorization: string | undefined;
  /** The `token` query parameter, if any. */
  readonly queryToken: string | undefined;
}

export type AuthVerdict =
  | { readonly ok: true; readonly via: 'cookie' | 'bearer' | 'query' }
  | { readonly ok: false; readonly status: 401 | 403 | 421; readonly reason: string };

export function checkRequest(auth: WebAuth, facts: RequestFacts): AuthVerdict {
  const hosts = auth.origins.map((o) => o.slice('http://'.length));
  if (facts.host === undefined || !hosts.includes(facts.host.toLowerCase())) return { ok: false, status: 421, reason: 'this server answers only to 127.0.0.1 and localhost' };
  if (facts.origin !== undefined && !auth.origins.includes(facts.origin.toLowerCase())) return { ok: false, status: 403, reason: 'requests from other origins are refused' };
  if (sameSecret(readCookie(facts.cookie, auth.cookieName), auth.token)) return { ok: true, via: 'cookie' };
  const bearer = facts.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (sameSecret(bearer, auth.token)) return { ok: true, via: 'bearer' };
  if (sameSecret(facts.queryToken, auth.token)) return { ok: true, via: 'query' };
  return { ok: false, status: 401, reason: 'missing or wrong token: open the link that `cairn serve` printed' };
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookie(auth: WebAuth): string {
  return `${auth.cookieName}=${auth.token}; Path=/; HttpOnly; SameSite=Strict`;
}
