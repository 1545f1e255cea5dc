/**
 * The words of `cnnkit explain`, one catalogue per language (English and Korean, in the terms of
 * the Korean write-up of the tutorial: 합성곱, 필터/커널, 패딩, 'same'/'valid', 풀링, 파라미터), and
 * how the command picks its language: `--lang`, else the locale (LC_ALL, LC_MESSAGES, LANG).
 * Numbers, matrices and layer names are printed the same in every language.
 */
import { InvalidArgumentError } from 'commander';

/** The languages `cnnkit explain` speaks. */
export type CliLang = 'en' | 'ko';
export const CLI_LANGS: readonly CliLang[] = ['en', 'ko'];

/** Every sentence of `cnnkit explain`; each language implements all of them. */
export interface ExplainText {
  image(h: number, w: number): string;
  kernel(k: number): string;
  same(h: number, w: number): string;
  sameWhy(k: number, h: number, w: number): string;
  sameCorner(window: string, value: number): string;
  valid(h: number, w: number): string;
  validWhy(n: number, k: number, out: number): string;
  pooled(h: number, w: number): string;
  pooledWhy: string;
  params: string;
  columns: [layer: string, type: string, shape: string, formula: string, count: string];
  noWeights: string;
  total(count: string): string;
}

export const EXPLAIN_TEXT: Record<CliLang, ExplainText> = {
  en: {
    image: (h, w) => `The ${h}x${w} grayscale image`,
    kernel: (k) => `The ${k}x${k} kernel (filter)`,
    same: (h, w) => `Convolution, padding 'same' -> ${h}x${w}`,
    sameWhy: (k, h, w) => `Zeros are added around the image so every pixel gets a full ${k}x${k} window; the size stays ${h}x${w}.`,
    sameCorner: (window, value) => `Top-left: the window ${window} times the kernel, summed = ${value}.`,
    valid: (h, w) => `Convolution, padding 'valid' -> ${h}x${w}`,
    validWhy: (n, k, out) => `Only windows that fit inside the image: ${n}-${k}+1 = ${out} positions each way.`,
    pooled: (h, w) => `2x2 max pooling (stride 2) of the 'same' result -> ${h}x${w}`,
    pooledWhy: 'Each 2x2 block is replaced by its largest value.',
    params: 'Parameters of the tutorial model',
    columns: ['layer', 'type', 'output shape', 'formula', 'params'],
    noWeights: '0 (no weights)',
    total: (count) => `Total params: ${count}`,
  },
  ko: {
    image: (h, w) => `${h}x${w} 흑백 이미지`,
    kernel: (k) => `${k}x${k} 커널(필터)`,
    same: (h, w) => `합성곱, 패딩 'same' -> ${h}x${w}`,
    sameWhy: (k, h, w) => `이미지 둘레에 0을 채워(패딩) 모든 픽셀이 ${k}x${k} 창을 온전히 갖습니다. 크기는 ${h}x${w} 그대로입니다.`,
    sameCorner: (window, value) => `왼쪽 위: 창 ${window}에 커널을 곱해 모두 더하면 = ${value}.`,
    valid: (h, w) => `합성곱, 패딩 'valid' -> ${h}x${w}`,
    validWhy: (n, k, out) => `이미지 안에 다 들어가는 창만 씁니다: 한 방향에 ${n}-${k}+1 = ${out}자리.`,
    pooled: (h, w) => `'same' 결과의 2x2 최대 풀링(스트라이드 2) -> ${h}x${w}`,
    pooledWhy: '2x2 블록마다 가장 큰 값으로 바꿉니다.',
    params: '튜토리얼 모델의 파라미터',
    columns: ['층', '종류', '출력 크기', '계산식', '파라미터 수'],
    noWeights: '0 (가중치 없음)',
    total: (count) => `전체 파라미터: ${count}`,
  },
};

/** The language a locale name such as `ko_KR.UTF-8` or `en-US` asks for, or null. */
function fromLocale(value: string | undefined): CliLang | null {
  const base = (value ?? '').toLowerCase().split(/[_.@-]/)[0];
  return (CLI_LANGS as readonly string[]).includes(base) ? (base as CliLang) : null;
}

/** The locale's language (LC_ALL, then LC_MESSAGES, then LANG, as POSIX orders them), else English. */
export function langFromEnv(env: Record<string, string | undefined>): CliLang {
  const locale = [env.LC_ALL, env.LC_MESSAGES, env.LANG].find((v) => v !== undefined && v !== '');
  return fromLocale(locale) ?? 'en';
}

/** commander parser for `--lang`: en or ko (a locale name such as ko_KR works too). */
export function parseLang(value: string): CliLang {
  const lang = fromLocale(value);
  if (!lang) throw new InvalidArgumentError(`Expected ${CLI_LANGS.join(' or ')}.`);
  return lang;
}
