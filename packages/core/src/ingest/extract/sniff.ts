import { fileTypeFromBuffer } from 'file-type';

/** What a file really is, from its bytes (the name only chooses between kinds of plain text). */
export type ContentKind =
  | 'text'
  | 'markdown'
  | 'csv'
  | 'tsv'
  | 'html'
  | 'xml'
  | 'email'
  | 'pdf'
  | 'zip'
  | 'cfb'
  | 'rtf'
  | 'image'
  | 'audio'
  | 'video'
  | 'archive'
  | 'binary';

export interface Sniffed {
  readonly kind: ContentKind;
  readonly mimeType: string;
}

/** Images tesseract.js reads directly (TIFF pages are split first). */
export const ocrImageTypes: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/tiff', 'image/bmp', 'image/webp', 'image/gif']);

const archiveTypes = new Set([
  'application/x-tar',
  'application/gzip',
  'application/x-7z-compressed',
  'application/x-rar-compressed',
  'application/vnd.rar',
  'application/x-bzip2',
  'application/x-xz',
  'application/zstd',
  'application/x-lzip',
  'application/x-compress',
  'application/x-lzh-compressed',
  'application/x-cpio',
  'application/x-rpm',
  'application/x-deb',
  'application/vnd.debian.binary-package',
  'application/x-iso9660-image',
  'application/x-apple-diskimage',
]);

const extension = (name: string) => /\.([^./\\]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';

/**
 * Sniffs the content type from the first bytes of a file (64 KB are plenty). ZIP- and CFB-based formats
 * (Office, OpenDocument, EPUB, Outlook) are told apart later from their entries.
 */
export async function sniff(head: Uint8Array, _name: string): Promise<Sniffed> {
  // A Unicode byte-order mark means text, whatever else its first bytes resemble (FF FE looks like MP3).
  if ((head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) || (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff) || (head[0] === 0 && head[1] === 0 && head[2] === 0xfe && head[3] === 0xff)) {
    return { kind: 'text', mimeType: 'text/plain' };
  }
  const detected = (await fileTypeFromBuffer(head).catch(() => undefined)) ?? (isTiff(head) ? { mime: 'image/tiff' } : undefined);
  if (detected) {
    const mime: string = detected.mime;
    if (mime === 'application/pdf') return { kind: 'pdf', mimeType: mime };
    if (mime === 'application/rtf') return { kind: 'rtf', mimeType: 'application/rtf' };
    if (mime === 'application/x-cfb') return { kind: 'cfb', mimeType: mime };
    if (mime === 'application/zip' || mime.startsWith('application/vnd.openxmlformats') || mime.startsWith('application/vnd.oasis.opendocument') || mime === 'application/epub+zip') {
      return { kind: 'zip', mimeType: mime };
    }
    if (mime.startsWith('image/')) return { kind: 'image', mimeType: mime };
    if (mime.startsWith('audio/')) return { kind: 'audio', mimeType: mime };
    if (mime.startsWith('video/') || mime === 'application/vnd.rn-realmedia' || mime === 'application/x-shockwave-flash') return { kind: 'video', mimeType: mime };
    if (archiveTypes.has(mime)) return { kind: 'archive', mimeType: mime };
    if (mime !== 'application/xml' && mime !== 'image/svg+xml' && mime !== 'text/calendar' && mime !== 'text/vcard') return { kind: 'binary', mimeType: mime };
  }
  return { kind: 'text', mimeType: 'text/plain' };
}

/**
 * A TIFF's header: byte order (`II` or `MM`), then 42 (or 43, BigTIFF). file-type follows the first directory to tell
 * TIFF from the camera formats built on it, and when that directory lies past the sniffed bytes — as scanners and fax
 * software write it, after the image data — it answers nothing; the header alone still says TIFF.
 */
function isTiff(head: Uint8Array): boolean {
  if (head.length < 8) return false;
  const little = head[0] === 0x49 && head[1] === 0x49 && (head[2] === 42 || head[2] === 43) && head[3] === 0;
  const big = head[0] === 0x4d && head[1] === 0x4d && head[2] === 0 && (head[3] === 42 || head[3] === 43);
  return little || big;
}

/** Which kind of text, from the decoded text's start and the name's extension. */
export type TextKind = Extract<ContentKind, 'text' | 'markdown' | 'csv' | 'tsv' | 'html' | 'xml' | 'email'>;

export function textKind(text: string, name: string): { readonly kind: TextKind; readonly mimeType: string } {
  const start = text.slice(0, 4096).replace(/^\uFEFF/, '');
  const trimmed = start.trimStart().toLowerCase();
  if (/^(<!doctype html|<html[\s>]|<head[\s>]|<body[\s>])/.test(trimmed) || (/^<\?xml/.test(trimmed) && /<html[\s>]/.test(trimmed))) return { kind: 'html', mimeType: 'text/html' };
  if (/^<\?xml|^<svg[\s>]|^<!doctype svg/.test(trimmed)) return { kind: 'xml', mimeType: /<svg[\s>]/.test(trimmed) ? 'image/svg+xml' : 'application/xml' };
  if (looksLikeEmail(start)) return { kind: 'email', mimeType: 'message/rfc822' };
  const ext = extension(name);
  if (ext === 'md' || ext === 'markdown' || ext === 'mdown' || ext === 'mkd') return { kind: 'markdown', mimeType: 'text/markdown' };
  if (ext === 'csv') return { kind: 'csv', mimeType: 'text/csv' };
  if (ext === 'tsv' || ext === 'tab') return { kind: 'tsv', mimeType: 'text/tab-separated-values' };
  if ((ext === 'htm' || ext === 'html' || ext === 'xhtml') && /<[a-z][\s\S]*>/i.test(start)) return { kind: 'html', mimeType: 'text/html' };
  return { kind: 'text', mimeType: 'text/plain' };
}

/** RFC 5322 headers up to a blank line, with at least two of the headers mail always has. */
function looksLikeEmail(start: string): boolean {
  const end = start.search(/\r?\n\r?\n/);
  if (end <= 0) return false;
  const lines = start.slice(0, end).split(/\r?\n/);
  if (!lines.every((line) => /^[\x21-\x39\x3b-\x7e]+:/.test(line) || /^[ \t]/.test(line))) return false;
  const names = new Set(lines.map((l) => l.split(':')[0]!.toLowerCase()));
  return ['from', 'to', 'subject', 'date', 'received', 'message-id', 'mime-version'].filter((h) => names.has(h)).length >= 2;
}
