import { describe, expect, it } from 'vitest';
import { typeLabel } from './typeLabel.js';

describe('typeLabel', () => {
  it('names known formats, and says text, Markdown or file otherwise', () => {
    expect(typeLabel('application/pdf')).toEqual({ name: 'PDF' });
    expect(typeLabel('application/vnd.openxmlformats-officedocument.wordprocessingml.document')).toEqual({ name: 'DOCX' });
    expect(typeLabel('image/png')).toEqual({ name: 'PNG' });
    expect(typeLabel('IMAGE/TIFF')).toEqual({ name: 'TIFF' });
    expect(typeLabel('text/markdown; charset=utf-8')).toEqual({ word: 'markdown' });
    expect(typeLabel('text/plain')).toEqual({ word: 'text' });
    expect(typeLabel('text/x-weird')).toEqual({ word: 'text' });
    expect(typeLabel('application/octet-stream')).toEqual({ word: 'file' });
    expect(typeLabel('')).toEqual({ word: 'file' });
    expect(typeLabel('image/vnd.some-long-thing')).toEqual({ word: 'file' });
  });
});
