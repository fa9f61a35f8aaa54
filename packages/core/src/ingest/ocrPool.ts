import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ValidationError } from '../errors/cairnError.js';
import { describeError } from './extract/extractionError.js';
import type { createWorker as createWorkerFunction } from 'tesseract.js';
import { joinCjk } from './extract/cjk.js';
import { boxArea, choose, fits, lineStart, overlap, padded, primaryLanguage, probeLines, worthRereading, type OcrLine } from './ocrChoice.js';

/** OCR languages whose data ships with Cairn (npm packages @tesseract.js-data/*), offline. */
export const ocrLanguages = ['eng', 'chi_sim'] as const;
export type OcrLanguage = (typeof ocrLanguages)[number];
export const defaultOcrLanguages: readonly OcrLanguage[] = ['eng', 'chi_sim'];

const require = createRequire(import.meta.url);

/** Parses `eng+chi_sim` (or a list) into known languages, refusing unknown ones with the list of known ones. */
export function parseOcrLanguages(value: string | readonly string[]): OcrLanguage[] {
  const list = (typeof value === 'string' ? value.split(/[+,]/) : value).map((l) => l.trim()).filter(Boolean);
  if (list.length === 0) throw new ValidationError(`no OCR language given; available: ${ocrLanguages.join(', ')}`);
  for (const language of list) {
    if (!(ocrLanguages as readonly string[]).includes(language)) {
      throw new ValidationError(`OCR language "${language}" is not available; available: ${ocrLanguages.join(', ')} (combine with +)`, { language });
    }
  }
  return [...new Set(list)] as OcrLanguage[];
}

/**
 * Puts the traineddata of every shipped language in one folder (tesseract.js reads all languages from
 * one `langPath`, and the npm packages each have their own). Copies only what is missing or changed.
 */
export function prepareLanguageData(folder: string): string {
  mkdirSync(folder, { recursive: true });
  for (const language of ocrLanguages) {
    const source = join(dirname(require.resolve(`@tesseract.js-data/${language}/package.json`)), '4.0.0_best_int', `${language}.traineddata.gz`);
    const target = join(folder, `${language}.traineddata.gz`);
    if (!existsSync(target) || statSync(target).size !== statSync(source).size) copyFileSync(source, target);
  }
  return folder;
}

export interface OcrPoolOptions {
  /** Workers at most (each is a thread with its own copy of the language data). */
  readonly size: number;
  /** A writable folder for the language data (see prepareLanguageData). */
  readonly dataFolder: string;
  readonly pageTimeoutMs?: number;
}

export interface OcrResult {
  readonly text: string;
  readonly confidence: number;
  /** The language each line was kept in, in reading order (with several languages, the best reading of each line). */
  readonly lineLanguages: readonly string[];
}

type TesseractWorker = Awaited<ReturnType<typeof createWorkerFunction>>;
type Page = Awaited<ReturnType<TesseractWorker['recognize']>>['data'];

/** One OCR thread's worth of work: a worker per language, used one at a time. */
interface Slot {
  readonly workers: Map<string, TesseractWorker>;
  busy: boolean;
}

/** When the lines a first reading got wrong cover more of the page than this, the page is read again whole. */
const REREAD_PAGE_SHARE = 0.5;

/**
 * A pool of tesseract.js workers (each runs in its own thread), created on demand up to `size` slots.
 * A slot holds one worker per language it has been asked for, so that a page read in both English and
 * Chinese switches between loaded models instead of reloading one. Never fetches anything: language
 * data comes from a local folder, and a missing file is an error, not a download.
 *
 * With one language a page is read in it. With several (`eng+chi_sim`), each line is kept in the
 * language that reads it best (see ocrChoice): a probe of a few lines picks the language to read the
 * page in first, and the lines that reading did not fit are read again in the other.
 */
