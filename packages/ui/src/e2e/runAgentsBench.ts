// `npm run bench:agents [-- --files N]`: the agents benchmark; JSON on stdout, progress on stderr.
import { parseArgs } from 'node:util';
import { runAgentsBench } from './agentsBench.js';

const { values } = parseArgs({ options: { files: { type: 'string' } }, strict: true });
if (values.files !== undefined && (!/^\d+$/.test(values.files) || Number(values.files) < 10)) throw new Error('--files must be a whole number of at least 10');
const result = await runAgentsBench({
  ...(values.files !== undefined && { files: Number(values.files) }),
  log: (message) => process.stderr.write(`bench:agents: ${message}\n`),
});
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
