import { closeSync, openSync, readSync } from 'node:fs';
import type { Engine } from '../../engine/engine.js';
import { NotFoundError, UnsupportedError } from '../../errors/cairnError.js';
import { decodeText } from '../extract/decodeText.js';
import { safeHtml } from './safeHtml.js';

/** How much of an original a view holds: a few megabytes are read and shown, the rest is left out (`partial`). */
export const originalViewLimit = 4 * 2 ** 20;
/** E-mails are parsed whole (attachments and all); larger ones are only downloaded. */
export const emailViewMaxBytes = 64 * 2 ** 20;

/** The types {@link originalView} can show: text-like originals. */
export const viewableOriginalTypes: ReadonlySet<string> = new Set(['text/markdown', 'text/html', 'message/rfc822']);

export interface EmailHeaders {
  readonly subject: string | null;
  readonly from: string | null;
  readonly to: string | null;
  readonly cc: string | null;
  /** ISO 8601, null when the message has no readable date. */
  readonly date: string | null;
}

/**
 * A text-like original made ready to show, JSON-serializable. HTML in it (a page, an e-mail body) is already
 * safe ({@link safeHtml}): no scripts, no remote loads. `partial`: the original was longer than
 * {@link originalViewLimit} and only its start is here. `remoteImages`: images that were left out because they
 * would be fetched from elsewhere.
 */
export type OriginalView =
  | { readonly kind: 'markdown'; readonly text: string; readonly partial: boolean }
  | { readonly kind: 'html'; readonly title: string | null; readonly html: string; readonly remoteImages: number; readonly partial: boolean }
  | {
      readonly kind: 'email';
      readonly headers: EmailHeaders;
      /** The HTML body, made safe; null when the message has only text. */
      readonly html: string | null;
      readonly text: string | null;
      readonly attachments: readonly { readonly name: string; readonly mimeType: string; readonly size: number }[];
      readonly remoteImages: number;
      readonly partial: boolean;
    };

/** A document's original as the viewer shows it: Markdown as its source, HTML and e-mail as safe HTML. */
export async function originalView(engine: Engine, id: string): Promise<OriginalView> {
  const document = engine.documents.get(id);
  const mimeType = document.mimeType;
  if (!viewableOriginalTypes.has(mimeType)) throw new UnsupportedError(`a ${mimeType} original is not shown as text; download it instead`, { id, mimeType });
  if (!engine.blobs.has(document.file.sha256)) throw new NotFoundError(`the original of ${id} is not on this device yet`, { id });
  const path = engine.blobs.pathOf(document.file.sha256);
  if (mimeType === 'message/rfc822') {
    if (document.file.size > emailViewMaxBytes) throw new UnsupportedError(`this e-mail is too large to show here (over ${emailViewMaxBytes / 2 ** 20} MB); download it instead`, { id });
    return emailView(readStart(path, emailViewMaxBytes));
  }
  const bytes = readStart(path, originalViewLimit);
  const partial = document.file.size > bytes.length;
  const text = decodeText(partial ? wholeCharacters(bytes) : bytes)?.text ?? '';
  if (mimeType === 'text/markdown') return { kind: 'markdown', text, partial };
  const { html, remoteImages } = safeHtml(text);
  return { kind: 'html', title: titleOf(text), html, remoteImages, partial };
}

async function emailView(bytes: Buffer): Promise<OriginalView> {
  const { simpleParser } = await import('mailparser');
  // mailparser turns `cid:` references to inline parts into data: URLs (kept by safeHtml).
  const mail = await simpleParser(bytes, { skipHtmlToText: true, skipTextToHtml: true });
  const addresses = (value: typeof mail.to) =>
    (Array.isArray(value) ? value : value ? [value] : [])
      .flatMap((group) => group.value)
      .map((a) => (a.name ? `${a.name} <${a.address ?? ''}>` : (a.address ?? '')))
      .join(', ') || null;
  let html: string | null = null;
  let remoteImages = 0;
  let partial = false;
  if (typeof mail.html === 'string' && mail.html.trim()) {
    let safe = safeHtml(mail.html);
    // Inline images make a body large: without them it may fit.
    if (safe.html.length > originalViewLimit) safe = safeHtml(mail.html, { images: false });
    partial = safe.html.length > originalViewLimit;
    html = partial ? safeHtml(safe.html.slice(0, originalViewLimit)).html : safe.html;
    remoteImages = safe.remoteImages;
  }
  let text = mail.text?.trim() ? mail.text : null;
  if (text !== null && text.length > originalViewLimit) {
    text = text.slice(0, originalViewLimit);
    partial = true;
  }
  return {
    kind: 'email',
    headers: {
      subject: mail.subject ?? null,
      from: addresses(mail.from),
      to: addresses(mail.to),
      cc: addresses(mail.cc),
      date: mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date.toISOString() : null,
    },
    html,
    text,
    // Inline images shown in the body are parts too, not what a person calls an attachment.
    attachments: mail.attachments.filter((a) => a.contentDisposition !== 'inline' || !a.related).map((a) => ({ name: a.filename ?? '(unnamed)', mimeType: a.contentType, size: a.size })),
    remoteImages,
    partial,
  };
}

/** The first `limit` bytes of a file (the whole file when it is smaller). */
function readStart(path: string, limit: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(limit);
    let length = 0;
    while (length < limit) {
      const read = readSync(fd, buffer, length, limit - length, length);
      if (read === 0) break;
      length += read;
    }
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

/** Bytes cut off at a limit, less a UTF-8 character the cut went through (so they still read as UTF-8). */
function wholeCharacters(bytes: Buffer): Buffer {
  let end = bytes.length;
  while (end > 0 && end > bytes.length - 4 && (bytes[end - 1]! & 0xc0) === 0x80) end -= 1;
  if (end > 0 && bytes[end - 1]! >= 0xc0) end -= 1;
  return bytes.subarray(0, end);
}

function titleOf(html: string): string | null {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(html)?.[1]?.replace(/\s+/g, ' ').trim();
  return title ? title.replace(/&(amp|lt|gt|quot|#39);/g, (_, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[name] ?? '') : null;
}
