// The engine process's side: one engine, one session per renderer window, frames in and out.
import { createRpcSession, type EngineApi, type RpcSession } from '@cairn/core';
import type { FromEngineProcess, ToEngineProcess } from '../ipc/contract.js';

/** The messages about one window's session. */
type SessionMessage = Extract<ToEngineProcess, { session: number }>;

export const MAX_FRAME_CHARS = 64 * 1024 * 1024;

export function createEngineSessions(api: EngineApi, post: (message: FromEngineProcess) => void) {
  const sessions = new Map<number, RpcSession>();
  const open = (id: number) => {
    if (sessions.has(id)) sessions.get(id)!.close();
    sessions.set(id, createRpcSession(api, (frame) => post({ kind: 'frame', session: id, frame }), { maxFrameChars: MAX_FRAME_CHARS }));
  };
  return {
    async receive(message: unknown): Promise<void> {
      const m = message as Partial<SessionMessage> | null;
      if (typeof m !== 'object' || m === null || typeof m.session !== 'number') return;
      switch (m.kind) {
        case 'open':
          return open(m.session);
        case 'frame': {
          // A frame for a session this process does not know (it restarted): open it first.
          if (!sessions.has(m.session)) open(m.session);
          return sessions.get(m.session)!.receive((m as { frame: unknown }).frame);
        }
        case 'close':
          sessions.get(m.session)?.close();
          sessions.delete(m.session);
          return;
        case undefined:
        default:
          // Not a message of the contract: ignored.
          return;
      }
    },
    closeAll() {
      for (const session of sessions.values()) session.close();
      sessions.clear();
    },
    count: () => sessions.size,
  };
}
