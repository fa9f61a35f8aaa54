// The agents benchmark (issue 15): 10,000 text files imported into `cairn serve` while a person searches in Chromium.
// It times the import (first file stored → every document processed), how long until every agent (each async
// subscriber of the log: search index, summaries and whatever else the engine runs) has caught up with the log, the
// palette's search-painted times meanwhile, and the serve process's memory.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { ensureUiBuilt, launchChromium, startServe } from './harness.js';
import { measureSearch, percentile } from './uiBench.js';

export interface AgentsBenchOptions {
  readonly files?: number;
  readonly log?: (message: string) => void;
}

export interface AgentsBenchResult {
  readonly machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; loadAverage1m: number };
  readonly files: number;
  readonly bytes: number;
  /** importPaths called → every document processed (the import's own time). */
  readonly importSeconds: number;
  /** importPaths called → every agent's checkpoint at the head of the log. */
  readonly agentsCaughtUpSeconds: number;
  readonly ratio: number;
  /** The agents still behind when the import ended, by how many events. */
  readonly lagAtImportEnd: Record<string, number>;
  readonly search: { readonly queries: number; readonly p50Ms: number; readonly p95Ms: number; readonly maxMs: number };
  readonly maxRssMiB: number;
  readonly targets: Record<string, { target: string; measured: string; met: boolean }>;
}

/** Topics, each with words in English and Chinese, so files on one topic share vocabulary and others do not. */
const topics = [
  ['harbor', 'lantern', 'tide', 'keeper', '港口', '灯塔'],
  ['budget', 'invoice', 'quarter', 'forecast', '预算', '发票'],
  ['garden', 'tomato', 'compost', 'seedling', '花园', '堆肥'],
  ['database', 'index', 'query', 'replica', '数据库', '索引'],
  ['violin', 'concert', 'rehearsal', 'sonata', '音乐会', '排练'],
  ['glacier', 'moraine', 'crevasse', 'icefield', '冰川', '冰碛'],
  ['bakery', 'sourdough', 'flour', 'oven', '面包', '烤箱'],
  ['contract', 'clause', 'tenant', 'lease', '合同', '租约'],
];
const common = ['the', 'team', 'met', 'on', 'monday', 'and', 'discussed', 'next', 'steps', 'for', 'this', 'work', '我们', '讨论', '下一步', '工作'];

/** Writes `count` text files of a few paragraphs each (one in fifty a near copy of an earlier one); returns their bytes. */
function writeCorpus(dir: string, count: number): number {
  let bytes = 0;
  let seed = 7;
  const random = () => ((seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647);
  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    let text: string;
    if (i % 50 === 49 && texts.length > 10) {
      const words = texts[Math.floor(random() * texts.length)]!.split(' ');
      text = words.map((w) => (random() < 0.1 ? common[Math.floor(random() * common.length)]! : w)).join(' ');
    } else {
      const topic = topics[i % topics.length]!;
      const sentences = Array.from({ length: 6 + Math.floor(random() * 8) }, (_, s) => {
        const length = 8 + Math.floor(random() * 10);
        const words = Array.from({ length }, () => (random() < 0.4 ? topic[Math.floor(random() * topic.length)]! : common[Math.floor(random() * common.length)]!));
        return `${words.join(' ')} ${i}-${s}.`;
      });
      text = `${sentences.slice(0, 4).join(' ')}\n\n${sentences.slice(4).join(' ')}\n`;
      texts.push(text);
    }
    writeFileSync(join(dir, `note-${String(i).padStart(5, '0')}.txt`), text);
    bytes += Buffer.byteLength(text);
  }
  return bytes;
}

function rssMiB(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

export async function runAgentsBench(options: AgentsBenchOptions = {}): Promise<AgentsBenchResult> {
  const log = options.log ?? (() => undefined);
  const files = options.files ?? 10_000;
  ensureUiBuilt();
  const corpus = mkdtempSync(join(tmpdir(), 'cairn-agents-corpus-'));
  const serve = await startServe();
  const browser = await launchChromium();
  try {
    log(`writing ${files} text files`);
    const bytes = writeCorpus(corpus, files);
    const page = await (await browser.newContext({ viewport: { width: 1360, height: 860 } })).newPage();
    await page.goto(serve.url);
    await page.getByRole('button', { name: 'New note' }).waitFor({ timeout: 60_000 });

    let maxRss = rssMiB(serve.pid);
    let importEnd: number | undefined;
    let caughtUp: number | undefined;
    let lagAtImportEnd: Record<string, number> = {};
    const started = performance.now();
    log('importing');
    const imported = serve.rpc('importPaths', { paths: [corpus] });
    // Watches the engine: the import ends when no document waits or is being processed; agents, when none lags.
    const watcher = (async () => {
      await imported;
      for (;;) {
        maxRss = Math.max(maxRss, rssMiB(serve.pid));
        const now = performance.now();
        const [{ counts }, status] = await Promise.all([serve.rpc<{ counts: Record<string, number> }>('jobs', { limit: 1 }), serve.rpc<{ subscriberLag: Record<string, number> }>('status')]);
        const lagging = Object.values(status.subscriberLag).some((lag) => lag > 0);
        if (importEnd === undefined && (counts.queued ?? 0) + (counts.running ?? 0) === 0) {
          importEnd = now;
          lagAtImportEnd = Object.fromEntries(Object.entries(status.subscriberLag).filter(([, lag]) => lag > 0));
          log(`import done in ${round((now - started) / 1000)} s; behind: ${JSON.stringify(lagAtImportEnd)}`);
        }
        if (importEnd !== undefined && !lagging) {
          caughtUp = now;
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    let failed = false;
    watcher.catch(() => (failed = true));
    const queries = topics.flatMap((t) => [t[0]!, `${t[1]} ${t[2]}`, t[4]!, `${t[5]} ${common[12]}`]);
    const search = await measureSearch(page, queries, 0, () => caughtUp === undefined && !failed);
    await watcher;
    const importSeconds = round((importEnd! - started) / 1000, 2);
    const agentsCaughtUpSeconds = round((caughtUp! - started) / 1000, 2);
    const ratio = round(agentsCaughtUpSeconds / importSeconds, 2);
    const p95 = search.p95Ms;
    const times = search.samples.map((s) => s.ms);
    return {
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, loadAverage1m: round(loadavg()[0]!, 2) },
      files,
      bytes,
      importSeconds,
      agentsCaughtUpSeconds,
      ratio,
      lagAtImportEnd,
      search: { queries: search.queries, p50Ms: round(percentile(times, 50)), p95Ms: p95, maxMs: search.maxMs },
      maxRssMiB: maxRss,
      targets: {
        agentsCaughtUp: { target: '≤ 2× the import', measured: `${ratio}×`, met: ratio <= 2 },
        searchPaintedDuringImport: { target: 'p95 ≤ 100 ms', measured: `p95 ${p95} ms`, met: p95 <= 100 },
        rss: { target: '≤ 1 GB', measured: `${maxRss} MiB`, met: maxRss <= 1024 },
      },
    };
  } finally {
    await browser.close();
    await serve.stop();
    rmSync(corpus, { recursive: true, force: true });
  }
}
