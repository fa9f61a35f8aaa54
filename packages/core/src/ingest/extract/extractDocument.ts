import { readFileSync } from 'node:fs';
import { BlobStore } from '../../blobs/blobStore.js';
import { prepareText, type PreparedChunk } from '../../search/preparedText.js';
import type { DocumentProcessedData } from '../../domain/document/events.js';
import { decodeText } from './decodeText.js';
import { describeError, empty, ExtractionError, unsupported } from './extractionError.js';
import { finishText } from './finishText.js';
import { extractCompound } from './formats/compoundFile.js';
import { extractEml } from './formats/email.js';
import { epubMime, extractEpub } from './formats/epub.js';
import { htmlToText } from './formats/html.js';
import { extractImage } from './formats/image.js';
import { extractDocx, extractWithOfficeParser, odpMime, odsMime, odtMime, pptxMime } from './formats/office.js';
import { extractPdf } from './formats/pdf.js';
import { extractRtf } from './formats/rtf.js';
import { extractDelimited, extractXlsx } from './formats/spreadsheet.js';
import type { Extracted, Part } from './parts.js';
import { readHead } from './readHead.js';
import { sniff, textKind } from './sniff.js';
import { inspectZip } from './zipGuard.js';

/** One document to extract, as the runtime hands it to a worker thread. */
export interface ExtractTask {
  readonly entryId: string;
  /** The stored original. */
  readonly blobPath: string;
  readonly name: string;
  readonly dataDir: string;
  /** A folder of its own for page images (the runtime removes it). */
  readonly tempDir: string;
}

export type ExtractOutcome =
  | { readonly kind: 'done'; readonly result: DocumentProcessedData; readonly prepared?: readonly PreparedChunk[] }
  | { readonly kind: 'ocr'; readonly mimeType: string; readonly pageCount: number | null; readonly parts: Part[]; readonly warnings: string[] }
  | { readonly kind: 'failed'; readonly code: ExtractionError['code']; readonly reason: string; readonly retryable: boolean };

const HEAD_BYTES = 64 * 1024;

/**
 * Sniffs what the file really is, extracts its text, and stores the text as a blob — or, when pages
 * need OCR, returns the text so far with the images to read. Never throws: every failure is an outcome
 * with a reason a person can act on.
 */
export async function extractDocument(task: ExtractTask): Promise<ExtractOutcome> {
  try {
    const extracted = await extractFile(task);
    if (extracted.parts.some((part) => 'image' in part)) {
      return { kind: 'ocr', mimeType: extracted.mimeType, pageCount: extracted.pageCount, parts: extracted.parts, warnings: extracted.warnings };
    }
    const text = extracted.parts.map((part) => ('text' in part ? part.text : '')).join('');
    const stored = storeText(new BlobStore(task.dataDir), text, extracted, false);
    // Chunked and analyzed here, on this thread's core, for the search index (see PreparedTexts).
    return { kind: 'done', result: stored.data, prepared: prepareText(stored.text) };
  } catch (error) {
    if (error instanceof ExtractionError) return { kind: 'failed', code: error.code, reason: error.message, retryable: error.retryable };
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'failed', code: 'unreadable', reason: 'the stored original is missing from the blob store', retryable: false };
    if (typeof code === 'string' && code.startsWith('E')) return { kind: 'failed', code: 'unreadable', reason: `could not read the stored original: ${describeError(error)}`, retryable: true };
    return { kind: 'failed', code: 'corrupt', reason: `could not read the file: ${describeError(error)}`, retryable: false };
  }
}

/** Normalizes the text, stores it as a UTF-8 blob and describes it for DocumentProcessed. */
export function storeText(
  blobs: BlobStore,
  raw: string,
  extracted: Pick<Extracted, 'mimeType' | 'pageCount' | 'warnings' | 'verbatim'>,
  ocrUsed: boolean,
): { data: DocumentProcessedData; text: string } {
  const finished = finishText(raw, { verbatim: extracted.verbatim === true });
  const warnings = [...extracted.warnings];
  if (finished.chars === 0) warnings.push(ocrUsed ? 'no text was recognized' : 'the document has no text');
  const { sha256 } = blobs.putText(finished.text);
  const data: DocumentProcessedData = {
    textSha256: sha256,
    mimeType: extracted.mimeType,
    pageCount: extracted.pageCount,
    ocrUsed,
    language: finished.language,
    chars: finished.chars,
    ...(warnings.length > 0 && { warnings: warnings.slice(0, 50) }),
  };
  return { data, text: finished.text };
}

