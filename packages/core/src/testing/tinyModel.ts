import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/**
 * Writes a tiny embedding model that transformers.js loads offline, for tests: a BERT-shaped ONNX
 * graph (token embedding lookup × attention mask) with pseudo-random vectors, a WordPiece
 * tokenizer over a few English words and every CJK ideograph, and the configs. Mean pooling over it
 * gives a bag-of-words vector: texts that share words are closer. Built from npm packages alone.
 */
export interface TinyModelOptions {
  readonly dims?: number;
  readonly words?: readonly string[];
  /** Write `onnx/model_quantized.onnx` (int8) instead of `onnx/model.onnx`. */
  readonly quantized?: boolean;
  readonly seed?: number;
}

export const tinyModelWords = [
  'the', 'a', 'cat', 'dog', 'sofa', 'couch', 'password', 'reset', 'weather', 'stock', 'market', 'sync', 'data', 'search', 'note',
  'bread', 'bake', 'oven', 'kitchen', 'garden', 'flower', 'rain', 'sun', 'engine', 'event', 'query', 'passage',
];

export function writeTinyModel(dir: string, options: TinyModelOptions = {}): string {
  const dims = options.dims ?? 16;
  const special = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  const vocab = [...special, ...(options.words ?? tinyModelWords)];
  for (let cp = 0x4e00; cp <= 0x9fff; cp++) vocab.push(String.fromCodePoint(cp));
  const table = new Float32Array(vocab.length * dims);
  const random = mulberry32(options.seed ?? 7);
  for (let i = special.length; i < vocab.length; i++) {
    let norm = 0;
    for (let d = 0; d < dims; d++) {
      const x = random() * 2 - 1;
      table[i * dims + d] = x;
      norm += x * x;
    }
    for (let d = 0; d < dims; d++) table[i * dims + d]! /= Math.sqrt(norm);
  }
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  writeFileSync(join(dir, 'onnx', options.quantized ? 'model_quantized.onnx' : 'model.onnx'), modelBytes(table, vocab.length, dims, options.quantized ?? false));
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ model_type: 'bert', architectures: ['BertModel'], hidden_size: dims, vocab_size: vocab.length, num_hidden_layers: 0, num_attention_heads: 1, max_position_embeddings: 512, type_vocab_size: 2 }),
  );
  const ids = Object.fromEntries(vocab.map((token, i) => [token, i]));
  writeFileSync(
    join(dir, 'tokenizer.json'),
    JSON.stringify({
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: special.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
      normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      post_processor: {
        type: 'TemplateProcessing',
        single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
        pair: [
          { SpecialToken: { id: '[CLS]', type_id: 0 } },
          { Sequence: { id: 'A', type_id: 0 } },
          { SpecialToken: { id: '[SEP]', type_id: 0 } },
          { Sequence: { id: 'B', type_id: 1 } },
          { SpecialToken: { id: '[SEP]', type_id: 1 } },
        ],
        special_tokens: Object.fromEntries(['[CLS]', '[SEP]'].map((c) => [c, { id: c, ids: [ids[c]], tokens: [c] }])),
      },
      decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
      model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: ids },
    }),
  );
  writeFileSync(
    join(dir, 'tokenizer_config.json'),
    JSON.stringify({ tokenizer_class: 'BertTokenizer', do_lower_case: true, tokenize_chinese_chars: true, model_max_length: 512, cls_token: '[CLS]', sep_token: '[SEP]', pad_token: '[PAD]', unk_token: '[UNK]', mask_token: '[MASK]' }),
  );
  return dir;
}

function modelBytes(table: Float32Array, vocabSize: number, dims: number, quantized: boolean): Uint8Array {
  const T = onnx.TensorProto.DataType;
  const initializer: onnxProto.onnx.ITensorProto[] = [];
  const node: onnxProto.onnx.INodeProto[] = [];
  if (quantized) {
    const scale = 1 / 127;
    const q = Int8Array.from(table, (x) => Math.round(x / scale));
    initializer.push({ name: 'E_q', dims: [vocabSize, dims], dataType: T.INT8, rawData: new Uint8Array(q.buffer) });
    initializer.push({ name: 'E_scale', dims: [], dataType: T.FLOAT, rawData: new Uint8Array(Float32Array.of(scale).buffer) });
    initializer.push({ name: 'E_zp', dims: [], dataType: T.INT8, rawData: new Uint8Array(1) });
    node.push({ opType: 'Gather', input: ['E_q', 'input_ids'], output: ['emb_q'], name: 'gather', attribute: [{ name: 'axis', type: 2, i: 0 }] });
    node.push({ opType: 'DequantizeLinear', input: ['emb_q', 'E_scale', 'E_zp'], output: ['emb'], name: 'dq' });
  } else {
    initializer.push({ name: 'E', dims: [vocabSize, dims], dataType: T.FLOAT, rawData: new Uint8Array(table.buffer) });
    node.push({ opType: 'Gather', input: ['E', 'input_ids'], output: ['emb'], name: 'gather', attribute: [{ name: 'axis', type: 2, i: 0 }] });
  }
  initializer.push({ name: 'axes', dims: [1], dataType: T.INT64, rawData: new Uint8Array(BigInt64Array.of(-1n).buffer) });
  node.push({ opType: 'Cast', input: ['attention_mask'], output: ['mask_f'], name: 'cast', attribute: [{ name: 'to', type: 2, i: T.FLOAT }] });
  node.push({ opType: 'Unsqueeze', input: ['mask_f', 'axes'], output: ['mask3'], name: 'unsq' });
  node.push({ opType: 'Mul', input: ['emb', 'mask3'], output: ['last_hidden_state'], name: 'mul' });
  const shape = (...names: (string | number)[]) => ({ dim: names.map((n) => (typeof n === 'number' ? { dimValue: n } : { dimParam: n })) });
  const io = (name: string, elemType: number, dims: ReturnType<typeof shape>) => ({ name, type: { tensorType: { elemType, shape: dims } } });
  const model = onnx.ModelProto.fromObject({
    irVersion: 7,
    producerName: 'cairn-tests',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'tiny_embed',
      node,
      initializer,
      input: [io('input_ids', T.INT64, shape('batch', 'seq')), io('attention_mask', T.INT64, shape('batch', 'seq'))],
      output: [io('last_hidden_state', T.FLOAT, shape('batch', 'seq', dims))],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

function mulberry32(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
