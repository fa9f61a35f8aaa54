// `npm run bench:ui [-- --entries N --loads N --queries N]`: the UI benchmark; JSON on stdout, progress on stderr.
import { parseArgs } from 'node:util';
import { runUiBench } from './uiBench.js';

const { values } = parseArgs({ options: { entries: { type: 'string' }, loads: { type: 'string' }, queries: { type: 'string' } }, strict: true });
const number = (value: string | undefined, name: string) => {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new Error(`--${name} must be a whole number of at least 1`);
  return Number(value);
};
const entries = number(values.entries, 'entries');
const loads = number(values.loads, 'loads');
const queries = number(values.queries, 'queries');
const result = await runUiBench({
  ...(entries !== undefined && { entries }),
  ...(loads !== undefined && { loads }),
  ...(queries !== undefined && { queries }),
  log: (message) => process.stderr.write(`bench:ui: ${message}\n`),
});
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
