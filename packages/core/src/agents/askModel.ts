import type OpenAI from 'openai';
import { CairnError } from '../errors/cairnError.js';
import type { ChatMessage } from './ask.js';

/** Where answers are generated: an OpenAI-compatible chat-completions endpoint the user configured. */
export interface AskEndpoint {
  /** e.g. `http://localhost:11434/v1` (Ollama), `http://localhost:1234/v1` (LM Studio), `http://localhost:8080/v1` (llama.cpp). */
  readonly baseUrl: string;
  readonly model: string;
  readonly apiKey?: string;
  /** How long to wait for the first words and between two pieces of the answer. */
  readonly timeoutMs: number;
}

/** Why generation failed; the passages are still the answer's basis and are shown with it. */
export class AskModelError extends CairnError {
  constructor(
    readonly reason: 'down' | 'slow' | 'garbage' | 'refused',
    message: string,
    details: Record<string, unknown> = {},
    cause?: unknown,
  ) {
    super('unavailable', message, { reason, ...details }, { cause });
    this.name = 'AskModelError';
  }
}

/**
 * Streams the model's answer as text deltas, through the official `openai` client (`stream: true`: server-sent
 * events of `chat.completion.chunk`s). Never retries (a retry doubles what a slow server costs and repeats the
 * question); every failure becomes an {@link AskModelError} saying which of: not reachable, too slow, not a
 * chat-completions stream, or an HTTP error. The key and base URL are always given explicitly, so nothing of the
 * process's `OPENAI_*` environment is ever used or sent.
 */
export async function* streamAnswer(endpoint: AskEndpoint, messages: readonly ChatMessage[], signal?: AbortSignal): AsyncGenerator<string> {
  // Loaded on the first question (~150 ms), not by every process that opens an engine.
  const { default: OpenAIClient } = await import('openai');
  const client = new OpenAIClient({ baseURL: endpoint.baseUrl, apiKey: endpoint.apiKey ?? 'none', maxRetries: 0, timeout: endpoint.timeoutMs + 1_000 });
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  signal?.addEventListener('abort', onAbort);
  // The client's timeout ends with the response's headers; a stream that stops mid-way is ours to notice.
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, endpoint.timeoutMs);
  };
  const where = { baseUrl: endpoint.baseUrl, model: endpoint.model };
  let pieces = 0;
  try {
    arm();
    const stream = await client.chat.completions.create({ model: endpoint.model, messages: messages.map((m) => ({ ...m })), stream: true }, { signal: abort.signal });
    for await (const chunk of stream) {
      arm();
      const choices = (chunk as { choices?: unknown }).choices;
      if (!Array.isArray(choices)) throw new AskModelError('garbage', `the model endpoint ${endpoint.baseUrl} sent something that is not a chat-completions chunk`, where);
      pieces++;
      const content = (choices[0] as { delta?: { content?: unknown } } | undefined)?.delta?.content;
      if (typeof content === 'string' && content !== '') yield content;
    }
    // An aborted stream may just end: that is the timeout (or a cancel), not the end of the answer.
    if (timedOut || signal?.aborted === true) throw new Error('stopped');
    if (pieces === 0) throw new AskModelError('garbage', `the model endpoint ${endpoint.baseUrl} did not answer with a chat-completions stream (no events)`, where);
  } catch (error) {
    throw describe(OpenAIClient, error, endpoint, timedOut, signal?.aborted === true);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

function describe(OpenAIClient: typeof OpenAI, error: unknown, endpoint: AskEndpoint, timedOut: boolean, cancelled: boolean): CairnError {
  const where = { baseUrl: endpoint.baseUrl, model: endpoint.model };
  // Aborting may end the stream quietly (then it looks empty): what stopped it comes first.
  if (cancelled) return new CairnError('unavailable', 'the answer was cancelled', { reason: 'cancelled', ...where });
  if (timedOut || error instanceof OpenAIClient.APIConnectionTimeoutError) {
    return new AskModelError('slow', `the model at ${endpoint.baseUrl} did not answer within ${endpoint.timeoutMs / 1000} s`, { ...where, timeoutMs: endpoint.timeoutMs }, error);
  }
  if (error instanceof AskModelError) return error;
  if (error instanceof OpenAIClient.APIConnectionError) {
    return new AskModelError('down', `cannot reach the model endpoint ${endpoint.baseUrl} (${causeMessage(error)}); is the server running?`, where, error);
  }
  if (error instanceof OpenAIClient.APIError) {
    const status = (error as { status?: unknown }).status as number | undefined;
    const detail = typeof error.message === 'string' && error.message !== '' ? `: ${error.message.slice(0, 300)}` : '';
    if (status === 401 || status === 403) return new AskModelError('refused', `the model endpoint ${endpoint.baseUrl} refused the API key (HTTP ${status})`, { ...where, status }, error);
    if (status === 404) return new AskModelError('refused', `the model endpoint ${endpoint.baseUrl} does not know the model ${endpoint.model} or the path (HTTP 404)${detail}`, { ...where, status }, error);
    if (status !== undefined) return new AskModelError('garbage', `the model endpoint ${endpoint.baseUrl} answered HTTP ${status}${detail}`, { ...where, status }, error);
    // An error event in the stream (`data: {"error": …}`, as Ollama sends when a model fails mid-way).
    return new AskModelError('garbage', `the model endpoint ${endpoint.baseUrl} reported an error${detail}`, where, error);
  }
  // What is left: a body that is not server-sent events of JSON (the client's parse errors).
  const message = error instanceof Error ? error.message : String(error);
  return new AskModelError('garbage', `the model endpoint ${endpoint.baseUrl} sent a malformed answer (${message.slice(0, 200)})`, where, error);
}

function causeMessage(error: Error): string {
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  if (typeof cause?.code === 'string') return cause.code;
  const inner = (cause as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return typeof inner === 'string' ? inner : error.message;
}
