import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { joinCjk } from '../ingest/extract/cjk.js';
import { defaultOcrLanguages, OcrPool, prepareLanguageData } from '../ingest/ocrPool.js';
import { characterErrorRate } from './characterErrorRate.js';

export interface OcrBenchOptions {
  /** The shared evaluation data (`../shared/eval`): its `ocr/phototest.tif` is one of the English scans. */
  readonly evalDir?: string;
  /** Timed runs per image and reader, after a warm-up (default 3). */
  readonly runs?: number;
  readonly workDir?: string;
  readonly log?: (message: string) => void;
}

/** What one reader did on one kind of image: quality, and the median time per page. */
interface ReaderFigures {
  /** Chinese images: character error rate (lower is better). */
  readonly characterErrorRate?: number;
  /** English scans: share of the reference's words found, in order (higher is better). */
  readonly wordRecall?: number;
  readonly msPerPage: number;
}

export interface OcrBenchResult {
  readonly machine: { cpus: number; cpuModel: string; node: string };
  readonly images: { readonly chinese: string[]; readonly english: string[]; readonly mixed: string[] };
  /** Bare tesseract.js with one language setting (one worker each), and Cairn's default (its OCR pool, one slot). */
  readonly readers: Record<string, { chinese: ReaderFigures; english: ReaderFigures; mixed: ReaderFigures }>;
  /** The default's time per page against the single language that suits the image (chi_sim for Chinese, eng for English). */
  readonly defaultCost: { readonly chineseToChiSim: number; readonly englishToEng: number; readonly mixedToSlowerSingle: number };
  readonly targets: Record<string, { target: string; met: boolean | null }>;
}

interface Sample {
  readonly name: string;
  readonly kind: 'chinese' | 'english' | 'mixed';
  readonly image: Buffer;
  readonly reference: string;
}

const fixed = ['eng', 'chi_sim', 'eng+chi_sim', 'chi_sim+eng'] as const;
const defaultReader = `default (${defaultOcrLanguages.join('+')}, best per line)`;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * OCR language choice (JSON): the default (`eng+chi_sim`, each line kept in the language that reads it
 * best) against bare tesseract.js with each fixed language setting, side by side in one run on the same
 * images: character error rate on Chinese print, word recall on English scans, a mixed page, and the
 * median time per page, each image read by every reader in turn so that a slow spell falls on all.
 */
