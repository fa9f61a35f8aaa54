// Node-side harness for the browser tests and the UI benchmark: starts `cairn serve` on a free port with
// a data directory, and launches Debian's Chromium through playwright-core. Not part of the UI bundle.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** The repository root, from src/e2e (tests) or dist/node (the compiled benchmark). */
export const repoRoot = findRoot(dirname(fileURLToPath(import.meta.url)));
export const cairnBin = join(repoRoot, 'apps', 'cli', 'bin', 'cairn.js');
export const screenshotDir = join(repoRoot, 'test-results', 'screenshots');
export const chromiumPath = process.env.CAIRN_CHROMIUM ?? '/usr/bin/chromium';

function findRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'packages', 'ui', 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the repository root above ${from}`);
    dir = up;
  }
  return dir;
}

/** Builds the web bundle if a source is newer than it (cheap when it is up to date). */
export function ensureUiBuilt(): void {
  const result = spawnSync(process.execPath, [join(repoRoot, 'packages', 'ui', 'scripts', 'buildUi.mjs')], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`building the UI failed:\n${result.stdout}\n${result.stderr}`);
}

export interface ServeHandle {
  /** The printed link (with the token). */
  readonly url: string;
  readonly origin: string;
  readonly token: string;
  readonly port: number;
  readonly dataDir: string;
  /** The serve process (benchmarks read its memory). */
  readonly pid: number;
  /** One engine call over HTTP, authorized by the token. */
  rpc<T = unknown>(method: string, params?: unknown): Promise<T>;
  /** Runs the CLI on the same data directory (another process). */
  cli(...args: string[]): string;
  stop(): Promise<void>;
}

/** Starts `cairn serve --port 0` on `dataDir` (a fresh temp folder by default). */
export async function startServe(options: { dataDir?: string; keepData?: boolean } = {}): Promise<ServeHandle> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'cairn-e2e-'));
  const child: ChildProcess = spawn(process.execPath, [cairnBin, '--data', dataDir, '--json', 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const first = await new Promise<string>((resolveLine, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', resolveLine);
    child.once('exit', (code) => reject(new Error(`cairn serve exited with ${code}: ${stderr}`)));
  });
  const { url, port } = JSON.parse(first) as { url: string; port: number };
  const parsed = new URL(url);
  const token = parsed.searchParams.get('token')!;
  const origin = parsed.origin;
  return {
    url,
    origin,
    token,
    port,
    dataDir,
    pid: child.pid!,
    async rpc<T>(method: string, params: unknown = {}) {
      const response = await fetch(`${origin}/api/rpc`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify({ id: 1, method, params }),
      });
      const body = (await response.json()) as { ok: boolean; result?: T; error?: { code: string; message: string } };
      if (!body.ok) throw new Error(`${method}: ${body.error?.code}: ${body.error?.message}`);
      return body.result as T;
    },
    cli(...args: string[]) {
      const result = spawnSync(process.execPath, [cairnBin, '--data', dataDir, ...args], { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`cairn ${args.join(' ')} failed: ${result.stderr}`);
      return result.stdout;
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((done) => setTimeout(done, 3000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      if (!options.keepData && options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium is not at ${chromiumPath}: install it with \`apt-get install -y chromium\` (.ci/run does), or set CAIRN_CHROMIUM`);
  }
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
}

/** Saves a screenshot of the page as test-results/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const path = resolve(screenshotDir, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** Fails the page's test on any uncaught error in the page. */
export function watchPageErrors(page: Page, errors: string[]): void {
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
}

/** A file for {@link dropFiles}: text, or bytes (sent to the page as base64). */
export interface DroppedFile {
  readonly name: string;
  readonly text?: string;
  readonly bytes?: Uint8Array;
  readonly type?: string;
}

/**
 * Drops files on the window as the browser delivers a drop from the desktop: `dragenter` (the overlay),
 * then `drop` with a DataTransfer holding the files.
 */
export async function dropFiles(page: Page, files: readonly DroppedFile[]): Promise<void> {
  const payload = files.map((f) => ({ name: f.name, type: f.type ?? '', text: f.text, base64: f.bytes ? Buffer.from(f.bytes).toString('base64') : undefined }));
  await page.evaluate((list) => {
    const transfer = () => {
      const data = new DataTransfer();
      for (const f of list) {
        const content = f.base64 !== undefined ? Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0)) : (f.text ?? '');
        data.items.add(new File([content], f.name, { type: f.type }));
      }
      return data;
    };
    window.dispatchEvent(new DragEvent('dragenter', { dataTransfer: transfer(), bubbles: true, cancelable: true }));
    window.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer(), bubbles: true, cancelable: true }));
  }, payload);
}

/** Black text on white as PNG (@napi-rs/canvas, DejaVu Sans), large enough for OCR to read at once. */
export async function textPng(lines: readonly string[], size = 72): Promise<Buffer> {
  const { createCanvas } = await import('@napi-rs/canvas');
  const canvas = createCanvas(1200, Math.round(size * 1.6 * lines.length + size));
  const context = canvas.getContext('2d');
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.fillStyle = '#000000';
  context.font = `bold ${size}px DejaVu Sans`;
  lines.forEach((line, i) => context.fillText(line, size / 2, size * 1.6 * (i + 1) - size * 0.3));
  return canvas.encode('png');
}

