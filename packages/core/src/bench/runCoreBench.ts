// `npm run bench -w packages/core`: runs the core benchmark and prints its JSON on stdout.
import { runCoreBench } from './coreBench.js';

const eventsArg = process.argv.find((a) => a.startsWith('--events='));
const result = await runCoreBench({
  ...(eventsArg && { events: Number(eventsArg.slice('--events='.length)) }),
  log: (message) => process.stderr.write(`${message}\n`),
});
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
