import { parseArgs } from 'node:util';
import { runServerBench } from './serverBench.js';

// npm run bench:server [-- --events N --live-clients N --seconds S --rounds R --no-pglite]: JSON on stdout, progress on stderr.
const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    events: { type: 'string', default: '100000' },
    workspaces: { type: 'string', default: '4' },
    pushers: { type: 'string', default: '8' },
    'live-clients': { type: 'string', default: '5000' },
    pokes: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    'no-pglite': { type: 'boolean', default: false },
  },
  strict: true,
});
const number = (name: string, raw: string | undefined) => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    process.stderr.write(`--${name} must be a positive whole number\n`);
    process.exit(2);
  }
  return value;
};
const result = await runServerBench({
  databaseUrl: values['database-url'] ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  events: number('events', values.events),
  workspaces: number('workspaces', values.workspaces),
  pushers: number('pushers', values.pushers),
  liveClients: number('live-clients', values['live-clients']),
  pokes: number('pokes', values.pokes),
  seconds: number('seconds', values.seconds),
  rounds: number('rounds', values.rounds),
  connections: number('connections', values.connections),
  pglite: !values['no-pglite'],
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
