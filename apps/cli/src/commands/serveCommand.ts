import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CairnError } from '@cairn/core';
import type { CommandSpec } from '../command.js';
import { intOption } from '../parse.js';
import { createServeHost } from '../serve/serveHost.js';
import { startWebServer, type WebServer } from '../serve/webServer.js';

const serveUsage = 'serve [--port P] [--ui DIR]';
export const DEFAULT_PORT = 5180;

/** Where the built web UI is: `--ui DIR`, else @cairn/ui's `dist/web`. */
export function defaultUiDir(): string | undefined {
  try {
    return join(dirname(fileURLToPath(import.meta.resolve('@cairn/ui/package.json'))), 'dist', 'web');
  } catch {
    return undefined;
  }
}

export const serveCommand: CommandSpec = {
  name: 'serve',
  summary: 'the app in your browser: serves the UI and the engine on 127.0.0.1 (prints the link to open)',
  usage: serveUsage,
  options: { port: { type: 'string' }, ui: { type: 'string' } },
  positionals: [],
  longRunning: true,
  async run(ctx, { values }) {
    const port = intOption(values.port, '--port', serveUsage) ?? DEFAULT_PORT;
    if (port > 65_535) throw new CairnError('validation', `--port must be at most 65535, not ${port}`);
    const uiDir = typeof values.ui === 'string' ? resolve(values.ui) : defaultUiDir();
    const log = (message: string) => process.stderr.write(`cairn serve: ${message}\n`);
    // The engine, ingestion and background sync of the data directory served now; the UI can switch it to another.
    const bound: { server?: WebServer } = {};
    const host = createServeHost(ctx.dataDir, { log, onSwitched: () => bound.server?.closeSessions('data directory switched') });
    const { api } = host;
    let server: WebServer;
    try {
      // Warm the first screen's queries (statements, page cache) before anyone opens the link.
      await api.listEntries({ limit: 100 });
      await api.tags({});
      server = await startWebServer({ api, uiDir, port, files: host.files, log });
    } catch (error) {
      await host.close();
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new CairnError('busy', `port ${port} on 127.0.0.1 is in use; choose another with --port P (0 picks a free one)`);
      }
      throw error;
    }
    bound.server = server;
    ctx.out.result({ url: server.url, port: server.port, dataDir: ctx.dataDir }, () =>
      [`Cairn is running at ${ctx.out.style.bold(server.url)}`, `data: ${ctx.dataDir}`, 'Open the link above (it carries this launch\'s secret). Ctrl+C stops the server.'].join('\n'),
    );
    // A few seconds later (not competing with the first screen), in slices between requests: the scores of
    // the library's common words, so searches for them do not make FTS5 score every chunk they are in
    // (see TermScoreCache), then the partitions of the vectors if they have none or outgrew them, then the
    // document frequencies related entries weigh words by (see RelatedEntries.warmUp).
    const warmUp = setTimeout(() => {
      const { search } = host.engine;
      search
        .warmUpCommonTerms()
        .then(() => search.organizeVectors())
        .then(() => host.engine.warmUpRelated())
        .catch((error: unknown) => process.stderr.write(`cairn serve: ${(error as Error).message}\n`));
    }, 3_000);
    await new Promise<void>((done) => {
      const stop = () => done();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    clearTimeout(warmUp);
    await server.close();
    // Sync stops, ingestion finishes the jobs in hand (the rest stay queued), the database closes.
    await host.close();
  },
};
