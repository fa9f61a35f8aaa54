import { runSyncBench } from './syncBench.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const result = await runSyncBench({ events: arg('events', 100_000), liveEdits: arg('edits', 200), offlineEdits: arg('offline', 10_000), log: (line) => process.stderr.write(`${line}\n`) });
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
process.exit(0);
