import { corrupt, describeError } from '../extractionError.js';
import { textOf, type Extracted } from '../parts.js';
import { htmlToText } from './html.js';

interface Message {
  subject?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  cc?: string | undefined;
  date?: string | undefined;
  body: string;
  attachments: string[];
}

/** The headers people search by, the body, and the names of attachments. */
function render(message: Message): string {
  const headers = [
    ['Subject', message.subject],
    ['From', message.from],
    ['To', message.to],
    ['Cc', message.cc],
    ['Date', message.date],
  ]
    .filter(([, value]) => value)
    .map(([name, value]) => `${name}: ${value}`);
  const attachments = message.attachments.length > 0 ? `\n\nAttachments: ${message.attachments.join(', ')}` : '';
  return `${headers.join('\n')}\n\n${message.body.trim()}${attachments}`;
}

/** An e-mail message (RFC 822 / .eml) through mailparser. */
export async function extractEml(bytes: Buffer): Promise<Extracted> {
  const { simpleParser } = await import('mailparser');
  let mail: Awaited<ReturnType<typeof simpleParser>>;
  try {
    mail = await simpleParser(bytes, { skipImageLinks: true, skipHtmlToText: true });
  } catch (error) {
    throw corrupt(`not a readable e-mail message: ${describeError(error)}`);
  }
  const addresses = (value: typeof mail.to) =>
    (Array.isArray(value) ? value : value ? [value] : [])
      .flatMap((group) => group.value)
      .map((a) => (a.name ? `${a.name} <${a.address ?? ''}>` : (a.address ?? '')))
      .join(', ') || undefined;
  const body = mail.text?.trim() ? mail.text : typeof mail.html === 'string' ? htmlToText(mail.html) : '';
  return textOf(
    'message/rfc822',
    render({
      subject: mail.subject,
      from: addresses(mail.from),
      to: addresses(mail.to),
      cc: addresses(mail.cc),
      date: mail.date?.toISOString(),
      body,
      attachments: mail.attachments.map((a) => a.filename ?? '(unnamed)'),
    }),
  );
}

/** An Outlook message (.msg, a CFB file) through @kenjiuno/msgreader. */
export async function extractMsg(bytes: Buffer): Promise<Extracted> {
  // A CommonJS module with an ES default export: Node's ESM interop nests it one level deeper.
  const MsgReader = (await import('@kenjiuno/msgreader')).default.default;
  let fields: ReturnType<InstanceType<typeof MsgReader>['getFileData']>;
  try {
    fields = new MsgReader(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer).getFileData();
  } catch (error) {
    throw corrupt(`not a readable Outlook message: ${describeError(error)}`);
  }
  if (fields.error) throw corrupt(`not a readable Outlook message: ${fields.error}`);
  const person = (name?: string, email?: string) => (name && email && name !== email ? `${name} <${email}>` : (name ?? email));
  const recipients = (fields.recipients ?? []).map((r) => person(r.name, r.smtpAddress ?? r.email)).filter(Boolean);
  const html = fields.bodyHtml ?? (fields.html ? new TextDecoder().decode(fields.html) : undefined);
  return textOf(
    'application/vnd.ms-outlook',
    render({
      subject: fields.subject,
      from: person(fields.senderName, fields.senderSmtpAddress ?? fields.senderEmail),
      to: recipients.join(', ') || undefined,
      date: fields.messageDeliveryTime ?? fields.clientSubmitTime,
      body: fields.body?.trim() ? fields.body : html ? htmlToText(html) : '',
      attachments: (fields.attachments ?? []).map((a) => a.fileName ?? a.fileNameShort ?? a.name ?? '(unnamed)'),
    }),
  );
}
