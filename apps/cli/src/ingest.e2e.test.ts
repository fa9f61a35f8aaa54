import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/cairn.js', import.meta.url));
let dir: { path: string; remove: () => void };
beforeAll(() => {
  const path = mkdtempSync(join(tmpdir(), 'cairn-cli-ingest-'));
  dir = { path, remove: () => rmSync(path, { recursive: true, force: true }) };
});
afterAll(() => dir.remove());

function cairn(data: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [bin, '--data', data, ...args], { encoding: 'utf8', cwd: dir.path, timeout: 120_000, maxBuffer: 256 * 1024 * 1024 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, json: () => JSON.parse(result.stdout) as Record<string, unknown> };
}

function folder(name: string, files: Record<string, string | Buffer>): string {
  const root = join(dir.path, name);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

describe('cairn import, show, text, open, jobs, retry', () => {
  it('imports a folder and says what happened to every file', () => {
    const data = join(dir.path, 'data-a');
    const root = folder('docs', { 'a/plan.md': '# Plan\n\nShip it on Friday.\n', 'b/empty.txt': '', 'c/notes.txt': 'Meeting notes: the budget was approved.\n' });
    const imported = cairn(data, '--json', 'import', root);
    expect(imported.code).toBe(0);
    const report = imported.json() as { files: { name: string; status: string; entryId: string; reason: string | null }[]; imported: number; done: number; failed: number };
    expect(report).toMatchObject({ imported: 3, done: 2, failed: 1 });
    const empty = report.files.find((f) => f.name === 'empty.txt')!;
    expect(empty).toMatchObject({ status: 'failed', reason: 'the file is empty (0 bytes)' });
    const plan = report.files.find((f) => f.name === 'plan.md')!;

    const shown = cairn(data, '--json', 'show', plan.entryId).json();
    expect(shown).toMatchObject({ kind: 'document', title: 'plan.md', document: { status: 'done', mimeType: 'text/markdown', file: { name: 'plan.md' } } });
    expect(cairn(data, 'show', empty.entryId).stdout).toMatch(/status failed[\s\S]*empty: the file is empty \(0 bytes\) \(cairn retry \d+\)/);
    expect(cairn(data, 'text', plan.entryId).stdout).toBe('# Plan\n\nShip it on Friday.\n');
    const textOfEmpty = cairn(data, 'text', empty.entryId);
    expect(textOfEmpty.code).toBe(4);
    expect(textOfEmpty.stderr).toMatch(/has no text yet: it is failed \(the file is empty/);

    expect(cairn(data, 'open', plan.entryId).stdout).toMatch(/wrote .*plan\.md/);
    expect(readFileSync(join(dir.path, 'plan.md'), 'utf8')).toBe('# Plan\n\nShip it on Friday.\n');
    expect(cairn(data, 'open', plan.entryId).stdout).toMatch(/plan \(2\)\.md/); // never overwrites

    const again = cairn(data, '--json', 'import', join(root, 'a', 'plan.md')).json() as { files: { status: string; duplicateOf: string }[] };
    expect(again.files[0]).toMatchObject({ status: 'duplicate', duplicateOf: plan.entryId });

    const failed = cairn(data, '--json', 'jobs', '--failed').json() as { jobs: { id: number; name: string; lastError: string }[] };
    expect(failed.jobs).toEqual([expect.objectContaining({ name: 'empty.txt', lastError: 'the file is empty (0 bytes)' })]);
    const retried = cairn(data, '--json', 'retry', '--all-failed').json() as { retried: { name: string; documentStatus: string }[] };
    expect(retried.retried).toEqual([expect.objectContaining({ name: 'empty.txt', documentStatus: 'failed' })]);
    expect(cairn(data, 'list', '--kind', 'document').stdout).toMatch(/plan\.md[\s\S]*|notes\.txt/);
  });

  it('refuses unknown OCR languages and bad sizes with a usage error', () => {
    const data = join(dir.path, 'data-b');
    expect(cairn(data, 'import', dir.path, '--ocr-lang', 'klingon').stderr).toMatch(/OCR language "klingon" is not available; available: eng, chi_sim/);
    expect(cairn(data, 'import', dir.path, '--max-size', 'lots').code).toBe(2);
  });
});

describe('crash safety', () => {
  it('killing an import half-way and importing again loses nothing and duplicates nothing', async () => {
    const data = join(dir.path, 'data-crash');
    const files: Record<string, string> = {};
    for (let i = 0; i < 1500; i++) files[`f${Math.floor(i / 100)}/note-${i}.md`] = `# Note ${i}\n\n${'words to index '.repeat(40)}${i}\n`;
    const root = folder('many', files);
    const child = spawn(process.execPath, [bin, '--data', data, 'import', root], { stdio: 'ignore' });
    const db = () => new BetterSqlite3(join(data, 'cairn.db'), { readonly: true, fileMustExist: true });
    // Kill it once some documents are imported and some processed, but not all.
    await expect
      .poll(
        () => {
          try {
            const conn = db();
            const processed = conn.prepare(`SELECT count(*) FROM events WHERE type = 'DocumentProcessed'`).pluck().get() as number;
            conn.close();
            return processed > 0;
          } catch {
            return false;
          }
        },
        { timeout: 60_000, interval: 20 },
      )
      .toBe(true);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    const before = db();
    const importedBefore = before.prepare(`SELECT count(*) FROM events WHERE type = 'DocumentImported'`).pluck().get() as number;
    before.close();
    expect(importedBefore).toBeLessThan(1500 + 1);

    const resumed = cairn(data, '--json', 'import', root);
    expect(resumed.code, resumed.stderr).toBe(0);
    const summary = resumed.json();
    expect({ ...summary, files: undefined }).toMatchObject({ imported: 1500 - importedBefore, duplicates: importedBefore });
    const after = db();
    const count = (sql: string) => after.prepare(sql).pluck().get() as number;
    expect(count(`SELECT count(*) FROM events WHERE type = 'DocumentImported'`)).toBe(1500);
    expect(count(`SELECT count(DISTINCT json_extract(data, '$.file.sha256')) FROM events WHERE type = 'DocumentImported'`)).toBe(1500);
    expect(count(`SELECT count(*) FROM documents WHERE status = 'done'`)).toBe(1500);
    // Each document's text was recorded exactly once.
    expect(count(`SELECT count(*) FROM events WHERE type = 'DocumentProcessed'`)).toBe(1500);
    expect(count(`SELECT count(*) FROM jobs WHERE status <> 'done'`)).toBe(0);
    after.close();
  }, 180_000);
});