export class OcrPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: (() => void)[] = [];
  private closed = false;
  private readonly langPath: string;

  constructor(private readonly options: OcrPoolOptions) {
    this.langPath = prepareLanguageData(options.dataFolder);
  }

  /** Text of one image (PNG, JPEG, TIFF's first page, BMP, WebP, GIF), with spaces between Chinese characters removed. */
  async recognize(image: Buffer, languages: readonly OcrLanguage[]): Promise<OcrResult> {
    if (languages.length === 0) throw new ValidationError('no OCR language given');
    const slot = await this.acquire();
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeoutMs = this.options.pageTimeoutMs ?? 180_000;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`OCR of a page took longer than ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
      });
      const reading = languages.length === 1 ? this.readIn(slot, image, languages[0]!) : this.readBestOf(slot, image, languages);
      const result = await Promise.race([reading, timeout]);
      return { ...result, text: joinCjk(result.text) };
    } catch (error) {
      // A worker that failed or hung is not trusted with the next page.
      this.discard(slot);
      throw error instanceof Error ? error : new Error(String(error));
    } finally {
      clearTimeout(timer);
      this.release(slot);
    }
  }

  /** Starts `count` slots ahead of the first page, each with a worker per language (they load their data meanwhile). */
  async warm(languages: readonly OcrLanguage[], count = this.options.size): Promise<void> {
    const slots = await Promise.all(Array.from({ length: Math.min(count, this.options.size) }, () => this.acquire()));
    try {
      await Promise.all(slots.flatMap((slot) => languages.map((language) => this.worker(slot, language))));
    } finally {
      for (const slot of slots) this.release(slot);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.splice(0).flatMap((slot) => [...slot.workers.values()].map((worker) => worker.terminate().catch(() => undefined))));
    for (const wake of this.waiting.splice(0)) wake();
  }

  private async readIn(slot: Slot, image: Buffer, language: string): Promise<OcrResult> {
    const worker = await this.worker(slot, language);
    const { data } = await worker.recognize(image);
    return { text: data.text, confidence: data.confidence, lineLanguages: data.text.split('\n').filter((l) => l.trim()).map(() => language) };
  }

  /** Two languages are shipped: the probe chooses between the first two; any further one only re-reads doubtful lines. */
  private async readBestOf(slot: Slot, image: Buffer, languages: readonly string[]): Promise<OcrResult> {
    const [first, second] = languages as [string, string];
    const firstWorker = await this.worker(slot, first);
    // Layout alone (no recognition) is cheap, and gives the lines to probe.
    const layout = (await firstWorker.recognize(image, {}, { text: false, layoutBlocks: true })).data as Page & { layoutBlocks?: Page['blocks'] };
    const layoutLines = linesOf(layout.layoutBlocks ?? null);
    if (layoutLines.length === 0) return { text: '', confidence: 0, lineLanguages: [] };
    const probes: OcrLine[] = [];
    for (const line of probeLines(layoutLines)) {
      const { data } = await firstWorker.recognize(image, { rectangle: padded(lineStart(line.bbox)) });
      probes.push({ text: data.text.trim(), confidence: data.confidence, bbox: line.bbox });
    }
    const primary = primaryLanguage(probes, first, second);
    const others = languages.filter((l) => l !== primary);
    const page = (await (await this.worker(slot, primary)).recognize(image, {}, { text: true, blocks: true })).data;
    const kept: { line: OcrLine; language: string; paragraphEnd: boolean }[] = [];
    for (const block of page.blocks ?? []) {
      for (const paragraph of block.paragraphs) {
        paragraph.lines.forEach((line, i) => {
          kept.push({ line: { text: line.text.replace(/\n+$/, ''), confidence: line.confidence, bbox: line.bbox }, language: primary, paragraphEnd: i === paragraph.lines.length - 1 });
        });
      }
    }
    for (const other of others) {
      const doubtful = kept.filter((k) => !fits(k.line, k.language) && worthRereading(k.line, other));
      if (doubtful.length === 0) break;
      const worker = await this.worker(slot, other);
      const pageArea = kept.reduce((n, k) => n + boxArea(k.line.bbox), 0);
      const doubtfulArea = doubtful.reduce((n, k) => n + boxArea(k.line.bbox), 0);
      if (doubtfulArea / pageArea > REREAD_PAGE_SHARE) {
        // Most of the page: one reading of the whole page costs less than a reading of each line.
        const again = linesOf((await worker.recognize(image, {}, { text: false, blocks: true })).data.blocks);
        for (const entry of doubtful) {
          const match = bestMatch(entry.line, again);
          if (match && choose(entry, { line: match, language: other }) === 'other') Object.assign(entry, { line: match, language: other });
        }
      } else {
        for (const entry of doubtful) {
          const { data } = await worker.recognize(image, { rectangle: padded(entry.line.bbox) });
          const line: OcrLine = { text: data.text.trim().replace(/\s*\n\s*/g, ' '), confidence: data.confidence, bbox: entry.line.bbox };
          if (choose(entry, { line, language: other }) === 'other') Object.assign(entry, { line, language: other });
        }
      }
    }
    const text = kept.map((k) => k.line.text + (k.paragraphEnd ? '\n\n' : '\n')).join('');
    const chars = kept.reduce((n, k) => n + k.line.text.length, 0);
    const confidence = chars === 0 ? 0 : kept.reduce((n, k) => n + k.line.confidence * k.line.text.length, 0) / chars;
    return { text, confidence: Math.round(confidence), lineLanguages: kept.filter((k) => k.line.text.trim()).map((k) => k.language) };
  }

  private async acquire(): Promise<Slot> {
    for (;;) {
      if (this.closed) throw new Error('the OCR pool is closed');
      const idle = this.slots.find((s) => !s.busy);
      if (idle) {
        idle.busy = true;
        return idle;
      }
      if (this.slots.length < this.options.size) {
        const slot: Slot = { workers: new Map(), busy: true };
        this.slots.push(slot);
        return slot;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  /** The slot's worker for `language`, started the first time the slot needs it. */
  private async worker(slot: Slot, language: string): Promise<TesseractWorker> {
    const existing = slot.workers.get(language);
    if (existing) return existing;
    const worker = await this.create(language);
    slot.workers.set(language, worker);
    return worker;
  }

  private release(slot: Slot): void {
    slot.busy = false;
    this.waiting.shift()?.();
  }

  private discard(slot: Slot): void {
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    for (const worker of slot.workers.values()) void worker.terminate().catch(() => undefined);
  }

  private async create(languages: string): Promise<TesseractWorker> {
    for (const language of languages.split('+')) {
      if (!existsSync(join(this.langPath, `${language}.traineddata.gz`))) throw new Error(`OCR data for ${language} is missing from ${this.langPath}`);
    }
    const { createWorker } = await import('tesseract.js');
    let failure: unknown;
    // tesseract.js reports some failures only to errorHandler (and throws them uncaught without one).
    const creation = createWorker(languages, 1, {
      langPath: this.langPath,
      cachePath: this.langPath,
      cacheMethod: 'none',
      gzip: true,
      logger: () => undefined,
      errorHandler: (error: unknown) => {
        failure = error;
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the OCR engine did not start${failure ? `: ${describeError(failure)}` : ''}`)), 60_000);
    });
    try {
      return await Promise.race([creation, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Lines of tesseract's block tree, with their text (null in a layout-only result) and boxes. */
function linesOf(blocks: Page['blocks']): OcrLine[] {
  return (blocks ?? []).flatMap((block) => block.paragraphs.flatMap((p) => p.lines.map((l) => ({ text: (l.text ?? '').trim(), confidence: l.confidence ?? 0, bbox: l.bbox }))));
}

/** The line of another reading that lies most over `line`, if any lies mostly over it. */
function bestMatch(line: OcrLine, candidates: readonly OcrLine[]): OcrLine | undefined {
  let best: OcrLine | undefined;
  let bestScore = 0.5;
  for (const candidate of candidates) {
    const score = Math.min(overlap(line.bbox, candidate.bbox), overlap(candidate.bbox, line.bbox));
    if (score > bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}

