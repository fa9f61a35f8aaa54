import type { AskPassage, AskResult } from '@cairn/core';
import { describe, expect, it } from 'vitest';
import { createAppStore } from './appStore.js';
import { manualTimers, scriptedEngine, settle, type Handler } from './scriptedEngine.js';

const passage: AskPassage = { n: 1, entryId: 'e1', title: 'Sourdough', kind: 'note', source: 'body', start: 10, end: 60, text: 'Feed the starter with equal weights of flour and water.', snippet: 'Feed the <mark>starter</mark>', score: 1 };

function result(askId: string, answer: string): AskResult {
  return { askId, question: 'q', answer, passages: [passage], citations: [], droppedCitations: [], model: { baseUrl: 'http://localhost:1/v1', model: 'm' }, error: null, mode: 'lexical', notices: [] };
}

function store(handlers: Record<string, Handler>) {
  const s = scriptedEngine({ listEntries: () => ({ entries: [], total: 0, limit: 100, offset: 0 }), tags: () => [], ...handlers });
  const app = createAppStore(s.engine, manualTimers());
  void app.getState().start();
  return { s, app };
}

describe('ask slice', () => {
  it('grows the answer from its own notices while the call runs, ignores other questions’ notices, then shows the result', async () => {
    const { s, app } = store({ ask: (p) => result(p.askId as string, 'Equal weights [1].') });
    s.holdCalls('ask');
    const asking = app.getState().askQuestion('What do I feed the starter?');
    await settle();
    const askId = app.getState().ask!.askId;
    expect(s.calls.find((c) => c.method === 'ask')!.params).toEqual({ question: 'What do I feed the starter?', askId });
    s.push({ type: 'ask', askId, passages: [passage] });
    s.push({ type: 'ask', askId, delta: 'Equal ' });
    s.push({ type: 'ask', askId: 'someone-else', delta: 'NOT MINE ' });
    s.push({ type: 'ask', askId, delta: 'weights' });
    expect(app.getState().ask).toMatchObject({ running: true, answer: 'Equal weights', passages: [passage] });
    s.held.forEach((h) => h.release());
    await asking;
    expect(app.getState().ask).toMatchObject({ running: false, answer: 'Equal weights [1].', result: { askId } });
  });

  it('shows only the newest question: an older one’s late result does not replace it', async () => {
    const { s, app } = store({ ask: (p) => result(p.askId as string, `answer to ${String(p.question)}`), cancelAsk: () => ({ cancelled: true }) });
    s.holdCalls('ask');
    const first = app.getState().askQuestion('first');
    await settle();
    const second = app.getState().askQuestion('second');
    await settle();
    expect(s.calls.some((c) => c.method === 'cancelAsk')).toBe(true);
    const [older, newer] = s.held;
    newer!.release();
    await second;
    older!.release();
    await first;
    expect(app.getState().ask).toMatchObject({ question: 'second', answer: 'answer to second' });
  });

  it('opens a citation’s entry with the passage to highlight, which opening another entry clears', async () => {
    const entry = (id: string) => ({ id, kind: 'note', title: id, body: 'x'.repeat(80), tags: [], attributes: {}, deleted: false, version: 1, createdAt: '', createdBy: '', updatedAt: '', updatedBy: '' });
    const { app } = store({ getEntry: (p) => entry(p.id as string), history: () => [] });
    app.getState().openSearch(true);
    await app.getState().openCitation({ entryId: 'e1', source: 'body', highlight: { start: 31, end: 63 } });
    expect(app.getState()).toMatchObject({ searchOpen: false, selectedId: 'e1', openedPassage: { entryId: 'e1', source: 'body', start: 31, end: 63 } });
    await app.getState().openEntry('e2');
    expect(app.getState().openedPassage).toBeUndefined();
  });
});
