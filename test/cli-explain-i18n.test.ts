/**
 * `cnnkit explain` in English and Korean: `--lang`, the locale (LC_ALL, LC_MESSAGES, LANG), the
 * Korean write-up's terms, the same numbers and layer names in both, aligned columns with wide
 * characters, and a one-line usage error for an unknown language.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import stringWidth from 'string-width';
import { CLI_LANGS, EXPLAIN_TEXT, langFromEnv } from '../src/cli/explain-text.js';
import { main } from '../src/cli/program.js';
import type { Io } from '../src/cli/common.js';

/** Runs `cnnkit explain ARGS` in this process with the locale `env` (no LANG, LC_ALL or LC_MESSAGES otherwise). */
async function explain(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '', stderr = '';
  const io: Io = { out: (s) => void (stdout += s), err: (s) => void (stderr += s), isTTY: false, color: false, env, columns: 80 };
  const code = await main(['explain', ...args], io);
  return { code, stdout, stderr };
}

/** Lines made only of numbers, layer names and shapes: what must not change with the language. */
const invariant = (out: string) => out.split('\n').filter((l) => /^\s+[\d\s]+$/.test(l) || /\(None,/.test(l)).map((l) => l.replace(/0 \(.*?\)/, '0').replace(/\s+/g, ' ').trim());

test('explain --lang ko: the worked example in Korean, with the same numbers and layer names', async () => {
  const en = await explain([]), ko = await explain(['--lang', 'ko']);
  assert.equal(ko.code, 0, ko.stderr);
  assert.match(en.stdout, /^The 6x6 grayscale image$/m, 'English by default, without a locale');
  for (const term of ['합성곱', "패딩 'same'", "패딩 'valid'", '풀링', '파라미터', '커널(필터)']) assert.ok(ko.stdout.includes(term), `uses ${term}`);
  assert.match(ko.stdout, /^\s+22\s+27\s+36\s+313\s+722\s+576$/m);
  assert.match(ko.stdout, /전체 파라미터: 122,570/);
  assert.deepEqual(invariant(ko.stdout), invariant(en.stdout));
  assert.ok(invariant(en.stdout).length >= 30, 'the matrices and the table rows are compared');
  assert.doesNotMatch(ko.stdout, /\b(The|Convolution|Parameters|Total|window|kernel)\b/, 'no English sentence left');
});

test('explain: the Korean table lines up in terminal columns', async () => {
  const lines = (await explain(['--lang', 'ko'])).stdout.split('\n');
  const header = lines.find((l) => l.includes('출력 크기')) as string;
  const row = lines.find((l) => l.includes('(None, 30, 30, 32)')) as string;
  const col = (line: string, text: string) => stringWidth(line.slice(0, line.indexOf(text)));
  assert.equal(col(header, '출력 크기'), col(row, '(None, 30, 30, 32)'));
  assert.equal(stringWidth(header), stringWidth(row), 'the count column ends in the same place');
});

test('explain follows the locale: LC_ALL, then LC_MESSAGES, then LANG; --lang wins', async () => {
  assert.match((await explain([], { LANG: 'ko_KR.UTF-8' })).stdout, /^6x6 흑백 이미지$/m);
  assert.match((await explain(['--lang', 'en'], { LANG: 'ko_KR.UTF-8' })).stdout, /^The 6x6 grayscale image$/m);
  assert.equal(langFromEnv({ LANG: 'ko_KR.UTF-8', LC_ALL: 'en_US.UTF-8' }), 'en');
  assert.equal(langFromEnv({ LANG: 'en_US.UTF-8', LC_MESSAGES: 'ko_KR.UTF-8' }), 'ko');
  assert.equal(langFromEnv({ LANG: 'ko_KR.UTF-8', LC_ALL: '' }), 'ko', 'an empty variable does not count');
  assert.equal(langFromEnv({ LANG: 'de_DE.UTF-8' }), 'en', 'a locale it does not speak gives English');
  assert.equal(langFromEnv({ LANG: 'C.UTF-8' }), 'en');
  assert.equal(langFromEnv({ LANG: 'ko' }), 'ko');
  assert.equal(langFromEnv({}), 'en');
});

test('explain --lang with a language it does not speak: one line, usage status', async () => {
  const r = await explain(['--lang', 'fr']);
  assert.equal(r.code, 2);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^cnnkit explain: option '--lang <lang>' argument 'fr' is invalid\. Expected en or ko\./);
  assert.equal(r.stdout, '');
});

test('explain catalogues: every language has every sentence', () => {
  const keys = Object.keys(EXPLAIN_TEXT.en).sort();
  for (const lang of CLI_LANGS) {
    assert.deepEqual(Object.keys(EXPLAIN_TEXT[lang]).sort(), keys, lang);
    for (const [k, v] of Object.entries(EXPLAIN_TEXT[lang])) assert.ok(typeof v === 'function' ? v(1, 2, 3).length > 0 : String(v).length > 0, `${lang}.${k}`);
  }
});
