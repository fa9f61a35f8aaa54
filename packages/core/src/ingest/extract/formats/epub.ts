import { strFromU8, unzipSync } from 'fflate';
import { posix } from 'node:path';
import { corrupt } from '../extractionError.js';
import type { Extracted } from '../parts.js';
import { htmlToText } from './html.js';

export const epubMime = 'application/epub+zip';

const attribute = (tag: string, name: string) => new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)')`, 'i').exec(tag)?.slice(2).find((v) => v !== undefined);

/**
 * An EPUB book: the chapters in reading order (the package's spine), each XHTML chapter as text.
 * The ZIP container was checked by inspectZip before this runs.
 */
export function extractEpub(bytes: Uint8Array): Extracted {
  const files = unzipSync(bytes, { filter: (file) => file.name === 'META-INF/container.xml' || /\.(opf|x?html?|xml)$/i.test(file.name) });
  const read = (name: string) => (files[name] ? strFromU8(files[name]) : undefined);
  const container = read('META-INF/container.xml');
  const opfPath = container && /<rootfile\b[^>]*>/i.exec(container)?.[0];
  const packagePath = opfPath ? attribute(opfPath, 'full-path') : undefined;
  const opf = packagePath ? read(packagePath) : undefined;
  if (!packagePath || !opf) throw corrupt('not a readable EPUB: its container does not name a package document');
  const manifest = new Map<string, string>();
  for (const tag of opf.match(/<(?:opf:)?item\b[^>]*>/gi) ?? []) {
    const id = attribute(tag, 'id');
    const href = attribute(tag, 'href');
    if (id && href) manifest.set(id, posix.normalize(posix.join(posix.dirname(packagePath), decodeURIComponent(href))));
  }
  const chapters: string[] = [];
  const warnings: string[] = [];
  for (const tag of opf.match(/<(?:opf:)?itemref\b[^>]*>/gi) ?? []) {
    const href = manifest.get(attribute(tag, 'idref') ?? '');
    const html = href ? read(href) : undefined;
    if (html === undefined) {
      warnings.push(`a chapter listed in the book (${href ?? attribute(tag, 'idref')}) is missing`);
      continue;
    }
    const text = htmlToText(html).trim();
    if (text) chapters.push(text);
  }
  const title = /<dc:title[^>]*>([^<]*)<\/dc:title>/i.exec(opf)?.[1]?.trim();
  return { mimeType: epubMime, pageCount: null, parts: [{ text: [title, ...chapters].filter(Boolean).join('\n\n') }], warnings };
}
