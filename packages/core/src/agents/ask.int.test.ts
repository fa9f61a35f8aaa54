import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineApi } from '../api/engineApi.js';
import { createLocalEngineApi } from '../api/localEngineApi.js';
import { Engine } from '../engine/engine.js';
import type { EngineNotice } from '../engine/views.js';
import { uuidv7 } from '../ids/uuidv7.js';
import { IngestRuntime } from '../ingest/ingestRuntime.js';
import { startFakeChatServer, type FakeChatServer } from '../testing/fakeChatServer.js';
import { makeTempDir } from '../testing/tempDir.js';
import type { AskPassage } from './ask.js';

const notes = {
  sourdough: 'Sourdough starter care. Feed the starter every twelve hours with equal weights of flour and water. Keep it at room temperature, about 24 degrees.',
  bikes: 'Bicycle maintenance. Oil the chain every two weeks and check the tyre pressure before long rides.',
  tea: '绿茶的冲泡方法。用八十度的水冲泡绿茶，浸泡两分钟即可。水太热会让茶变苦。',
  garden: '花园浇水计划。番茄每天早上浇水一次，夏天傍晚再浇一次。',
};

let dir: { path: string; remove: () => void };
let engine: Engine;
let api: EngineApi;
let server: FakeChatServer | undefined;

beforeEach(() => {
  dir = makeTempDir('cairn-ask-');
  engine = Engine.open({ dataDir: dir.path });
  api = createLocalEngineApi(engine, uuidv7);
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  engine.close();
  dir.remove();
});

async function writeNotes(): Promise<Record<keyof typeof notes, string>> {
  const ids = {} as Record<keyof typeof notes, string>;
  for (const [key, body] of Object.entries(notes) as [keyof typeof notes, string][]) {
    ids[key] = (await api.createEntry({ title: body.slice(0, body.search(/[.。]/)), body })).entryId;
  }
  return ids;
}

/** The text of the passage's source: the entry's body or the document's extracted text. */
async function sourceText(passage: Pick<AskPassage, 'entryId' | 'source'>): Promise<string> {
  return passage.source === 'body' ? (await api.getEntry({ id: passage.entryId })).body : (await api.documentText({ id: passage.entryId })).text;
}

