// Two devices in Chromium: two `cairn serve` processes on two data directories, linked to one workspace of a real
// sync server (in this process, on PGlite). An edit in one appears in the other without a reload; edits made while
// the server was down meet as a conflict both devices show; a document imported in one is found by search in the
// other without being processed there.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, PgliteDb, startServer, type RunningServer } from '@cairn/sync-server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { appReadyTimeout, cairnBin, dropFiles, ensureUiBuilt, importRow, launchChromium, screenshot, startServe, textPng, watchPageErrors, type ServeHandle } from './harness.js';

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
  // The account exists before either device signs in (the sync panel signs in; it does not sign up).
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

/** A fresh data directory, removed after the test. */
function dataDirectory(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-e2e-sync-'));
  cleanups.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
  return dir;
}

/**
 * The `cairn` command line on a data directory, with `input` on its stdin (a password). Asynchronous: the sync server
 * it talks to runs in this process.
 */
async function cairn(dataDir: string, args: readonly string[], input?: string): Promise<string> {
  const child = spawn(process.execPath, [cairnBin, '--data', dataDir, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(input ?? '');
  const code = await new Promise<number | null>((done) => child.once('close', done));
  if (code !== 0) throw new Error(`cairn ${args.join(' ')} exited with ${code}: ${stderr}`);
  return stdout;
}

/** One device: `cairn serve` on a data directory (a fresh one by default) and the app in a browser context of its own. */
async function openDevice(dataDir?: string): Promise<Device> {
  const serve = await startServe(dataDir === undefined ? {} : { dataDir });
  cleanups.push(() => serve.stop());
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  cleanups.push(() => context.close());
  const page = await context.newPage();
  const errors: string[] = [];
  watchPageErrors(page, errors);
  await page.goto(serve.url);
  await page.getByRole('button', { name: 'New note' }).waitFor({ timeout: appReadyTimeout });
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
async function linkThroughPanel(page: Page, server: string, workspace: { create: string } | { existing: string }, shot?: string): Promise<void> {
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
  // The live socket is up: the server's pokes reach this device.
  await expect.poll(() => panel.getByTestId('sync-live').textContent(), { timeout: 15_000 }).toBe('Online');
  if (shot) await screenshot(page, shot);
  await panel.getByRole('button', { name: 'Close sync' }).click();
}

// Each test starts a server and two `cairn serve`s and drives two pages: longer than the default 30 s on a busy machine.
describe('two devices in sync through a server', { timeout: 90_000 }, () => {
  it('links both devices through the sync panel, and shows a note made on one in the other as it is written', async () => {
    const [server, a, b] = await Promise.all([startSyncServer(), openDevice(), openDevice()]);
    await expect.poll(() => indicator(a.page).textContent()).toContain('Sync: Not set up');

    await linkThroughPanel(a.page, server.url, { create: 'Team notes' });
    await linkThroughPanel(b.page, server.url, { existing: 'Team notes' }, 'sync-panel-linked');
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

  it('shows edits of one line made on both devices while the server was down as a conflict on both, and the resolution on both', async () => {
    const server = await startSyncServer();
    // Linked on the command line before `cairn serve` starts: serve picks the link up and syncs in the background.
    const [dirA, dirB] = [dataDirectory(), dataDirectory()];
    await cairn(dirA, ['sync', 'login', server.url, '--user', USER, '--password-stdin'], PASSWORD);
    await cairn(dirA, ['sync', 'link', '--workspace', 'trip', '--create', '--name', 'Trip']);
    await cairn(dirB, ['sync', 'clone', server.url, '--workspace', 'trip', '--user', USER, '--password-stdin'], PASSWORD);
    const [a, b] = await Promise.all([openDevice(dirA), openDevice(dirB)]);
    await expect.poll(() => indicator(a.page).getAttribute('data-state'), { timeout: 10_000 }).toBe('idle');
    await expect.poll(() => indicator(b.page).getAttribute('data-state'), { timeout: 10_000 }).toBe('idle');

    await a.page.getByRole('button', { name: 'New note' }).click();
    await title(a.page).fill('Packing list');
    await a.page.locator('.cm-content').click();
    await a.page.keyboard.type('tent\nstove\nmap');
    await expect.poll(() => a.page.getByTestId('save-state').textContent()).toBe('Saved');
    await expect.poll(() => rows(b.page).filter({ hasText: 'Packing list' }).count(), { timeout: 10_000 }).toBe(1);
    await rows(b.page).filter({ hasText: 'Packing list' }).click();
    await expect.poll(() => editorText(b.page), { timeout: 10_000 }).toBe('tentstovemap');

    // The server goes down; each device changes the second line its own way, from the same text.
    await server.stop();
    await replaceLine(a.page, 2, 'gas stove');
    await replaceLine(b.page, 2, 'camping stove');
    for (const device of [a, b]) {
      await expect.poll(() => device.page.getByTestId('save-state').textContent()).toBe('Saved');
      // The edit waits on this device, and the indicator says so.
      await expect.poll(() => indicator(device.page).getAttribute('data-state'), { timeout: 10_000 }).toBe('offline');
      // (One autosave, or more if the typing paused on a slow machine.)
      await expect.poll(() => indicator(device.page).textContent()).toMatch(/^⇅Sync: Offline[1-9]$/);
    }
    await indicator(b.page).click();
    await expect.poll(() => syncPanel(b.page).getByTestId('sync-live').textContent()).toBe('Offline');
    await expect(syncPanel(b.page).getByTestId('sync-pending').textContent()).resolves.toMatch(/^[1-9]$/);
    await expect(syncPanel(b.page).getByTestId('sync-error').textContent()).resolves.toMatch(/cannot be reached.*your edits are kept/);
    await screenshot(b.page, 'sync-offline-panel');
    await syncPanel(b.page).getByRole('button', { name: 'Close sync' }).click();

    // The server is back: on the laptop someone presses Sync now; the desktop's background sync finds the server
    // again on its own. Whichever edit the server stores first, both devices fold the same conflict.
    await server.restart();
    await syncNowThroughPanel(a.page);
    await expect.poll(() => indicator(b.page).textContent(), { timeout: 45_000 }).toBe('⇅Sync: Synced');
    for (const device of [b, a]) {
      // The laptop hears of the desktop's push through its live socket, reconnected on its own since the restart.
      await expect.poll(() => device.page.getByTestId('conflict-markers').count(), { timeout: 30_000 }).toBe(1);
      const text = await editorText(device.page);
      expect(text).toContain('gas stove');
      expect(text).toContain('camping stove');
    }
    await screenshot(a.page, 'sync-conflict-laptop');
    await screenshot(b.page, 'sync-conflict-desktop');

    // The desktop keeps its own line; the laptop follows.
    await b.page.getByTestId('conflict-markers').getByRole('button', { name: 'Keep mine' }).click();
    await expect.poll(() => editorText(b.page)).toBe('tentcamping stovemap');
    await expect.poll(() => b.page.getByTestId('save-state').textContent()).toBe('Saved');
    await expect.poll(() => editorText(a.page), { timeout: 30_000 }).toBe('tentcamping stovemap');
    expect(await a.page.getByTestId('conflict-markers').count()).toBe(0);
    expect(await b.page.getByTestId('conflict-markers').count()).toBe(0);
    await screenshot(a.page, 'sync-conflict-resolved');
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it('finds documents imported on one device by their text on the other, which neither processes them nor holds the original until asked', async () => {
    const [server, a, b, png] = await Promise.all([startSyncServer(), openDevice(), openDevice(), textPng(['HARBOR LANTERN'])]);
    await linkThroughPanel(a.page, server.url, { create: 'Research' });
    await linkThroughPanel(b.page, server.url, { existing: 'Research' });

    // The laptop reads the image in English only (a setting sent with each import): quicker OCR.
    await a.page.getByRole('button', { name: 'Settings' }).click();
    await a.page.getByRole('dialog', { name: 'Settings' }).getByRole('checkbox', { name: /Simplified Chinese/ }).uncheck();
    await a.page.keyboard.press('Escape');
    await dropFiles(a.page, [
      { name: 'tide-tables.md', text: '# Tide tables\n\nThe estuary floods twice a day; the quayside ledger records every marigold barge.\n', type: 'text/markdown' },
      { name: 'harbor-sign.png', bytes: png, type: 'image/png' },
    ]);
    await expect.poll(() => importRow(a.page, 'tide-tables.md').getAttribute('data-state'), { timeout: 15_000 }).toBe('done');
    await expect.poll(() => importRow(a.page, 'harbor-sign.png').getAttribute('data-state'), { timeout: 60_000 }).toBe('done');
    await a.page.keyboard.press('Escape');

    // The desktop finds each by its text: the Markdown's words, the image's OCR.
    await expect.poll(() => rows(b.page).filter({ hasText: 'harbor-sign.png' }).count(), { timeout: 15_000 }).toBe(1);
    const hits = b.page.getByRole('listbox', { name: 'Results' }).getByRole('option');
    await b.page.keyboard.press('Control+k');
    await b.page.getByRole('combobox', { name: 'Search query' }).fill('marigold barge');
    await expect.poll(() => hits.first().textContent(), { timeout: 15_000 }).toContain('tide-tables.md');
    await expect(hits.first().locator('mark').allTextContents()).resolves.toEqual(expect.arrayContaining([expect.stringMatching(/marigold/i)]));
    await screenshot(b.page, 'sync-document-search');
    await b.page.getByRole('combobox', { name: 'Search query' }).fill('lantern');
    await expect.poll(() => hits.first().textContent(), { timeout: 15_000 }).toContain('harbor-sign.png');
    await b.page.keyboard.press('Enter');
    await expect.poll(() => title(b.page).inputValue()).toBe('harbor-sign.png');
    await expect.poll(() => b.page.getByTestId('document-status').getAttribute('data-status')).toBe('done');
    await expect.poll(() => b.page.getByTestId('document-text').textContent()).toMatch(/HARBOR LANTERN/i);
    // The original stays on the server until someone here wants it.
    const away = b.page.getByTestId('original-away');
    await expect.poll(() => away.isVisible()).toBe(true);
    await screenshot(b.page, 'sync-document-view');
    await away.getByRole('button', { name: 'Download' }).click();
    await expect.poll(() => away.count(), { timeout: 15_000 }).toBe(0);
    const href = await b.page.getByRole('link', { name: 'Open the original' }).getAttribute('href');
    const original = await b.page.request.get(`${b.serve.origin}${href}`);
    expect(Buffer.from(await original.body()).equals(png)).toBe(true);

    // Neither document was processed on the desktop: no job there, and the texts are the laptop's.
    const jobs = (serve: ServeHandle) => serve.rpc<{ jobs: unknown[] }>('jobs', {});
    expect((await jobs(a.serve)).jobs).toHaveLength(2);
    expect((await jobs(b.serve)).jobs).toEqual([]);
    const textOf = async (serve: ServeHandle, name: string) => {
      const { entries } = await serve.rpc<{ entries: { id: string; title: string }[] }>('listEntries', {});
      return serve.rpc<{ text: string; textSha256: string }>('documentText', { id: entries.find((e) => e.title === name)!.id });
    };
    for (const name of ['tide-tables.md', 'harbor-sign.png']) expect(await textOf(b.serve, name)).toEqual(await textOf(a.serve, name));
    expect([...a.errors, ...b.errors]).toEqual([]);
  });
});

/** Replaces line `line` (1-based) of the open note's body by typing, as a person does. */
async function replaceLine(page: Page, line: number, text: string): Promise<void> {
  await page.locator('.cm-content').click();
  await page.keyboard.press('Control+Home');
  for (let i = 1; i < line; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Home');
  await page.keyboard.press('Shift+End');
  await page.keyboard.type(text);
}

/** Opens the sync panel, presses Sync now, waits until nothing is left to upload, and closes the panel. */
async function syncNowThroughPanel(page: Page): Promise<void> {
  await indicator(page).click();
  const panel = syncPanel(page);
  await panel.getByRole('button', { name: 'Sync now' }).click();
  await expect.poll(() => panel.getByTestId('sync-pending').textContent(), { timeout: 15_000 }).toBe('0');
  await expect.poll(() => panel.getByTestId('sync-state').textContent(), { timeout: 15_000 }).toBe('Synced');
  await panel.getByRole('button', { name: 'Close sync' }).click();
}