export async function runOcrBench(options: OcrBenchOptions = {}): Promise<OcrBenchResult> {
  const log = options.log ?? (() => undefined);
  const runs = options.runs ?? 3;
  const root = mkdtempSync(join(options.workDir ?? tmpdir(), 'cairn-ocr-bench-'));
  try {
    const samples = await makeSamples(options.evalDir);
    log(`OCR: ${samples.length} images (${samples.map((s) => s.name).join(', ')}), ${runs} runs per reader after a warm-up`);
    const langPath = prepareLanguageData(join(root, 'ocr-data'));
    const { createWorker } = await import('tesseract.js');
    const bare = new Map<string, Awaited<ReturnType<typeof createWorker>>>();
    for (const languages of fixed) {
      bare.set(languages, await createWorker(languages, 1, { langPath, cachePath: langPath, cacheMethod: 'none', gzip: true, logger: () => undefined, errorHandler: () => undefined }));
    }
    const pool = new OcrPool({ size: 1, dataFolder: join(root, 'ocr-data') });
    await pool.warm(defaultOcrLanguages);
    const readers: Record<string, (image: Buffer) => Promise<string>> = { [defaultReader]: async (image) => (await pool.recognize(image, defaultOcrLanguages)).text };
    for (const [languages, worker] of bare) readers[languages] = async (image) => joinCjk((await worker.recognize(image)).data.text);
    const names = Object.keys(readers);
    const results = new Map<string, Map<string, { text: string; ms: number[] }>>();
    try {
      for (const sample of samples) {
        const perReader = new Map(names.map((n) => [n, { text: '', ms: [] as number[] }]));
        for (const name of names) perReader.get(name)!.text = await readers[name]!(sample.image); // warm-up, and the text scored
        for (let run = 0; run < runs; run++) {
          // A different reader goes first in each run.
          for (let i = 0; i < names.length; i++) {
            const name = names[(i + run) % names.length]!;
            const start = process.hrtime.bigint();
            await readers[name]!(sample.image);
            perReader.get(name)!.ms.push(Number(process.hrtime.bigint() - start) / 1e6);
          }
        }
        results.set(sample.name, perReader);
        log(`  ${sample.name}: ${names.map((n) => `${n.split(' ')[0]} ${Math.round(median(perReader.get(n)!.ms))} ms`).join(', ')}`);
      }
    } finally {
      await pool.close();
      await Promise.all([...bare.values()].map((w) => w.terminate()));
    }
    const figures = (name: string, kind: Sample['kind']): ReaderFigures => {
      const ofKind = samples.filter((s) => s.kind === kind);
      const read = ofKind.map((s) => ({ sample: s, ...results.get(s.name)!.get(name)! }));
      return {
        ...(kind !== 'english' && { characterErrorRate: round(mean(read.map((r) => characterErrorRate(r.text, r.sample.reference)))) }),
        ...(kind !== 'chinese' && { wordRecall: round(mean(read.map((r) => wordRecall(r.text, r.sample.reference)))) }),
        msPerPage: Math.round(mean(read.map((r) => median(r.ms)))),
      };
    };
    const table = Object.fromEntries(names.map((n) => [n, { chinese: figures(n, 'chinese'), english: figures(n, 'english'), mixed: figures(n, 'mixed') }]));
    const ours = table[defaultReader]!;
    const defaultCost = {
      chineseToChiSim: round(ours.chinese.msPerPage / table.chi_sim!.chinese.msPerPage),
      englishToEng: round(ours.english.msPerPage / table.eng!.english.msPerPage),
      mixedToSlowerSingle: round(ours.mixed.msPerPage / Math.max(table.chi_sim!.mixed.msPerPage, table.eng!.mixed.msPerPage)),
    };
    const cpu = cpus();
    return {
      machine: { cpus: cpu.length, cpuModel: cpu[0]?.model ?? 'unknown', node: process.version },
      images: { chinese: namesOfKind(samples, 'chinese'), english: namesOfKind(samples, 'english'), mixed: namesOfKind(samples, 'mixed') },
      readers: table,
      defaultCost,
      targets: {
        chineseQuality: { target: 'default CER <= chi_sim CER + 0.01', met: ours.chinese.characterErrorRate! <= table.chi_sim!.chinese.characterErrorRate! + 0.01 },
        englishQuality: { target: 'default word recall >= eng word recall - 0.01', met: ours.english.wordRecall! >= table.eng!.english.wordRecall! - 0.01 },
        cost: { target: 'default time per page <= 1.5x the suiting single language (Chinese and English images)', met: defaultCost.chineseToChiSim <= 1.5 && defaultCost.englishToEng <= 1.5 },
      },
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function namesOfKind(samples: readonly Sample[], kind: Sample['kind']): string[] {
  return samples.filter((s) => s.kind === kind).map((s) => s.name);
}

/**
 * Share of the reference's words that the recognized text has, matched in order (a longest common
 * subsequence of words, case kept, punctuation at a word's ends ignored). Words are those with Latin
 * letters or digits: on a mixed page, its English.
 */
export function wordRecall(recognized: string, reference: string): number {
  const words = (text: string) =>
    text
      .split(/\s+/)
      .map((w) => w.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, ''))
      .filter((w) => /[\p{Script=Latin}\p{N}]/u.test(w));
  const a = words(recognized);
  const b = words(reference);
  if (b.length === 0) return 1;
  let previous = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const current = [0];
    for (let j = 1; j <= b.length; j++) current[j] = a[i - 1] === b[j - 1] ? previous[j - 1]! + 1 : Math.max(previous[j]!, current[j - 1]!);
    previous = current;
  }
  return previous[b.length]! / b.length;
}

const leaflet = ['本产品采用天然植物原料，经过严格的质量检测。', '使用方法：每日两次，每次一粒，温水送服。', '储存条件：请置于阴凉干燥处，避免阳光直射。', '生产日期见包装底部，保质期为二十四个月。', '如有疑问，请拨打客服热线，我们将竭诚为您服务。'];
const notice = [
  '关于调整办公楼开放时间的通知',
  '各位同事：为配合节能改造工程，自下月起办公楼',
  '开放时间调整为早上七点半至晚上九点。周末及法定',
  '节假日仅开放一楼大厅，如需加班请提前向行政部',
  '提交申请，并在离开时关闭门窗和照明设备。',
  '感谢大家的理解与支持。',
];
const article = [
  '随着城市化进程的加快，越来越多的年轻人选择在大城市',
  '工作和生活。然而，高昂的房价和激烈的竞争也给他们带来',
  '了不小的压力。专家建议，政府应当加大保障性住房的建设',
  '力度，同时鼓励企业在中小城市设立分支机构，引导人口',
  '合理流动，促进区域经济的协调发展。',
];
const english = [
  'The committee met on Tuesday to review the budget for',
  'the coming year. Several members raised concerns about',
  'the rising cost of maintenance, and the chair agreed to',
  'ask for three independent quotes before the next meeting.',
];
const mixed = ['Meeting notes for the quarterly review', '会议记录：第三季度销售数据分析', 'Action items are listed below', '下周一之前完成报告并发送给团队'];

/**
 * The benchmark's images: Chinese print in a CJK font at small and ordinary sizes (small print is where a
 * combined `eng+chi_sim` reading falls back to Latin letters), English print and the evaluation data's
 * scan, and a page with alternating English and Chinese lines. The CJK font is the system's (Debian's
 * fonts-wqy-microhei, which CI installs); without one the Chinese images cannot be made.
 */
async function makeSamples(evalDir: string | undefined): Promise<Sample[]> {
  const { renderTextPng } = await import('../testing/documentFixtures.js');
  const { GlobalFonts } = await import('@napi-rs/canvas');
  const cjk = 'WenQuanYi Micro Hei';
  if (!GlobalFonts.families.some((f) => f.family === cjk)) throw new Error(`the Chinese images need the font ${cjk} (Debian: apt-get install fonts-wqy-microhei)`);
  const samples: Sample[] = [
    { name: 'leaflet-12px', kind: 'chinese', image: await renderTextPng(leaflet, { size: 12, font: cjk }), reference: leaflet.join('\n') },
    { name: 'leaflet-16px', kind: 'chinese', image: await renderTextPng(leaflet, { size: 16, font: cjk }), reference: leaflet.join('\n') },
    { name: 'notice-14px', kind: 'chinese', image: await renderTextPng(notice, { size: 14, font: cjk }), reference: notice.join('\n') },
    { name: 'article-24px', kind: 'chinese', image: await renderTextPng(article, { size: 24, font: cjk }), reference: article.join('\n') },
    { name: 'minutes-14px', kind: 'english', image: await renderTextPng(english, { size: 14 }), reference: english.join('\n') },
    { name: 'minutes-24px', kind: 'english', image: await renderTextPng(english, { size: 24 }), reference: english.join('\n') },
    { name: 'mixed-20px', kind: 'mixed', image: await renderTextPng(mixed, { size: 20, font: cjk }), reference: mixed.join('\n') },
  ];
  const photo = evalDir ? join(evalDir, 'ocr', 'phototest.tif') : undefined;
  if (photo && existsSync(photo)) {
    samples.push({ name: 'phototest.tif', kind: 'english', image: readFileSync(photo), reference: readFileSync(join(evalDir!, 'ocr', 'phototest.gold.txt'), 'utf8') });
  }
  return samples;
}
