import type { Statement } from 'better-sqlite3';
import { toErrorData, ValidationError, type ErrorData } from '../errors/cairnError.js';
import type { Database } from '../store/database.js';
import { matchExpression } from '../search/lexicalSearch.js';
import { parseQuery } from '../search/queryParser.js';
import type { SearchService } from '../search/searchService.js';
import type { SearchMode } from '../search/searchViews.js';
import { makeSnippet } from '../search/snippet.js';
import { buildAskMessages, parseCitations, type AskCitation, type AskPassage } from './ask.js';
import { streamAnswer, type AskEndpoint } from './askModel.js';

/** Where answers are generated, as the API shows it: the key is never shown, only whether one is set. */
export interface AskSettings {
  readonly baseUrl: string | null;
  readonly model: string | null;
  readonly hasApiKey: boolean;
  readonly timeoutMs: number;
}

export interface AskSettingsChange {
  /** null clears it. */
  readonly baseUrl?: string | null;
  readonly model?: string | null;
  readonly apiKey?: string | null;
  readonly timeoutMs?: number;
}

export interface AskParams {
  readonly question: string;
  /** How many passages the answer may use (default 6). */
  readonly limit?: number;
  /** The caller's id for this question, which the `ask` notices carry (default: one made here). */
  readonly askId?: string;
}

/** Streamed while an answer is made: first the passages, then each piece of the answer as the model writes it. */
export interface EngineAskNotice {
  readonly type: 'ask';
  readonly askId: string;
  readonly passages?: readonly AskPassage[];
  readonly delta?: string;
}

export interface AskResult {
  readonly askId: string;
  readonly question: string;
  /** The model's answer (as far as it got when it failed); null when no model was asked. */
  readonly answer: string | null;
  /** The passages the answer was given, best first; without a model, they are the answer. */
  readonly passages: AskPassage[];
  readonly citations: AskCitation[];
  /** Passage numbers the answer cited that do not exist: dropped, not mapped to a guess. */
  readonly droppedCitations: number[];
  /** The model asked, or null when none is set (or there was nothing to give it). */
  readonly model: { readonly baseUrl: string; readonly model: string } | null;
  /** Why the model did not answer (unreachable, too slow, garbage); the passages are still there. */
  readonly error: ErrorData | null;
  /** The search mode that found the passages (lexical without an embedding model). */
  readonly mode: SearchMode;
  readonly notices: string[];
}

export const defaultAskLimit = 6;
export const maxAskLimit = 20;
export const defaultAskTimeoutMs = 60_000;
export const noModelNotice = 'no model is set: these are the best passages (set one with `cairn ask --set-endpoint URL --model NAME`, or in Settings)';

interface AskServiceOptions {
  readonly db: Database;
  readonly search: SearchService;
  readonly emit: (notice: EngineAskNotice) => void;
  readonly newId: () => string;
}

/**
 * Ask: the passages of the user's own entries that search finds for a question, given numbered to the model the
 * user configured, whose streamed answer's citations are mapped back to them. Without a model, the passages are
 * the answer. Settings live in `ask_settings` in this data directory's database (local, never an event).
 */
export class AskService {
  private readonly readSetting: Statement;
  private readonly writeSetting: Statement;
  private readonly clearSetting: Statement;
  private readonly chunkText: Statement;
  private readonly otherChunks: Statement;
  private readonly running = new Map<string, AbortController>();