/** An answer that quotes passage `n`'s words and cites it, found by the words it holds (the server sees the prompt). */
function quotingAnswer(words: string, extra = ''): FakeChatServer['behave'] extends (b: infer B) => void ? B : never {
  return (request) => {
    const prompt = request.body.messages?.map((m) => m.content).join('\n') ?? '';
    const n = /\[(\d+)\][^[]*$/.exec(prompt.slice(0, prompt.indexOf(words)))?.[1] ?? '0';
    const answer = `The note says “${words}” [${n}].${extra}`;
    // Pieces cut anywhere, markers included, as models stream them.
    const pieces = answer.match(/[\s\S]{1,7}/g) ?? [];
    return { kind: 'stream', pieces, delayMs: 5 };
  };
}

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('ask', () => {
  it('streams an answer whose citations point at passages holding the words it quotes, in English and Chinese', async () => {
    const ids = await writeNotes();
    server = await startFakeChatServer(quotingAnswer('equal weights of flour and water'));
    await api.setAskSettings({ baseUrl: server.baseUrl, model: 'llama3' });
    const askId = 'ask-1';
    const notices: EngineNotice[] = [];
    const unsubscribe = api.subscribe((n) => notices.push(n));
    const result = await api.ask({ question: 'How often do I feed the sourdough starter, and with what?', askId });
    unsubscribe();

    expect(result.error).toBeNull();
    expect(result.answer).toContain('“equal weights of flour and water” [');
    const deltas = notices.flatMap((n) => (n.type === 'ask' && n.askId === askId && n.delta !== undefined ? [n.delta] : []));
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join('')).toBe(result.answer);
    const first = notices.find((n) => n.type === 'ask' && n.askId === askId);
    expect(first).toMatchObject({ passages: result.passages });

    expect(result.citations).toHaveLength(1);
    const [citation] = result.citations;
    expect(citation!.entryId).toBe(ids.sourdough);
    expect(citation!.quoteFound).toBe(true);
    const text = await sourceText(citation!);
    expect(text.slice(citation!.start, citation!.end)).toContain('equal weights of flour and water');
    expect(text.slice(citation!.highlight.start, citation!.highlight.end)).toBe('equal weights of flour and water');
    expect(result.answer!.slice(citation!.at, citation!.at + citation!.length)).toBe(`[${citation!.n}]`);
    for (const passage of result.passages) expect((await sourceText(passage)).slice(passage.start, passage.end)).toBe(passage.text);

    // What the model was sent: the passages numbered, the question, nothing else of the library.
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.body).toMatchObject({ model: 'llama3', stream: true });
    const prompt = server.requests[0]!.body.messages!.map((m) => m.content).join('\n');
    expect(prompt).toContain('[1] ');
    expect(prompt).toContain('How often do I feed the sourdough starter');
    expect(prompt).not.toContain('花园');

    server.behave(quotingAnswer('用八十度的水冲泡绿茶'));
    const chinese = await api.ask({ question: '绿茶应该用多少度的水冲泡？' });
    expect(chinese.error).toBeNull();
    expect(chinese.citations).toHaveLength(1);
    expect(chinese.citations[0]!.entryId).toBe(ids.tea);
    const teaText = await sourceText(chinese.citations[0]!);
    expect(teaText.slice(chinese.citations[0]!.highlight.start, chinese.citations[0]!.highlight.end)).toBe('用八十度的水冲泡绿茶');
  });

  it('gives the model more than one passage of a long entry when few entries match, each with exact offsets', async () => {
    await writeNotes();
    const filler = (topic: string) => Array.from({ length: 40 }, (_, i) => `Paragraph ${i} about ${topic} and nothing in particular, written to fill the page.`).join(' ');
    const body = [`# Boat log`, `The mooring rope was replaced in May.`, filler('weather'), filler('the harbour'), `The mooring rope frayed again by August.`, filler('fishing')].join('\n\n');
    const { entryId } = await api.createEntry({ title: 'Boat log', body });
    const result = await api.ask({ question: 'when was the mooring rope replaced or frayed?' });
    const fromBoat = result.passages.filter((p) => p.entryId === entryId);
    expect(fromBoat.length).toBeGreaterThanOrEqual(2);
    expect(fromBoat.some((p) => p.text.includes('replaced in May'))).toBe(true);
    expect(fromBoat.some((p) => p.text.includes('frayed again by August'))).toBe(true);
    for (const p of fromBoat) expect(body.slice(p.start, p.end)).toBe(p.text);
    expect(result.passages.map((p) => p.n)).toEqual(result.passages.map((_, i) => i + 1));
  });

  it('drops a citation of a passage that does not exist, and says so', async () => {
    await writeNotes();
    server = await startFakeChatServer({ kind: 'stream', pieces: ['Oil the chain every two weeks [1]', ', and see [9] and 【12】.'] });
    await api.setAskSettings({ baseUrl: server.baseUrl, model: 'm' });
    const result = await api.ask({ question: 'how often should I oil the bicycle chain?', limit: 3 });
    expect(result.passages.length).toBeGreaterThan(0);
    expect(result.passages.length).toBeLessThanOrEqual(3);
    expect(result.citations.map((c) => c.n)).toEqual([1]);
    expect(result.droppedCitations).toEqual([9, 12]);
    expect(result.notices.join(' ')).toMatch(/\[9\], \[12\].*not among/);
  });

  it('without a model returns the best passages, highlighted, says no model is set, and sends nothing', async () => {
    const ids = await writeNotes();
    server = await startFakeChatServer({ kind: 'stream', pieces: ['should never be asked'] });
    // A base URL alone is not a configured model.
    await api.setAskSettings({ baseUrl: server.baseUrl });
    const result = await api.ask({ question: 'tyre pressure' });
    expect(result.answer).toBeNull();
    expect(result.model).toBeNull();
    expect(result.notices.join(' ')).toContain('no model is set');
    expect(result.passages[0]).toMatchObject({ n: 1, entryId: ids.bikes });
    expect(result.passages[0]!.snippet).toContain('<mark>');
    const chinese = await api.ask({ question: '番茄什么时候浇水' });
    expect(chinese.passages[0]).toMatchObject({ entryId: ids.garden });
    expect(chinese.passages[0]!.snippet).toContain('<mark>番茄</mark>');
    expect(server.requests).toHaveLength(0);
  });

  it('reports an endpoint that is down, slow, or answers garbage with a clear error, and still returns the passages', async () => {
    const ids = await writeNotes();
    const question = 'how warm should the sourdough starter be kept?';
    const expectFailure = async (reason: string, message: RegExp) => {
      const result = await api.ask({ question });
      expect(result.error).toMatchObject({ code: 'unavailable', details: { reason } });
      expect(result.error!.message).toMatch(message);
      expect(result.passages[0]).toMatchObject({ entryId: ids.sourdough });
      return result;
    };

    await api.setAskSettings({ baseUrl: `http://127.0.0.1:${await closedPort()}/v1`, model: 'm' });
    await expectFailure('down', /cannot reach the model endpoint .*ECONNREFUSED/);

    server = await startFakeChatServer({ kind: 'silent', delayMs: 5_000 });
    await api.setAskSettings({ baseUrl: server.baseUrl, timeoutMs: 300 });
    const started = Date.now();
    await expectFailure('slow', /did not answer within 0.3 s/);
    expect(Date.now() - started).toBeLessThan(3_000);
    server.behave({ kind: 'silent', delayMs: 5_000, headers: false });
    await expectFailure('slow', /did not answer within 0.3 s/);
    // A stream that starts and then stops.
    server.behave({ kind: 'stream', pieces: ['The starter ', 'likes'], delayMs: 1_000 });
    const cut = await expectFailure('slow', /did not answer within 0.3 s/);
    expect(cut.answer).toBe('The starter ');

    await api.setAskSettings({ timeoutMs: 5_000 });
    server.behave({ kind: 'raw', status: 200, contentType: 'text/html', body: '<html><body>It works!</body></html>' });
    await expectFailure('garbage', /did not answer with a chat-completions stream/);

    server.behave({ kind: 'raw', status: 200, contentType: 'text/event-stream', body: 'data: {"choices": [{"delta": {"content": "Hal\n\ndata: {not json\n\n' });
    await expectFailure('garbage', /malformed/);

    server.behave({ kind: 'raw', status: 200, contentType: 'text/event-stream', body: 'data: {"id": 1, "object": "something else"}\n\ndata: [DONE]\n\n' });
    await expectFailure('garbage', /not a chat-completions chunk/);

    server.behave({ kind: 'raw', status: 200, contentType: 'text/event-stream', body: 'data: {"choices": [{"delta": {"content": "The "}}]}\n\ndata: {"error": {"message": "out of memory"}}\n\n' });
    const failedMidway = await expectFailure('garbage', /reported an error.*out of memory/);
    expect(failedMidway.answer).toBe('The ');

    server.behave({ kind: 'raw', status: 500, contentType: 'application/json', body: '{"error": {"message": "model crashed"}}' });
    await expectFailure('garbage', /HTTP 500.*model crashed/);

    server.behave({ kind: 'raw', status: 404, contentType: 'application/json', body: '{"error": {"message": "model m not found"}}' });
    await expectFailure('refused', /HTTP 404/);
    // No retries: each question is one request.
    expect(server.requests).toHaveLength(9);
  });

  it('keeps the settings local, shows only whether a key is set, sends the key as a bearer token, and refuses bad ones', async () => {
    await writeNotes();
    server = await startFakeChatServer({ kind: 'stream', pieces: ['Every two weeks [1].'] });
    expect(await api.askSettings({})).toMatchObject({ baseUrl: null, model: null, hasApiKey: false });
    const settings = await api.setAskSettings({ baseUrl: `${server.baseUrl}/`, model: ' qwen2.5 ', apiKey: 'sk-local-secret' });
    expect(settings).toEqual({ baseUrl: server.baseUrl, model: 'qwen2.5', hasApiKey: true, timeoutMs: 60_000 });
    expect(JSON.stringify(settings)).not.toContain('sk-local-secret');
    await api.ask({ question: 'chain oil' });
    expect(server.requests[0]!.headers.authorization).toBe('Bearer sk-local-secret');
    expect(JSON.stringify(await api.log({}))).not.toContain('sk-local-secret');

    await expect(api.setAskSettings({ baseUrl: 'localhost:11434' })).rejects.toMatchObject({ code: 'validation' });
    await expect(api.setAskSettings({ baseUrl: 'file:///etc/passwd' })).rejects.toMatchObject({ code: 'validation' });
    await expect(api.setAskSettings({ timeoutMs: 5 })).rejects.toMatchObject({ code: 'validation' });
    await expect(api.ask({ question: '   ' })).rejects.toMatchObject({ code: 'validation' });
    expect((await api.askSettings({})).baseUrl).toBe(server.baseUrl);
    expect((await api.setAskSettings({ apiKey: null })).hasApiKey).toBe(false);
  });

  it('stops an answer when asked to, keeping what was written and the passages', async () => {
    await writeNotes();
    server = await startFakeChatServer({ kind: 'stream', pieces: ['Every ', 'two ', 'weeks ', '[1].'], delayMs: 400 });
    await api.setAskSettings({ baseUrl: server.baseUrl, model: 'm' });
    const unsubscribe = api.subscribe((notice) => {
      if (notice.type === 'ask' && notice.delta === 'Every ') void api.cancelAsk({ askId: 'slow-one' });
    });
    const result = await api.ask({ question: 'how often do I oil the chain?', askId: 'slow-one' });
    unsubscribe();
    expect(result.answer).toBe('Every ');
    expect(result.error).toMatchObject({ code: 'unavailable', details: { reason: 'cancelled' } });
    expect(result.passages.length).toBeGreaterThan(0);
    expect(await api.cancelAsk({ askId: 'slow-one' })).toEqual({ cancelled: false });
  });

  it('answers from a document’s extracted text, with offsets into that text', async () => {
    const runtime = IngestRuntime.start(engine, { extractionThreads: 1, ocrWorkers: 1, pollIntervalMs: 50 });
    try {
      const html = `<html><body><h1>Kayak trip</h1><p>We packed the dry bags the night before.</p><p>The lake crossing took three hours against the wind.</p></body></html>`;
      const imported = await api.importBytes({ name: 'kayak.html', dataBase64: Buffer.from(html).toString('base64') });
      await runtime.waitFor([imported.entryId!]);
      server = await startFakeChatServer(quotingAnswer('took three hours against the wind'));
      await api.setAskSettings({ baseUrl: server.baseUrl, model: 'm' });
      const result = await api.ask({ question: 'how long did the lake crossing take?' });
      const citation = result.citations[0]!;
      expect(citation).toMatchObject({ entryId: imported.entryId, source: 'text', quoteFound: true });
      const text = (await api.documentText({ id: imported.entryId! })).text;
      expect(text.slice(citation.highlight.start, citation.highlight.end)).toBe('took three hours against the wind');
    } finally {
      await runtime.stop();
    }
  });
});
