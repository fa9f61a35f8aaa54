import { corrupt, describeError, encrypted, unsupported } from '../extractionError.js';
import { textOf, type Extracted } from '../parts.js';
import { extractMsg } from './email.js';

export type CompoundKind = 'doc' | 'msg' | 'encrypted-office' | 'xls' | 'ppt' | 'other';

/**
 * What a Compound File (OLE2) holds, from its stream names: a Word 97–2003 document, an Outlook
 * message, a password-protected Office Open XML file (stored encrypted inside a compound file), or a
 * legacy Excel or PowerPoint file.
 */
export async function compoundKind(bytes: Buffer): Promise<CompoundKind> {
  const CFB = (await import('cfb')).default;
  let names: string[];
  try {
    names = CFB.read(bytes, { type: 'buffer' }).FileIndex.map((entry) => entry.name);
  } catch (error) {
    throw corrupt(`the Office file is damaged or truncated (${describeError(error)})`);
  }
  const has = (name: string) => names.includes(name);
  if (has('EncryptedPackage') || has('EncryptionInfo')) return 'encrypted-office';
  if (has('WordDocument')) return 'doc';
  if (names.some((name) => name.startsWith('__substg1.0_'))) return 'msg';
  if (has('Workbook') || has('Book')) return 'xls';
  if (has('PowerPoint Document')) return 'ppt';
  return 'other';
}

export async function extractCompound(bytes: Buffer): Promise<Extracted> {
  const kind = await compoundKind(bytes);
  switch (kind) {
    case 'encrypted-office':
      throw encrypted('the Office file is password-protected; remove the password and import it again');
    case 'doc':
      return extractDoc(bytes);
    case 'msg':
      return extractMsg(bytes);
    case 'xls':
      throw unsupported('Excel 97–2003 workbooks (.xls) are not supported; save it as .xlsx and import that');
    case 'ppt':
      throw unsupported('PowerPoint 97–2003 presentations (.ppt) are not supported; save it as .pptx and import that');
    case 'other':
      throw unsupported('this OLE compound file is not a document Cairn can read');
    default:
      return assertNever(kind);
  }
}

/** Word 97–2003 (.doc) through word-extractor: body, footnotes, endnotes and headers. */
async function extractDoc(bytes: Buffer): Promise<Extracted> {
  const WordExtractor = (await import('word-extractor')).default;
  try {
    const doc = await new WordExtractor().extract(bytes);
    const text = [doc.getBody(), doc.getFootnotes(), doc.getEndnotes(), doc.getHeaders({ includeFooters: true })].map((t) => t.trim()).filter(Boolean).join('\n\n');
    return textOf('application/msword', text);
  } catch (error) {
    throw corrupt(`not a readable Word 97–2003 document: ${describeError(error)}`);
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled compound file kind ${String(value)}`);
}
