// A worker thread that extracts documents' text (see WorkerPool). It receives a batch of tasks and
// answers with one outcome per task; extraction never throws (failures are outcomes).
import { parentPort } from 'node:worker_threads';
import { extractDocument, type ExtractOutcome, type ExtractTask } from './extract/extractDocument.js';

parentPort?.on('message', (message: { id: number; task: ExtractTask[] }) => {
  void (async () => {
    const outcomes: ExtractOutcome[] = [];
    for (const task of message.task) outcomes.push(await extractDocument(task));
    parentPort?.postMessage({ id: message.id, ok: true, result: outcomes });
  })().catch((error: unknown) => parentPort?.postMessage({ id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) }));
});
