// In Chromium against `cairn serve`, with a fake OpenAI-compatible model served from this test: Ask in the search
// palette streams the answer, its citations are links, and a citation opens the entry with the cited words marked.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeChatServer, type FakeChatServer } from '@cairn/core/testing/chat';
import { appPerTest, importFile, screenshot } from './harness.js';

const app = appPerTest({ beforeAll, afterAll, beforeEach, afterEach });
const page = () => app().page;
const serve = () => app().serve;
let model: FakeChatServer | undefined;

afterEach(async () => {
  await model?.close();
  model = undefined;
});

/** Numbers the passage that holds `words` as the prompt did, quotes it and cites it, a few characters at a time. */
function quoting(words: string, lead: string) {
  return (request: { body: { messages?: { content: string }[] } }) => {
    const prompt = request.body.messages?.map((m) => m.content).join('\n') ?? '';
    const n = /\[(\d+)\][^[]*$/.exec(prompt.slice(0, prompt.indexOf(words)))?.[1] ?? '0';
    const answer = `${lead} “${words}” [${n}].`;
    return { kind: 'stream' as const, pieces: answer.match(/[\s\S]{1,4}/g) ?? [], delayMs: 60 };
  };
}

async function askInPalette(question: string): Promise<void> {
  await page().keyboard.press('Control+k');
  await page().getByRole('tab', { name: 'Ask' }).click();
  const input = page().getByRole('searchbox', { name: 'Question' });
  await input.fill(question);
  await input.press('Enter');
}

describe('ask in the search palette', () => {
  it('streams the answer and opens a cited note with the quoted words highlighted', async () => {
    const sourdough = 'Sourdough starter care.\n\nFeed the starter every twelve hours with equal weights of flour and water. Keep it at room temperature.';
    await serve().rpc('createEntry', { title: 'Sourdough', body: sourdough });
    await serve().rpc('createEntry', { title: 'Bicycle', body: 'Oil the chain every two weeks and check the tyre pressure.' });
    model = await startFakeChatServer(quoting('equal weights of flour and water', 'Feed it every twelve hours with'));
    await serve().rpc('setAskSettings', { baseUrl: model.baseUrl, model: 'llama3.2' });

    await askInPalette('What do I feed the sourdough starter?');
    const answer = page().getByRole('region', { name: 'Answer' });
    // Part of the answer is there while the rest is still being written.
    await expect.poll(async () => (await answer.getAttribute('aria-busy')) === 'true' && ((await answer.textContent()) ?? '').startsWith('Feed it')).toBe(true);
    const citation = answer.getByRole('button', { name: /Open the cited passage 1: Sourdough/ });
    await expect.poll(() => citation.count(), { timeout: 20_000 }).toBe(1);
    expect(await answer.textContent()).toBe('Feed it every twelve hours with “equal weights of flour and water” [1].');
    expect(model.requests).toHaveLength(1);
    await screenshot(page(), 'ask-answer');

    await citation.click();
    await expect.poll(() => page().getByRole('dialog', { name: 'Search' }).count()).toBe(0);
    const marked = page().getByTestId('cited-passage');
    await expect.poll(() => marked.textContent(), { timeout: 10_000 }).toBe('equal weights of flour and water');
    expect(await page().getByRole('textbox', { name: 'Title' }).inputValue()).toBe('Sourdough');
    await expect.poll(() => page().getByTestId('markdown-preview').locator('mark.cited').textContent()).toBe('equal weights of flour and water');
    await screenshot(page(), 'ask-cited-note');
  });

  it('opens a cited document at the passage in its extracted text, for a question in Chinese', async () => {
    const text = '绿茶的冲泡方法\n\n先把茶具洗干净。用八十度的水冲泡绿茶，浸泡两分钟即可。水太热会让茶变苦。';
    const imported = await importFile(serve(), { name: '绿茶.txt', text });
    expect(imported.status).toBe('done');
    model = await startFakeChatServer(quoting('用八十度的水冲泡绿茶', '文档中写道'));
    // Set in the settings dialog, as a person does; the key is write-only.
    await page().getByRole('button', { name: 'Settings' }).click();
    const settings = page().getByTestId('ask-settings');
    await settings.getByLabel('Endpoint (base URL)').fill(model.baseUrl);
    await settings.getByLabel('Model name').fill('qwen2.5');
    await settings.getByLabel('API key (optional)').fill('sk-test-key');
    await settings.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => settings.getByRole('status').textContent()).toBe('Saved');
    expect(await settings.getByLabel('API key (optional)').inputValue()).toBe('');
    expect(await settings.getByLabel('API key (optional)').getAttribute('placeholder')).toContain('An API key is set');
    await page().getByRole('button', { name: 'Close settings' }).click();

    await askInPalette('绿茶应该用多少度的水冲泡？');
    const citation = page().getByRole('region', { name: 'Answer' }).getByRole('button', { name: /Open the cited passage 1/ });
    await expect.poll(() => citation.count(), { timeout: 20_000 }).toBe(1);
    await citation.click();
    const marked = page().getByTestId('document-text').getByTestId('cited-passage');
    await expect.poll(() => marked.textContent(), { timeout: 10_000 }).toBe('用八十度的水冲泡绿茶');
    expect(model.requests[0]!.headers.authorization).toBe('Bearer sk-test-key');
    expect(model.requests[0]!.body.model).toBe('qwen2.5');
  });

  it('without a model shows the best passages and says so; an endpoint that is down gets a clear error beside them', async () => {
    await serve().rpc('createEntry', { title: 'Bicycle', body: 'Oil the chain every two weeks and check the tyre pressure.' });
    await askInPalette('how often do I oil the chain?');
    await expect.poll(() => page().getByRole('status').filter({ hasText: 'No model is set' }).count()).toBe(1);
    const passages = page().getByTestId('ask-passages');
    await expect.poll(() => passages.textContent()).toContain('1. Bicycle');

    model = await startFakeChatServer({ kind: 'stream', pieces: ['never'] });
    const baseUrl = model.baseUrl;
    await model.close();
    model = undefined;
    await serve().rpc('setAskSettings', { baseUrl, model: 'm' });
    await page().getByRole('button', { name: 'Ask', exact: true }).click();
    await expect.poll(() => page().getByRole('dialog', { name: 'Search' }).textContent(), { timeout: 20_000 }).toMatch(/cannot reach the model endpoint.*the passages are shown below/);
    expect(await passages.textContent()).toContain('Oil the chain every two weeks');
    await screenshot(page(), 'ask-endpoint-down');
  });
});
