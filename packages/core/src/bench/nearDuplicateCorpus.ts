import { seededRandom } from '../testing/seededRandom.js';
/**
 * Generated texts for the near-duplicate benchmark: English and Chinese prose-like word sequences (Zipf-distributed
 * words: a few hundred real ones, then made-up ones, sentences of varied length), edited copies with a known share of words
 * replaced, and OCR-like noise. Seeded, so a run is repeatable.
 */

const englishWords = (
  'the of and to in a is that for it as was with be by on not he this are or his from at which but have an they you ' +
  'were her she there one all we their been has when who will more no if out so said what up its about into than them ' +
  'can only other new some could time these two may then do first any my now such like our over man me even most made ' +
  'after also did many before must through back years where much your way well down should because each just those ' +
  'people how too little state good very make world still own see men work long get here between both life being under ' +
  'never day same another know while last might us great old year off come since against go came right used take three ' +
  'contract agreement party parties section clause payment invoice delivery service services term notice period written ' +
  'consent law court claim damages liability insurance property tenant landlord rent deposit report meeting minutes ' +
  'project budget schedule milestone review approval design engineering research method result results analysis data ' +
  'sample study patient treatment clinical trial effect effects group control measured increase decrease significant ' +
  'water river city village school student teacher library book chapter history letter garden winter summer autumn ' +
  'spring morning evening mountain forest road bridge station train market price cost value company customer supplier ' +
  'order product quality safety energy power system network software hardware computer user account password device'
).split(' ');

const chineseWords = (
  '我们 你们 他们 这个 那个 一个 没有 可以 因为 所以 但是 如果 已经 现在 时候 自己 什么 知道 工作 问题 ' +
  '发展 经济 社会 国家 政府 企业 市场 公司 技术 研究 学生 老师 学校 教育 文化 历史 城市 农村 生活 时间 ' +
  '合同 协议 双方 甲方 乙方 条款 付款 发票 交付 服务 期限 通知 书面 同意 法律 法院 赔偿 责任 保险 房屋 ' +
  '租金 押金 报告 会议 纪要 项目 预算 计划 审核 批准 设计 工程 方法 结果 分析 数据 样本 患者 治疗 临床 ' +
  '试验 效果 对照 测量 增加 减少 显著 河流 村庄 图书馆 书籍 章节 信件 花园 冬天 夏天 秋天 春天 早上 晚上 ' +
  '山区 森林 道路 桥梁 车站 火车 价格 成本 价值 客户 供应商 订单 产品 质量 安全 能源 电力 系统 网络 软件 ' +
  '硬件 电脑 用户 账户 密码 设备 的 了 在 是 和 有 也 就 都 而 及 与 对 把 被 从 向 到 很 更 最 不 还 又'
).split(' ');

export type CorpusLanguage = 'en' | 'zh';

/** A small seeded generator (mulberry32). */
/**
 * A vocabulary in Zipf order (the word at rank r is drawn with weight 1/r): the real words above first, then made-up
 * ones — English-like syllable compounds, or Chinese two- and three-character words from the first 3,500 Han code
 * points — up to 20,000 words, so unrelated texts share what real ones do (the common words), not everything.
 */
class Vocabulary {
  private readonly cumulative: Float64Array;

  constructor(readonly words: readonly string[]) {
    this.cumulative = new Float64Array(words.length);
    let sum = 0;
    for (let r = 0; r < words.length; r++) this.cumulative[r] = sum += 1 / (r + 1);
  }

  pick(random: () => number): string {
    const target = random() * this.cumulative[this.cumulative.length - 1]!;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return this.words[lo]!;
  }
}

const VOCABULARY_SIZE = 20_000;

function buildVocabulary(language: CorpusLanguage): Vocabulary {
  const random = seededRandom(language === 'en' ? 101 : 202);
  const words = new Set(language === 'en' ? englishWords : chineseWords);
  const syllables = 'ba be bi bo bu ca ce co da de di do du fa fe fi fo ga ge go ha he hi ho ka ke ki ko la le li lo lu ma me mi mo mu na ne ni no nu pa pe pi po ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo za ze zo ar er or an en in on us is al el il ent ist ion'.split(' ');
  while (words.size < VOCABULARY_SIZE) {
    if (language === 'en') {
      const n = 2 + Math.floor(random() * 3);
      words.add(Array.from({ length: n }, () => syllables[Math.floor(random() * syllables.length)]!).join(''));
    } else {
      const n = random() < 0.8 ? 2 : 3;
      words.add(Array.from({ length: n }, () => String.fromCharCode(0x4e00 + Math.floor(3500 * random() ** 1.5))).join(''));
    }
  }
  return new Vocabulary([...words]);
}

const vocabularies: Partial<Record<CorpusLanguage, Vocabulary>> = {};
const vocabulary = (language: CorpusLanguage) => (vocabularies[language] ??= buildVocabulary(language));

/** The words of a text in a language, as a list (made prose by `toText`). */
export function generateWords(language: CorpusLanguage, count: number, random: () => number): string[] {
  const words = vocabulary(language);
  return Array.from({ length: count }, () => words.pick(random));
}

/** Words as prose: English with spaces and full stops every 8–20 words, Chinese without spaces and with 。 and ，. */
export function toText(language: CorpusLanguage, words: readonly string[], random: () => number): string {
  let out = '';
  let sentence = 0;
  let nextStop = 8 + Math.floor(random() * 12);
  for (const word of words) {
    if (language === 'en') out += sentence === 0 ? (out ? ' ' : '') + word[0]!.toUpperCase() + word.slice(1) : ` ${word}`;
    else out += word;
    if (++sentence >= nextStop) {
      out += language === 'en' ? '.' : random() < 0.3 ? '，' : '。';
      sentence = 0;
      nextStop = 8 + Math.floor(random() * 12);
    }
  }
  return out + (language === 'en' ? '.' : '。');
}

/** A copy of `words` with `rate` of them (rounded) replaced by other words of the vocabulary, at random places. */
export function editWords(language: CorpusLanguage, words: readonly string[], rate: number, random: () => number): string[] {
  const pool = vocabulary(language);
  const copy = [...words];
  const positions = copy.map((_, i) => i);
  const changes = Math.round(copy.length * rate);
  for (let k = 0; k < changes; k++) {
    const at = k + Math.floor(random() * (positions.length - k));
    [positions[k], positions[at]] = [positions[at]!, positions[k]!];
    const i = positions[k]!;
    let replacement = pool.pick(random);
    while (replacement === copy[i]) replacement = pool.pick(random);
    copy[i] = replacement;
  }
  return copy;
}

/** OCR-like noise: about `rate` of the non-space characters replaced by a look-alike or a random letter. */
export function ocrNoise(text: string, rate: number, random: () => number): string {
  const lookAlikes: Record<string, string> = { l: '1', o: '0', e: 'c', i: 'l', m: 'rn', s: '5', a: 'o', 的: '旳', 了: '子', 人: '入' };
  let out = '';
  for (const char of text) {
    if (char.trim() && random() < rate) out += lookAlikes[char] ?? String.fromCharCode(97 + Math.floor(random() * 26));
    else out += char;
  }
  return out;
}
