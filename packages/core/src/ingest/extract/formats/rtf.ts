import iconv from 'iconv-lite';
import { Tokenize } from 'rtf-stream-parser';
import { corrupt, describeError } from '../extractionError.js';
import { textOf, type Extracted } from '../parts.js';

/**
 * Rich Text Format through rtf-stream-parser: its tokenizer and its plain-text converter (which handles
 * code pages, font charsets and `\uN` with `\ucN`). The converter is not part of the package's index,
 * so it is imported by path (the version is pinned). In between, a filter drops destinations that are
 * not body text (document info, pictures, headers, fields' instructions, …) and turns table cells and
 * rows into separators.
 */
const skippedDestinations = new Set([
  'info', 'pict', 'object', 'header', 'headerl', 'headerr', 'headerf', 'footer', 'footerl', 'footerr', 'footerf', 'fldinst', 'themedata',
  'colorschememapping', 'datastore', 'latentstyles', 'listtable', 'listoverridetable', 'rsidtbl', 'xmlnstbl', 'mmathPr', 'generator',
  'filetbl', 'revtbl', 'pgdsctbl', 'bkmkstart', 'bkmkend', 'xe', 'tc', 'nonshppict', 'shppict', 'sp',
]);

interface Token {
  type: number;
  word?: string;
  param?: number;
  data?: Buffer;
}
const GROUP_START = 0;
const GROUP_END = 1;
const CONTROL = 2;

interface PlainTextConverter {
  _transform(token: Token, encoding: string, done: (error?: unknown) => void): void;
  _flush(done: (error?: unknown) => void): void;
  push(piece: unknown): boolean;
}

const plainTextModule: string = 'rtf-stream-parser/dist/src/ToPlainText.js';

export async function extractRtf(bytes: Buffer): Promise<Extracted> {
  const { ToPlainText } = (await import(plainTextModule)) as { ToPlainText: new (options: object) => PlainTextConverter };
  const decode = (buffer: Buffer, encoding: string) => (iconv.encodingExists(encoding) ? iconv.decode(buffer, encoding) : buffer.toString('latin1'));
  const converter = new ToPlainText({ decode, warn: () => undefined });
  const out: string[] = [];
  const rethrow = (error?: unknown) => {
    if (error) throw error instanceof Error ? error : new Error(describeError(error));
  };
  converter.push = (piece) => {
    if (typeof piece === 'string') out.push(piece);
    return true;
  };
  const tokenizer = new Tokenize();
  const forward = (token: Token) => converter._transform(token, '', rethrow);
  let depth = 0;
  let skipDepth = -1;
  let pending: { optional: boolean } | undefined;
  tokenizer.push = (raw: unknown) => {
    if (raw === null) return true;
    const token = raw as Token;
    if (skipDepth >= 0) {
      if (token.type === GROUP_START) depth++;
      else if (token.type === GROUP_END && --depth < skipDepth) skipDepth = -1;
      return true;
    }
    if (pending) {
      if (token.type === CONTROL && token.word === '*' && !pending.optional) {
        pending.optional = true;
        return true;
      }
      const { optional } = pending;
      pending = undefined;
      if (token.type === CONTROL && token.word !== undefined && skippedDestinations.has(token.word)) {
        skipDepth = depth;
        return true;
      }
      forward({ type: GROUP_START });
      if (optional) forward({ type: CONTROL, word: '*' });
    }
    if (token.type === GROUP_START) {
      depth++;
      pending = { optional: false };
      return true;
    }
    if (token.type === GROUP_END) depth--;
    if (token.type === CONTROL && token.word === 'cell') forward({ type: CONTROL, word: 'tab' });
    else if (token.type === CONTROL && token.word === 'row') forward({ type: CONTROL, word: 'par' });
    else forward(token);
    return true;
  };
  try {
    (tokenizer as unknown as { _transform(chunk: Buffer, encoding: string, done: (e?: unknown) => void): void })._transform(bytes, '', rethrow);
    (tokenizer as unknown as { _flush(done: (e?: unknown) => void): void })._flush(rethrow);
    converter._flush(rethrow);
  } catch (error) {
    throw corrupt(`not a readable RTF document: ${describeError(error)}`);
  }
  return textOf('application/rtf', out.join('').replace(/\t+\n/g, '\n'));
}