  constructor(private readonly options: AskServiceOptions) {
    const { db } = options;
    db.exec(`CREATE TABLE IF NOT EXISTS ask_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID`);
    this.readSetting = db.prepare(`SELECT value FROM ask_settings WHERE key = ?`).pluck();
    this.writeSetting = db.prepare(`INSERT INTO ask_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
    this.clearSetting = db.prepare(`DELETE FROM ask_settings WHERE key = ?`);
    this.chunkText = db.prepare(`SELECT text FROM search_chunks WHERE entry_id = ? AND source = ? AND start = ? AND end = ? LIMIT 1`).pluck();
    // An entry's other chunks that match the question's words, best first (body words decide: every chunk carries the title).
    this.otherChunks = db.prepare(
      `SELECT c.source, c.start, c.end, c.text FROM search_fts f JOIN search_chunks c ON c.id = f.rowid
       WHERE search_fts MATCH ? AND c.entry_id = ? AND NOT (c.source = ? AND c.start = ?) ORDER BY bm25(search_fts, 0, 1, 0, 0) LIMIT ?`,
    );
  }

  settings(): AskSettings {
    const get = (key: string) => this.readSetting.get(key) as string | undefined;
    const timeout = Number(get('timeoutMs'));
    return { baseUrl: get('baseUrl') ?? null, model: get('model') ?? null, hasApiKey: get('apiKey') !== undefined, timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : defaultAskTimeoutMs };
  }

  setSettings(change: AskSettingsChange): AskSettings {
    if (change.baseUrl !== undefined && change.baseUrl !== null) checkBaseUrl(change.baseUrl);
    if (change.model !== undefined && change.model !== null && change.model.trim() === '') throw new ValidationError('the model name is empty');
    if (change.timeoutMs !== undefined && (!Number.isInteger(change.timeoutMs) || change.timeoutMs < 100 || change.timeoutMs > 3_600_000)) {
      throw new ValidationError('the timeout must be between 100 ms and 1 hour');
    }
    this.options.db.transaction(() => {
      const put = (key: string, value: string | null | undefined) => {
        if (value === undefined) return;
        if (value === null || value === '') this.clearSetting.run(key);
        else this.writeSetting.run(key, value);
      };
      put('baseUrl', change.baseUrl?.trim().replace(/\/+$/, ''));
      put('model', change.model?.trim());
      put('apiKey', change.apiKey);
      put('timeoutMs', change.timeoutMs === undefined ? undefined : String(change.timeoutMs));
    })();
    return this.settings();
  }

  /** Stops an answer being made (the call returns what was written so far, with a `cancelled` error). */
  cancel(askId: string): boolean {
    const controller = this.running.get(askId);
    controller?.abort();
    return controller !== undefined;
  }

  async ask(params: AskParams): Promise<AskResult> {
    const question = params.question.trim();
    if (question === '') throw new ValidationError('the question is empty');
    const limit = params.limit ?? defaultAskLimit;
    if (!Number.isInteger(limit) || limit < 1 || limit > maxAskLimit) throw new ValidationError(`limit must be between 1 and ${maxAskLimit}`);
    const askId = params.askId ?? this.options.newId();
    if (this.running.has(askId)) throw new ValidationError(`a question with id ${askId} is already being answered`);

    const found = await this.options.search.search({ query: question, limit });
    const passages: AskPassage[] = [];
    for (const result of found.results) {
      const text = this.chunkText.get(result.entryId, result.chunk.source, result.chunk.start, result.chunk.end) as string | undefined;
      if (text === undefined) continue;
      passages.push({ n: passages.length + 1, entryId: result.entryId, title: result.title, kind: result.kind, ...result.chunk, text, snippet: result.snippet, score: result.score });
    }
    // Room left (few entries found): their next-best chunks, so a long document can answer with more than one passage.
    const match = passages.length > 0 && passages.length < limit ? matchExpression(parseQuery(question)) : undefined;
    if (match !== undefined) {
      for (const first of [...passages]) {
        if (passages.length >= limit) break;
        const more = this.otherChunks.all(match, first.entryId, first.source, first.start, limit - passages.length) as Pick<AskPassage, 'source' | 'start' | 'end' | 'text'>[];
        for (const chunk of more) passages.push({ ...first, ...chunk, n: passages.length + 1, snippet: makeSnippet(chunk.text, queryTerms(question)), score: 0 });
      }
    }
    const notices = [...found.notices];
    this.options.emit({ type: 'ask', askId, passages });
    const base = { askId, question, passages, mode: found.mode };
    const endpoint = this.endpoint();
    if (endpoint === undefined) {
      return { ...base, answer: null, citations: [], droppedCitations: [], model: null, error: null, notices: [...notices, noModelNotice] };
    }
    if (passages.length === 0) {
      return { ...base, answer: null, citations: [], droppedCitations: [], model: null, error: null, notices: [...notices, 'nothing in your entries matches the question, so the model was not asked'] };
    }

    const controller = new AbortController();
    this.running.set(askId, controller);
    let answer = '';
    let error: ErrorData | null = null;
    try {
      for await (const delta of streamAnswer(endpoint, buildAskMessages(question, passages), controller.signal)) {
        answer += delta;
        this.options.emit({ type: 'ask', askId, delta });
      }
    } catch (failure) {
      error = toErrorData(failure);
    } finally {
      this.running.delete(askId);
    }
    const { citations, dropped } = parseCitations(answer, passages);
    if (dropped.length > 0) {
      notices.push(`the answer cited ${dropped.map((n) => `[${n}]`).join(', ')}, which ${dropped.length === 1 ? 'is' : 'are'} not among the ${passages.length} passages; dropped`);
    }
    return { ...base, answer, citations, droppedCitations: dropped, model: { baseUrl: endpoint.baseUrl, model: endpoint.model }, error, notices };
  }

  /** The configured endpoint; undefined unless both a base URL and a model are set (then nothing is sent anywhere). */
  private endpoint(): AskEndpoint | undefined {
    const settings = this.settings();
    if (settings.baseUrl === null || settings.model === null) return undefined;
    const apiKey = this.readSetting.get('apiKey') as string | undefined;
    return { baseUrl: settings.baseUrl, model: settings.model, timeoutMs: settings.timeoutMs, ...(apiKey !== undefined && { apiKey }) };
  }
}

function queryTerms(question: string): Set<string> {
  const query = parseQuery(question);
  return new Set([...query.terms, ...query.phrases.flat()]);
}

function checkBaseUrl(value: string): void {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new ValidationError(`the endpoint ${JSON.stringify(value)} is not a URL (e.g. http://localhost:11434/v1)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ValidationError(`the endpoint must be an http:// or https:// URL, not ${url.protocol}`);
}
