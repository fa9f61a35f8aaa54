import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ValidationError } from '../errors/cairnError.js';
import { describeError } from './extract/extractionError.js';
import type { createWorker as createWorkerFunction } from 'tesseract.js';
import { joinCjk } from './extract/cjk.js';

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
}

type TesseractWorker = Awaited<ReturnType<typeof createWorkerFunction>>;

interface Slot {
  worker: TesseractWorker;
  languages: string;
  busy: boolean;
}

/**
 * A pool of tesseract.js workers (each runs in its own thread), created on demand up to `size`, each
 * loaded with one set of languages and switched when a page needs another. Never fetches anything:
 * language data comes from a local folder, and a missing file is an error, not a download.
 */
export class OcrPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: (() => void)[] = [];
  private creating = 0;
  private closed = false;
  private readonly langPath: string;

  constructor(private readonly options: OcrPoolOptions) {
    this.langPath = prepareLanguageData(options.dataFolder);
  }

  /** Text of one image (PNG, JPEG, TIFF's first page, BMP, WebP, GIF), with spaces between Chinese characters removed. */
  async recognize(image: Buffer, languages: readonly OcrLanguage[]): Promise<OcrResult> {
    const slot = await this.acquire(languages.join('+'));
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeoutMs = this.options.pageTimeoutMs ?? 180_000;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`OCR of a page took longer than ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
      });
      const result = await Promise.race([slot.worker.recognize(image), timeout]);
      return { text: joinCjk(result.data.text), confidence: result.data.confidence };
    } catch (error) {
      // A worker that failed or hung is not trusted with the next page.
      this.discard(slot);
      throw error instanceof Error ? error : new Error(String(error));
    } finally {
      clearTimeout(timer);
      this.release(slot);
    }
  }

  /** Starts `count` workers ahead of the first page (they load their language data meanwhile). */
  async warm(languages: readonly OcrLanguage[], count = this.options.size): Promise<void> {
    const slots = await Promise.all(Array.from({ length: Math.min(count, this.options.size) }, () => this.acquire(languages.join('+'))));
    for (const slot of slots) this.release(slot);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.splice(0).map((slot) => slot.worker.terminate().catch(() => undefined)));
    for (const wake of this.waiting.splice(0)) wake();
  }

  private async acquire(languages: string): Promise<Slot> {
    for (;;) {
      if (this.closed) throw new Error('the OCR pool is closed');
      const idle = this.slots.find((s) => !s.busy && s.languages === languages) ?? this.slots.find((s) => !s.busy);
      if (idle) {
        idle.busy = true;
        if (idle.languages !== languages) {
          try {
            await idle.worker.reinitialize(languages, 1);
            idle.languages = languages;
          } catch (error) {
            this.discard(idle);
            throw error instanceof Error ? error : new Error(String(error));
          }
        }
        return idle;
      }
      if (this.slots.length + this.creating < this.options.size) {
        this.creating++;
        try {
          const worker = await this.create(languages);
          const slot: Slot = { worker, languages, busy: true };
          this.slots.push(slot);
          return slot;
        } finally {
          this.creating--;
        }
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private release(slot: Slot): void {
    slot.busy = false;
    this.waiting.shift()?.();
  }

  private discard(slot: Slot): void {
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    void slot.worker.terminate().catch(() => undefined);
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
