// Two devices in Chromium: two `cairn serve` processes on two data directories, linked to one workspace of a real
// sync server (in this process, on PGlite). An edit in one appears in the other without a reload; edits made while
// the server was down meet as a conflict both devices show; a document imported in one is found by search in the
// other without being processed there.
import { randomBytes } from 'node:crypto';
import { loadConfig, PgliteDb, startServer, type RunningServer } from '@cairn/sync-server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dropFiles, ensureUiBuilt, importRow, launchChromium, screenshot, startServe, watchPageErrors, type ServeHandle } from './harness.js';

type PgliteInstance = Awaited<ReturnType<typeof PgliteDb.createInstance>>;

const USER = 'alice';
const PASSWORD = 'correct horse battery';

let instance: PgliteInstance;
let browser: Browser;
/** What the running test started, stopped after it whatever happened. */
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  ensureUiBuilt();
  [instance, browser] = await Promise.all([PgliteDb.createInstance(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await instance?.close();
});
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!().catch(() => undefined);
});

/** A sync server of the test's own (a fresh schema of the shared PGlite) that can go down and come back on its port. */
interface SyncServer {
  readonly url: string;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

async function startSyncServer(): Promise<SyncServer> {
  const schema = `e2e_${randomBytes(5).toString('hex')}`;
  const db = await PgliteDb.open({ instance, schema });
  const settings = { host: '127.0.0.1', signup: 'open', 'log-level': 'silent', 'rate-limit': '0', namespace: schema };
  let running: RunningServer | undefined = await startServer(loadConfig({ ...settings, port: '0' }, {}), { db });
  const { port, url } = running;
  const stop = async () => {
    await running?.close();
    running = undefined;
  };
  cleanups.push(async () => {
    await stop();
    await instance.exec(`SET search_path TO public; DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });
  const answer = await fetch(`${url}/v1/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: USER, password: PASSWORD }) });
  expect(answer.status).toBeLessThan(300);
  return {
    url,
    stop,
    async restart() {
      running ??= await startServer(loadConfig({ ...settings, port: String(port) }, {}), { db });
    },
  };
}

interface Device {
  readonly serve: ServeHandle;
  readonly page: Page;
  readonly errors: string[];
}

/** One device: `cairn serve` on a fresh data directory and the app in a browser context of its own. */
async function openDevice(): Promise<Device> {
  const serve = await startServe();
  cleanups.push(() => serve.stop());
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  cleanups.push(() => context.close());
  const page = await context.newPage();
  const errors: string[] = [];
  watchPageErrors(page, errors);
  await page.goto(serve.url);
  await page.getByRole('button', { name: 'New note' }).waitFor();
  return { serve, page, errors };
}

const indicator = (page: Page) => page.getByTestId('sync-indicator');
const syncPanel = (page: Page) => page.getByRole('dialog', { name: 'Sync' });
const rows = (page: Page) => page.getByTestId('library-list').getByRole('option');
const title = (page: Page) => page.getByRole('textbox', { name: 'Title' });
const editorText = (page: Page) => page.locator('.cm-content').textContent();

/**
 * Signs in through the sync panel as a person does, then links the device: to a new workspace by its name, or to
 * the account's existing one. Waits until the panel says it synced, and closes it.
 */
async function linkThroughPanel(page: Page, server: string, workspace: { create: string } | { existing: string }): Promise<void> {
  await indicator(page).click();
  const panel = syncPanel(page);
  await panel.getByRole('textbox', { name: 'Server URL' }).fill(server);
  await panel.getByRole('textbox', { name: 'User' }).fill(USER);
  await panel.getByLabel('Password').fill(PASSWORD);
  await panel.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => panel.getByText(`Signed in as ${USER}`).count(), { timeout: 10_000 }).toBe(1);
  if ('create' in workspace) {
    await panel.getByRole('textbox', { name: 'New workspace name' }).fill(workspace.create);
    await panel.getByRole('button', { name: 'Create and link' }).click();
  } else {
    await panel.getByRole('combobox', { name: 'Workspace' }).selectOption({ label: workspace.existing });
    await panel.getByRole('button', { name: 'Link this device' }).click();
  }
  await expect.poll(() => panel.getByTestId('sync-state').textContent(), { timeout: 15_000 }).toBe('Synced');
  await panel.getByRole('button', { name: 'Close sync' }).click();
}

describe('two devices in sync through a server', () => {
  it('links both devices through the sync panel, and shows a note made on one in the other as it is written', async () => {
    const server = await startSyncServer();
    const [a, b] = await Promise.all([openDevice(), openDevice()]);
    await expect.poll(() => indicator(a.page).textContent()).toContain('Sync: Not set up');

    await linkThroughPanel(a.page, server.url, { create: 'Team notes' });
    await linkThroughPanel(b.page, server.url, { existing: 'Team notes' });
    await expect.poll(() => indicator(a.page).getAttribute('data-state')).toBe('idle');
    await expect.poll(() => indicator(b.page).getAttribute('data-state')).toBe('idle');
    await screenshot(b.page, 'sync-linked');

    await a.page.getByRole('button', { name: 'New note' }).click();
    await title(a.page).fill('Trip plan');
    await expect.poll(() => rows(b.page).filter({ hasText: 'Trip plan' }).count(), { timeout: 10_000 }).toBe(1);
    await rows(b.page).filter({ hasText: 'Trip plan' }).click();
    await expect.poll(() => title(b.page).inputValue()).toBe('Trip plan');

    // Typed on A, seen in B's open editor without a reload.
    await a.page.locator('.cm-content').click();
    await a.page.keyboard.type('Book the ferry\n');
    await expect.poll(() => editorText(b.page), { timeout: 10_000 }).toContain('Book the ferry');
    await expect.poll(() => b.page.getByTestId('save-state').textContent()).toBe('Saved');
    await screenshot(b.page, 'sync-live-edit');
    expect([...a.errors, ...b.errors]).toEqual([]);
  });
});
