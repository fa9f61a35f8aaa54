import { runSyncBench } from './syncBench.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
// --postgres: the server in its own process on Postgres (DATABASE_URL, or a local one), in a fresh schema dropped after the run.
const postgres = process.argv.includes('--postgres') ? (process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test') : undefined;
const result = await runSyncBench({
  events: arg('events', 100_000),
  liveEdits: arg('edits', 200),
  offlineEdits: arg('offline', 10_000),
  ...(postgres && { postgres }),
  log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
});
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
process.exit(0);