export interface AppSession {
  readonly serve: ServeHandle;
  readonly browser: Browser;
  readonly page: Page;
  /** Uncaught errors and console errors of the page. */
  readonly errors: string[];
  close(): Promise<void>;
}

export interface OpenAppOptions {
  /**
   * A browser shared by a test file (launched once: Chromium's first start on a new machine is slow). The
   * app still gets a context of its own — its own cookies and stored preferences — closed with the app.
   * Without it, the app launches and closes a browser of its own.
   */
  readonly browser?: Browser;
  readonly viewport?: { readonly width: number; readonly height: number };
}

/** How long a test waits for the app to show itself: a cold first start on a new machine takes a while. */
export const appReadyTimeout = 60_000;

/**
 * One `cairn serve` on a fresh data directory and a page with the app open (English, 1360×860), in a
 * browser context nobody else uses: each test that opens its own starts from nothing, whatever ran before.
 */
export async function openApp(options: OpenAppOptions = {}): Promise<AppSession> {
  ensureUiBuilt();
  const [serve, browser] = await Promise.all([startServe(), options.browser ?? launchChromium()]);
  const ownBrowser = options.browser === undefined;
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1360, height: 860 }, locale: 'en-US' });
  const close = async () => {
    await (ownBrowser ? browser.close() : context.close());
    await serve.stop();
  };
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    watchPageErrors(page, errors);
    await page.goto(serve.url);
    await page.getByRole('button', { name: 'New note' }).waitFor({ timeout: appReadyTimeout });
    return { serve, browser, page, errors, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Opens a fresh app for every test of the file (`beforeEach`) on one browser for the file (`beforeAll`),
 * and closes it after the test, failing the test if the page threw or logged an error. Read `app()` inside
 * a test.
 */
export function appPerTest(hooks: AppHooks, options: Omit<OpenAppOptions, 'browser'> = {}): () => AppSession {
  let browser: Browser | undefined;
  let current: AppSession | undefined;
  hooks.beforeAll(async () => {
    browser = await launchChromium();
  });
  hooks.afterAll(async () => {
    await browser?.close();
  });
  hooks.beforeEach(async () => {
    current = await openApp({ ...options, browser });
  });
  hooks.afterEach(async () => {
    const session = current;
    current = undefined;
    await session?.close();
    if (session && session.errors.length > 0) throw new Error(`the page reported errors:\n${session.errors.join('\n')}`);
  });
  return () => {
    if (!current) throw new Error('the app is open only inside a test');
    return current;
  };
}

/** Vitest's hooks, passed in so the harness does not import vitest (the UI benchmark uses it too). */
export interface AppHooks {
  beforeAll(fn: () => Promise<void>, timeout?: number): void;
  afterAll(fn: () => Promise<void>, timeout?: number): void;
  beforeEach(fn: () => Promise<void>, timeout?: number): void;
  afterEach(fn: () => Promise<void>, timeout?: number): void;
}

/** A file for {@link importFile}. */
export interface ImportedFile {
  readonly name: string;
  readonly text?: string;
  readonly bytes?: Uint8Array;
  readonly ocrLanguages?: readonly string[];
  readonly tags?: readonly string[];
}

/**
 * Imports a file through the engine API (as a test's setup, not the thing under test) and waits until its
 * processing has ended; resolves to the new entry's id and its final status.
 */
export async function importFile(serve: ServeHandle, file: ImportedFile, timeoutMs = 60_000): Promise<{ id: string; status: string }> {
  const bytes = file.bytes ?? Buffer.from(file.text ?? '', 'utf8');
  const outcome = await serve.rpc<{ outcome: string; entryId: string | null }>('importBytes', {
    name: file.name,
    dataBase64: Buffer.from(bytes).toString('base64'),
    ...(file.ocrLanguages ? { ocrLanguages: file.ocrLanguages } : {}),
    ...(file.tags ? { tags: file.tags } : {}),
  });
  if (outcome.outcome !== 'imported' || !outcome.entryId) throw new Error(`importing ${file.name}: ${outcome.outcome}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const document = await serve.rpc<{ status: string }>('getDocument', { id: outcome.entryId });
    if (['done', 'failed', 'unsupported'].includes(document.status)) return { id: outcome.entryId, status: document.status };
    if (Date.now() > deadline) throw new Error(`${file.name} was still ${document.status} after ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** An import panel row by its file name (rows are named "<file> <state>"). */
export function importRow(page: Page, name: string) {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return page.getByRole('dialog', { name: 'Import' }).getByRole('listitem', { name: new RegExp(`^${escaped} `) });
}

/** Types at the end of the open note's body, as a person does (a click into the editor, then keys). */
export async function typeInNoteEditor(page: Page, text: string): Promise<void> {
  await page.locator('.cm-content').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type(text);
}

/** Waits until the editor says the note is saved. */
export async function waitNoteSaved(page: Page): Promise<void> {
  await page.waitForFunction(() => document.querySelector('[data-testid="save-state"]')?.textContent === 'Saved', undefined, { timeout: 5000 });
}
