import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@cairn\/core$/, replacement: here('./packages/core/src/index.ts') },
      { find: /^@cairn\/core\/domain$/, replacement: here('./packages/core/src/domain/index.ts') },
      { find: /^@cairn\/core\/protocol$/, replacement: here('./packages/core/src/protocol/index.ts') },
      { find: /^@cairn\/sync-server$/, replacement: here('./apps/sync-server/src/index.ts') },
      { find: /^@cairn\/core\/bench$/, replacement: here('./packages/core/src/bench/coreBench.ts') },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts'],
    testTimeout: 30_000,
    // A browser test's setup waits up to a minute for a cold app (harness.appReadyTimeout), after starting it.
    hookTimeout: 120_000,
    pool: 'forks',
    // Hosts record every data directory they open in the user's list (data-dirs.json): tests keep theirs apart.
    env: { CAIRN_CONFIG_DIR: join(tmpdir(), `cairn-test-config-${process.pid}`) },
    // Browser tests wait for what a person would see; on a busy machine that can take more than 1 s.
    expect: { poll: { timeout: 5_000 } },
  },
});
