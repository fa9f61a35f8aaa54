import { errorFromData, type AskResult, type AskSettings, type AskSettingsChange } from '@cairn/core';
import type { CommandSpec } from '../command.js';
import type { Output } from '../output.js';
import { intOption } from '../parse.js';
import { usageError } from '../usageError.js';
import { fromMarkup } from './searchCommands.js';

const askUsage = [
  'ask QUESTION... [--limit N]',
  '       cairn ask --set-endpoint URL --model NAME [--api-key KEY] [--timeout SECONDS]',
  '       cairn ask --settings | --clear-endpoint',
].join('\n');

/**
 * `cairn ask`: an answer from your own entries, streamed as the model writes it, then the passages it cites (title,
 * where, the quoted words). Without a model, the best passages and how to set one. With --json, one object at the
 * end (the engine's AskResult; a model's failure is its `error`, the passages still there).
 */
export const askCommand: CommandSpec = {
  name: 'ask',
  summary: 'answer a question from your entries, citing the passages (a model at an OpenAI-compatible endpoint)',
  usage: askUsage,
  options: {
    limit: { type: 'string' },
    'set-endpoint': { type: 'string' },
    model: { type: 'string' },
    'api-key': { type: 'string' },
    timeout: { type: 'string' },
    settings: { type: 'boolean' },
    'clear-endpoint': { type: 'boolean' },
  },
  positionals: ['QUESTION?'],
  variadic: true,
  async run(ctx, { values, positionals }) {
    const api = ctx.api();
    const change: AskSettingsChange = {
      ...(values['set-endpoint'] !== undefined && { baseUrl: String(values['set-endpoint']) }),
      ...(values.model !== undefined && { model: String(values.model) }),
      ...(values['api-key'] !== undefined && { apiKey: String(values['api-key']) }),
      ...(values.timeout !== undefined && { timeoutMs: intOption(values.timeout, '--timeout', askUsage, 1)! * 1000 }),
      ...(values['clear-endpoint'] === true && { baseUrl: null, model: null, apiKey: null }),
    };
    if (Object.keys(change).length > 0 || values.settings === true) {
      if (positionals.length > 0) throw usageError('ask: give either a question or settings, not both', askUsage);
      const settings = Object.keys(change).length > 0 ? await api.setAskSettings(change) : await api.askSettings({});
      ctx.out.result(settings, () => renderSettings(ctx.out, settings));
      return;
    }
    const question = positionals.join(' ').trim();
    if (question === '') throw usageError('ask needs a question', askUsage);
    const limit = intOption(values.limit, '--limit', askUsage, 1);
    const askId = `cli-${process.pid}-${Date.now()}`;
    let streamed = false;
    const unsubscribe = api.subscribe((notice) => {
      if (ctx.out.json || notice.type !== 'ask' || notice.askId !== askId || notice.delta === undefined) return;
      ctx.out.write(notice.delta);
      streamed = true;
    });
    let result: AskResult;
    try {
      result = await api.ask({ question, askId, ...(limit !== undefined && { limit }) });
    } finally {
      unsubscribe();
    }
    if (ctx.out.json) ctx.out.data(result);
    else {
      if (streamed) ctx.out.line();
      ctx.out.line(renderAnswer(ctx.out, result));
    }
    // The passages are printed; a model that failed still fails the command (exit code of `unavailable`, the error on stderr).
    if (result.error) throw errorFromData(result.error);
  },
};

function renderAnswer(out: Output, result: AskResult): string {
  const { bold, dim, yellow } = out.style;
  const lines: string[] = [];
  const shown = (text: string, max = 300) => {
    const flat = text.replace(/\s+/g, ' ').trim();
    return flat.length > max ? `${flat.slice(0, max)}…` : flat;
  };
  const where = (p: { source: string; start: number; end: number; entryId: string }) => dim(`${p.source === 'body' ? 'note body' : 'document text'} ${p.start}–${p.end} · ${p.entryId}`);
  if (result.answer !== null && result.citations.length > 0) {
    lines.push('', bold('Citations'));
    const seen = new Set<string>();
    for (const c of result.citations) {
      const key = `${c.n}:${c.highlight.start}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const passage = result.passages.find((p) => p.n === c.n)!;
      lines.push(`[${c.n}] ${bold(passage.title)}  ${where(c)}`);
      const quoted = c.quoteFound ? passage.text.slice(c.highlight.start - c.start, c.highlight.end - c.start) : passage.text;
      lines.push(`    “${shown(quoted)}”${c.quote !== null && c.quoteFound === false ? dim(' (the quoted words are not in this passage)') : ''}`);
    }
  } else {
    if (result.answer === null) lines.push(bold('Passages'));
    else lines.push('', bold('Passages given to the model (the answer cites none)'));
    for (const p of result.passages) {
      lines.push(`${p.n}. ${bold(p.title)}  ${where(p)}`);
      lines.push(`   ${fromMarkup(p.snippet, yellow)}`);
    }
    if (result.passages.length === 0) lines.push('no passages found');
  }
  for (const notice of result.notices) lines.push(dim(`note: ${notice}`));
  if (result.model) lines.push(dim(`${result.model.model} at ${result.model.baseUrl} · ${result.mode} search`));
  return lines.join('\n');
}

function renderSettings(out: Output, settings: AskSettings): string {
  const { bold, dim } = out.style;
  if (settings.baseUrl === null || settings.model === null) {
    return [`${bold('no model is set')}${settings.baseUrl ? dim(` (endpoint ${settings.baseUrl}, no model name)`) : ''}`, dim('set one: cairn ask --set-endpoint http://localhost:11434/v1 --model llama3.2')].join('\n');
  }
  return [`${bold(settings.model)} at ${settings.baseUrl}`, dim(`API key ${settings.hasApiKey ? 'set' : 'not set'} · timeout ${settings.timeoutMs / 1000} s`)].join('\n');
}
