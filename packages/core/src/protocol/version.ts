/**
 * The sync protocol's version. Bump it for any change of the wire (the schema hash test fails until you do),
 * add a line to the history, and raise the oldest accepted version only when old clients cannot be served.
 *
 * History:
 * - 1: push/pull with epochs, blobs, live pokes and notifications, accounts, workspaces, views, webhooks.
 * - 2: EntryCreated and EntryUpdated schema version 3 (`links`: the ids `[[Title]]` links resolved to). Messages are
 *   unchanged; a server of version 1 would refuse those events, so it now says `server_too_old` first. Version 1
 *   clients are still served (their events are older schema versions, which upcast).
 */
export const PROTOCOL_VERSION = 2;
/** The oldest client protocol a server of this build still serves. */
export const MIN_PROTOCOL_VERSION = 1;
/** The request header (and `live` query parameter) a client names its protocol version in. */
export const PROTOCOL_HEADER = 'cairn-protocol';

export type ProtocolVerdict = { readonly ok: true; readonly version: number } | { readonly ok: false; readonly code: 'client_too_old' | 'server_too_old'; readonly message: string };

/**
 * Whether a server of this build serves a client that speaks `version` (absent: the current one). The answer
 * names who must upgrade.
 */
export function checkProtocolVersion(raw: string | undefined): ProtocolVerdict {
  if (raw === undefined || raw === '') return { ok: true, version: PROTOCOL_VERSION };
  if (!/^\d{1,6}$/.test(raw)) return { ok: false, code: 'client_too_old', message: `protocol version ${JSON.stringify(raw)} is not a number; this server speaks ${MIN_PROTOCOL_VERSION}–${PROTOCOL_VERSION}` };
  const version = Number(raw);
  if (version < MIN_PROTOCOL_VERSION) return { ok: false, code: 'client_too_old', message: `this client speaks sync protocol ${version}; the server needs ${MIN_PROTOCOL_VERSION} or newer: update Cairn` };
  if (version > PROTOCOL_VERSION) return { ok: false, code: 'server_too_old', message: `this client speaks sync protocol ${version}; the server knows up to ${PROTOCOL_VERSION}: ask the server's admin to update it` };
  return { ok: true, version };
}
