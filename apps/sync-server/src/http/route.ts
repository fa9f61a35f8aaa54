import type { IncomingMessage, ServerResponse } from 'node:http';
import { CairnError } from '@cairn/core/domain';
import { workspaceIdSchema } from '@cairn/core/protocol';
import type { App } from '../app.js';
import type { Logger } from '../ops/logger.js';
import type { Principal } from '../services/identity.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

/** What a route handler gets: the request, its parameters, and lazy authentication. */
export interface RouteContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The query string as it came (after `?`, without it). */
  readonly rawQuery: string;
  readonly requestId: string;
  readonly ip: string;
  readonly log: Logger;
  /** The caller, from its bearer token (401 without a valid one; 429 past its rate). */
  principal(): Promise<Principal>;
  /** The JSON body, within the body limit. */
  json(): Promise<unknown>;
  /** The `:ws` parameter, checked. */
  workspaceId(): string;
  /** Sets the user id for the request log. */
  readonly app: App;
}

export interface Route {
  readonly method: Method;
  readonly path: string;
  /** The metrics label (the path pattern). */
  readonly name?: string;
  handle(ctx: RouteContext): Promise<void>;
}

export function checkedWorkspaceId(raw: string | undefined): string {
  const parsed = workspaceIdSchema.safeParse(raw);
  if (!parsed.success) throw new CairnError('validation', 'the workspace id in the path is not a workspace id');
  return parsed.data;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function checkedUuid(raw: string | undefined, what: string): string {
  if (raw === undefined || !uuidPattern.test(raw)) throw new CairnError('validation', `the ${what} in the path is not an id`);
  return raw;
}
