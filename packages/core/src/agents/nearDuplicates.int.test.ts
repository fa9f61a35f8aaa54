import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineApi } from '../api/engineApi.js';
import { createLocalEngineApi } from '../api/localEngineApi.js';
import { Engine } from '../engine/engine.js';
import { uuidv7 } from '../ids/uuidv7.js';
import { IngestRuntime } from '../ingest/ingestRuntime.js';
import { makeTempDir } from '../testing/tempDir.js';
import { seededRandom as random } from '../testing/seededRandom.js';

// Fixtures generated here: prose-like texts from a few hundred English words or Chinese words, seeded.
const english = (
  'the a of and to in is was for on with as by at from that this it be are were not but or have has had which when ' +
  'tenant landlord rent deposit lease month notice repair kitchen window heating water garden key inspection payment ' +
  'bank account transfer invoice amount due date signed agreement party parties clause term renewal ended written ' +
  'river bridge station morning evening winter summer school teacher student library chapter letter market price ' +
  'project budget schedule review meeting report result analysis sample method study group effect increase decrease'
).split(' ');
const chinese = (
  '我们 他们 这个 一个 没有 可以 因为 所以 但是 如果 已经 现在 时候 自己 知道 工作 问题 发展 经济 社会 ' +
  '合同 协议 甲方 乙方 条款 付款 发票 交付 服务 期限 通知 书面 同意 法律 责任 保险 房屋 租金 押金 报告 ' +
  '会议 项目 预算 计划 审核 设计 工程 方法 结果 分析 数据 河流 村庄 图书馆 花园 冬天 夏天 早上 晚上 车站 ' +
  '的 了 在 是 和 有 也 就 都 对 把 从 到 很 更 不 还'
).split(' ');

function words(vocabulary: readonly string[], count: number, next: () => number): string[] {
  return Array.from({ length: count }, () => vocabulary[Math.floor(vocabulary.length * next() ** 2)]!);
}

function changeWords(vocabulary: readonly string[], list: readonly string[], share: number, next: () => number): string[] {
  const copy = [...list];
  const order = copy.map((_, i) => i).sort(() => next() - 0.5);
  for (const i of order.slice(0, Math.round(copy.length * share))) {
    let other = vocabulary[Math.floor(vocabulary.length * next())]!;
    while (other === copy[i]) other = vocabulary[Math.floor(vocabulary.length * next())]!;
    copy[i] = other;
  }
  return copy;
}

const englishText = (list: readonly string[]) => list.map((w, i) => (i % 12 === 11 ? `${w}.` : w)).join(' ');
const chineseText = (list: readonly string[]) => list.map((w, i) => (i % 15 === 14 ? `${w}。` : w)).join('');

let dir: { path: string; remove: () => void };
let engine: Engine;
let api: EngineApi;

beforeEach(() => {
  dir = makeTempDir('cairn-neardup-');
  engine = Engine.open({ dataDir: dir.path });
  api = createLocalEngineApi(engine, uuidv7);
});

afterEach(() => {
  engine.close();
  dir.remove();
});