async function extractFile(task: ExtractTask): Promise<Extracted> {
  const head = readHead(task.blobPath, HEAD_BYTES);
  if (head.length === 0) throw empty('the file is empty (0 bytes)');
  const sniffed = await sniff(head, task.name);
  const what = (kind: string) => `${kind} (${sniffed.mimeType})`;
  const bytes = head.length < HEAD_BYTES ? head : readFileSync(task.blobPath);
  const input = { bytes, name: task.name, path: task.blobPath, tempDir: task.tempDir, mimeType: sniffed.mimeType };
  switch (sniffed.kind) {
    case 'audio':
      throw unsupported(`${what('audio')} has no text Cairn can extract`);
    case 'video':
      throw unsupported(`${what('video')} has no text Cairn can extract`);
    case 'archive':
      throw unsupported(`${what('archives')} are not imported; unpack it and import the folder`);
    case 'binary':
      throw unsupported(`${sniffed.mimeType} files cannot be read as documents`);
    case 'pdf':
      return extractPdf(input);
    case 'image':
      return extractImage(input);
    case 'rtf':
      return extractRtf(bytes);
    case 'cfb':
      return extractCompound(bytes);
    case 'zip':
      return extractZipBased(bytes);
    case 'text':
    case 'markdown':
    case 'csv':
    case 'tsv':
    case 'html':
    case 'xml':
    case 'email':
      // Which kind of text is decided from the decoded text.
      return extractText(bytes, task.name);
    default:
      return assertNever(sniffed.kind);
  }
}

/** ZIP containers: which format, from the entries inside (after checking it is safe to unpack). */
async function extractZipBased(bytes: Buffer): Promise<Extracted> {
  const names = inspectZip(bytes);
  if (names.has('word/document.xml')) return extractDocx(bytes);
  if (names.has('ppt/presentation.xml')) return extractWithOfficeParser(bytes, pptxMime, 'PowerPoint presentation');
  if (names.has('xl/workbook.xml')) return extractXlsx(bytes);
  if (names.has('mimetype')) {
    const { strFromU8, unzipSync } = await import('fflate');
    const mimetype = strFromU8(unzipSync(bytes, { filter: (f) => f.name === 'mimetype' }).mimetype ?? new Uint8Array()).trim();
    if (mimetype === epubMime) return extractEpub(bytes);
    if (mimetype === odtMime) return extractWithOfficeParser(bytes, odtMime, 'OpenDocument text');
    if (mimetype === odpMime) return extractWithOfficeParser(bytes, odpMime, 'OpenDocument presentation');
    if (mimetype === odsMime) return extractWithOfficeParser(bytes, odsMime, 'OpenDocument spreadsheet');
  }
  if (names.has('[Content_Types].xml')) throw unsupported('this Office Open XML package is neither a Word, PowerPoint nor Excel file');
  throw unsupported('ZIP archives are not imported; unpack it and import the folder');
}

async function extractText(bytes: Buffer, name: string): Promise<Extracted> {
  const decoded = decodeText(bytes);
  if (!decoded) throw unsupported('unknown binary format: the file is neither text nor a known document type');
  if (decoded.text.trim().length === 0) throw empty('the file contains only whitespace');
  const kind = textKind(decoded.text, name);
  const warnings: string[] = decoded.text.includes('\ufffd') && decoded.encoding !== 'utf-8' ? [`some characters could not be read as ${decoded.encoding}`] : [];
  switch (kind.kind) {
    case 'html':
    case 'xml':
      return { mimeType: kind.mimeType, pageCount: null, parts: [{ text: htmlToText(decoded.text) }], warnings };
    case 'email':
      return extractEml(bytes);
    case 'csv':
      return extractDelimited(decoded.text, 'text/csv');
    case 'tsv':
      return extractDelimited(decoded.text, 'text/tab-separated-values');
    case 'text':
    case 'markdown':
      return { mimeType: kind.mimeType, pageCount: null, parts: [{ text: decoded.text }], warnings, verbatim: true };
    default:
      return assertNever(kind.kind);
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled content kind ${JSON.stringify(value)}`);
}
