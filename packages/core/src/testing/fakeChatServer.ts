import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP server speaking the streaming chat-completions protocol (what Ollama, LM Studio, llama.cpp's server
 * and vLLM serve at `/v1/chat/completions`), for tests of Ask: it records every request and answers as the test
 * says — a stream of pieces, nothing for a while, or garbage.
 */
export type FakeChatBehaviour =
  /** Server-sent events: one `chat.completion.chunk` per piece, `delayMs` apart, then `[DONE]`. */
  | { readonly kind: 'stream'; readonly pieces: readonly string[]; readonly delayMs?: number }
  /** Nothing for `delayMs` — not even headers when `headers` is false — then the connection is closed. */
  | { readonly kind: 'silent'; readonly delayMs: number; readonly headers?: boolean }
  /** A body as given. */
  | { readonly kind: 'raw'; readonly status: number; readonly contentType: string; readonly body: string };

export interface FakeChatRequest {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: { model?: string; stream?: boolean; messages?: { role: string; content: string }[] };
}

export interface FakeChatServer {
  /** The base URL to configure (`http://127.0.0.1:<port>/v1`). */
  readonly baseUrl: string;
  readonly requests: FakeChatRequest[];
  /** What the next requests get (default: the behaviour given at start). */
  behave(behaviour: FakeChatBehaviour | ((request: FakeChatRequest) => FakeChatBehaviour)): void;
  close(): Promise<void>;
}

export async function startFakeChatServer(initial: FakeChatBehaviour | ((request: FakeChatRequest) => FakeChatBehaviour)): Promise<FakeChatServer> {
  let behaviour = initial;
  const requests: FakeChatRequest[] = [];
  const open = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      let body: FakeChatRequest['body'] = {};
      try {
        body = JSON.parse(Buffer.concat(parts).toString('utf8')) as FakeChatRequest['body'];
      } catch {
        // Recorded as empty; the test looks at what it needs.
      }
      const request = { path: req.url ?? '', headers: req.headers, body };
      requests.push(request);
      open.add(res);
      res.on('close', () => open.delete(res));
      void answer(res, typeof behaviour === 'function' ? behaviour(request) : behaviour, body.model ?? 'fake');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    behave: (next) => {
      behaviour = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of open) res.destroy();
        server.close(() => resolve());
      }),
  };
}

async function answer(res: ServerResponse, behaviour: FakeChatBehaviour, model: string): Promise<void> {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  switch (behaviour.kind) {
    case 'stream': {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      for (const [i, piece] of behaviour.pieces.entries()) {
        if (res.destroyed) return;
        const chunk = { id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 0, model, choices: [{ index: 0, delta: i === 0 ? { role: 'assistant', content: piece } : { content: piece }, finish_reason: null }] };
        res.write(`data: ${JSON.stringify(chunk)}\n\n`);
        if (behaviour.delayMs) await sleep(behaviour.delayMs);
      }
      res.write(`data: ${JSON.stringify({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 0, model, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
      res.end('data: [DONE]\n\n');
      return;
    }
    case 'silent':
      if (behaviour.headers !== false) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.flushHeaders();
      }
      await sleep(behaviour.delayMs);
      res.destroy();
      return;
    case 'raw':
      res.writeHead(behaviour.status, { 'content-type': behaviour.contentType });
      res.end(behaviour.body);
      return;
    default: {
      const unknown: never = behaviour;
      return unknown;
    }
  }
}