describe('near duplicates', () => {
  it('finds an English note with a tenth of its words changed, and not an unrelated note of the same length', async () => {
    const next = random(11);
    const base = words(english, 300, next);
    const original = await api.createEntry({ title: 'Lease 2023', body: englishText(base) });
    const copy = await api.createEntry({ title: 'Lease 2024', body: englishText(changeWords(english, base, 0.1, next)) });
    const unrelated = await api.createEntry({ title: 'Field notes', body: englishText(words(english, 300, next)) });

    const copies = await api.nearDuplicates({ id: original.entryId });
    expect(copies.map((c) => c.entryId)).toEqual([copy.entryId]);
    expect(copies[0]).toMatchObject({ title: 'Lease 2024', kind: 'note' });
    expect(copies[0]!.similarity).toBeGreaterThan(0.5);
    expect(copies[0]!.similarity).toBeLessThan(1);
    // The pair seen from the other side, and the library-wide list.
    expect((await api.nearDuplicates({ id: copy.entryId })).map((c) => c.entryId)).toEqual([original.entryId]);
    expect(await api.nearDuplicates({ id: unrelated.entryId })).toEqual([]);
    const pairs = await api.duplicates({});
    expect(pairs).toHaveLength(1);
    expect([pairs[0]!.a.entryId, pairs[0]!.b.entryId].sort()).toEqual([original.entryId, copy.entryId].sort());
    await expect(api.nearDuplicates({ id: 'no-such-entry' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('finds a Chinese near copy with a tenth of its words changed, and not an unrelated Chinese text', async () => {
    const next = random(12);
    const base = words(chinese, 260, next);
    const original = await api.createEntry({ title: '租房合同', body: chineseText(base) });
    const copy = await api.createEntry({ title: '租房合同（修改）', body: chineseText(changeWords(chinese, base, 0.1, next)) });
    const unrelated = await api.createEntry({ title: '会议纪要', body: chineseText(words(chinese, 260, next)) });
    const copies = await api.nearDuplicates({ id: copy.entryId });
    expect(copies.map((c) => c.title)).toEqual(['租房合同']);
    expect(copies[0]!.similarity).toBeGreaterThan(0.5);
    expect(await api.nearDuplicates({ id: unrelated.entryId })).toEqual([]);
    expect((await api.nearDuplicates({ id: original.entryId })).map((c) => c.entryId)).toEqual([copy.entryId]);
  });

  it('finds a copy with OCR-like noise (3% of the characters replaced, spaces lost and doubled)', async () => {
    const next = random(13);
    const text = englishText(words(english, 300, next));
    let noisy = '';
    for (const char of text) {
      const roll = next();
      if (char === ' ' && roll < 0.05) continue;
      if (char === ' ' && roll < 0.1) noisy += '  ';
      else if (char !== ' ' && roll < 0.03) noisy += String.fromCharCode(97 + Math.floor(next() * 26));
      else noisy += char;
    }
    const typed = await api.createEntry({ title: 'Typed', body: text });
    const scanned = await api.createEntry({ title: 'Scanned', body: noisy });
    const copies = await api.nearDuplicates({ id: typed.entryId });
    expect(copies.map((c) => c.entryId)).toEqual([scanned.entryId]);
    expect(copies[0]!.similarity).toBeGreaterThan(0.6);
  });

  it('compares nothing below the minimum length', async () => {
    const a = await api.createEntry({ title: 'Call', body: 'Call Anna about the lease on Monday.' });
    await api.createEntry({ title: 'Call again', body: 'Call Anna about the lease on Tuesday.' });
    expect(await api.nearDuplicates({ id: a.entryId })).toEqual([]);
  });

  it('drops the pair when one side is deleted or edited away, brings it back on restore, and a rebuild gives the same read model', async () => {
    const next = random(14);
    const base = words(english, 250, next);
    const a = await api.createEntry({ title: 'Draft', body: englishText(base) });
    const b = await api.createEntry({ title: 'Final', body: englishText(changeWords(english, base, 0.05, next)) });
    const c = await api.createEntry({ title: 'Final, second copy', body: englishText(changeWords(english, base, 0.1, next)) });
    expect((await api.nearDuplicates({ id: a.entryId })).map((x) => x.entryId)).toEqual([b.entryId, c.entryId]);
    await api.deleteEntry({ id: b.entryId });
    expect((await api.nearDuplicates({ id: a.entryId })).map((x) => x.entryId)).toEqual([c.entryId]);
    await api.updateEntry({ id: c.entryId, body: englishText(words(english, 250, next)) });
    expect(await api.nearDuplicates({ id: a.entryId })).toEqual([]);
    await api.restoreEntry({ id: b.entryId });
    expect((await api.nearDuplicates({ id: a.entryId })).map((x) => x.entryId)).toEqual([b.entryId]);

    const before = engine.digest();
    expect(engine.rebuild().digest).toBe(before);
    expect((await api.nearDuplicates({ id: a.entryId })).map((x) => x.entryId)).toEqual([b.entryId]);
  });

  it('a pair kept by a person (dismissed on either side) is no longer shown, and comes back on undo', async () => {
    const next = random(15);
    const base = words(english, 250, next);
    const a = await api.createEntry({ title: 'Contract v1', body: englishText(base) });
    const b = await api.createEntry({ title: 'Contract v2', body: englishText(changeWords(english, base, 0.1, next)) });
    expect(await api.duplicates({})).toHaveLength(1);
    await api.dismissSuggestion({ id: b.entryId, agent: 'duplicates', key: a.entryId });
    expect(await api.nearDuplicates({ id: a.entryId })).toEqual([]);
    expect(await api.nearDuplicates({ id: b.entryId })).toEqual([]);
    expect(await api.duplicates({})).toEqual([]);
    await api.dismissSuggestion({ id: b.entryId, agent: 'duplicates', key: a.entryId, undo: true });
    expect((await api.nearDuplicates({ id: a.entryId })).map((x) => x.entryId)).toEqual([b.entryId]);
  });

  it('notes made from one template are all near copies of each other, listed best first up to a limit', async () => {
    const next = random(17);
    const base = words(english, 200, next);
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push((await api.createEntry({ title: `Invoice ${i}`, body: englishText(changeWords(english, base, 0.02 + (i % 5) * 0.02, next)) })).entryId);
    const copies = await api.nearDuplicates({ id: ids[0]! });
    expect(copies.map((c) => c.entryId).sort()).toEqual(ids.slice(1).sort());
    for (let i = 1; i < copies.length; i++) expect(copies[i - 1]!.similarity).toBeGreaterThanOrEqual(copies[i]!.similarity);
    expect(await api.nearDuplicates({ id: ids[0]!, limit: 3 })).toEqual(copies.slice(0, 3));
    const pairs = await api.duplicates({ limit: 10 });
    expect(pairs).toHaveLength(10);
    for (let i = 1; i < pairs.length; i++) expect(pairs[i - 1]!.similarity).toBeGreaterThanOrEqual(pairs[i]!.similarity);
    expect((await api.duplicates({ limit: 1_000 })).length).toBe((30 * 29) / 2);
  });

  it('finds the same near copies with the same similarities whichever order the entries came in', async () => {
    const next = random(18);
    const base = words(english, 220, next);
    const notes = [0.03, 0.08, 0.15, 0.25].map((share, i) => ({ title: `Version ${i}`, body: englishText(changeWords(english, base, share, next)) }));
    const other = makeTempDir('cairn-neardup-order-');
    const reversed = Engine.open({ dataDir: other.path });
    try {
      const reversedApi = createLocalEngineApi(reversed, uuidv7);
      for (const note of notes) await api.createEntry(note);
      for (const note of [...notes].reverse()) await reversedApi.createEntry(note);
      const seen = async (on: EngineApi) =>
        (await on.duplicates({})).map((p) => [[p.a.title, p.b.title].sort().join(' ~ '), p.similarity] as const).sort((x, y) => x[0].localeCompare(y[0]));
      const forward = await seen(api);
      expect(forward.length).toBeGreaterThanOrEqual(3);
      expect(await seen(reversedApi)).toEqual(forward);
    } finally {
      reversed.close();
      other.remove();
    }
  });

  it('compares an imported document by its extracted text with a note holding the same text', async () => {
    const next = random(16);
    const base = words(english, 300, next);
    const note = await api.createEntry({ title: 'Typed lease', body: englishText(base) });
    const runtime = IngestRuntime.start(engine, { extractionThreads: 1, ocrWorkers: 1, pollIntervalMs: 50 });
    try {
      const html = `<html><body><h1>Lease</h1><p>${englishText(changeWords(english, base, 0.05, next))}</p></body></html>`;
      const imported = await api.importBytes({ name: 'lease.html', dataBase64: Buffer.from(html).toString('base64') });
      await runtime.waitFor([imported.entryId!]);
      const copies = await api.nearDuplicates({ id: note.entryId });
      expect(copies.map((c) => c.entryId)).toEqual([imported.entryId]);
      expect(copies[0]!.kind).toBe('document');
    } finally {
      await runtime.stop();
    }
  });
});
