/**
 * Everything the CLI prints goes through here: results on stdout (plain text or `--json`), progress and
 * errors on stderr. Colour and progress bars only on a terminal, and never when NO_COLOR is set.
 */
export interface Output {
  readonly json: boolean;
  /** A JSON document (with --json) — one value, one line. */
  readonly data: (value: unknown) => void;
  /** A line of human text. */
  readonly line: (text?: string) => void;
  /** Human text as it comes (a streamed answer), without a line break. */
  readonly write: (text: string) => void;
  /** A result: JSON when --json, otherwise the human rendering. */
  readonly result: (value: unknown, human: () => string) => void;
  readonly progress: (label: string, done: number, total: number) => void;
  readonly endProgress: () => void;
  readonly style: Style;
}

export interface Style {
  readonly bold: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly red: (text: string) => string;
  readonly green: (text: string) => string;
  readonly yellow: (text: string) => string;
}

const plain: Style = { bold: (t) => t, dim: (t) => t, red: (t) => t, green: (t) => t, yellow: (t) => t };
const ansi = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
const coloured: Style = { bold: ansi(1, 22), dim: ansi(2, 22), red: ansi(31, 39), green: ansi(32, 39), yellow: ansi(33, 39) };

export function createOutput(json: boolean, stdout: NodeJS.WriteStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr): Output {
  const colour = Boolean(stdout.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
  const showProgress = Boolean(stderr.isTTY) && !json;
  let progressShown = false;
  return {
    json,
    style: colour ? coloured : plain,
    data: (value) => stdout.write(`${JSON.stringify(value)}\n`),
    line: (text = '') => stdout.write(`${text}\n`),
    write: (text) => stdout.write(text),
    result(value, human) {
      if (json) stdout.write(`${JSON.stringify(value)}\n`);
      else stdout.write(`${human()}\n`);
    },
    progress(label, done, total) {
      if (!showProgress) return;
      const width = 30;
      const ratio = total > 0 ? Math.min(1, done / total) : 1;
      const filled = Math.round(ratio * width);
      stderr.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`);
      progressShown = true;
    },
    endProgress() {
      if (progressShown) stderr.write('\n');
      progressShown = false;
    },
  };
}

/** Left-aligned columns; the last column is not padded. */
export function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => visibleLength(r[i] ?? ''))));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i]! - visibleLength(cell)))).join('  ')).join('\n');
}

function visibleLength(text: string): number {
  const stripped = text.replace(/\u001b\[\d+m/g, '');
  let width = 0;
  for (const char of stripped) width += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(char) ? 2 : 1;
  return width;
}
