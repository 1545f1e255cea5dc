import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportHtml, reportReferences } from '../src/viz/index.js';

test('report.html references only the files it was given, by relative path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cnnkit-report-'));
  try {
    const files = { samples: 'samples.png', accuracySvg: 'accuracy.svg', lossSvg: 'loss.svg', historyJson: 'history.json' };
    for (const f of Object.values(files)) writeFileSync(join(dir, f), 'x');
    const html = reportHtml({
      createdAt: '2026-01-01T00:00:00Z',
      settings: { epochs: 2, 'data source': '<archive>' },
      summary: 'Model: "sequential"',
      test: { loss: 0.91, accuracy: 0.7 },
      history: { loss: [1, 0.9], accuracy: [0.5, 0.6] },
      files,
    });
    assert.match(html, /^<!DOCTYPE html>/);
    assert.ok(html.includes('70.00%') && html.includes('0.9100'));
    assert.ok(html.includes('&lt;archive&gt;'), 'text is escaped');
    assert.ok(!/<script/i.test(html), 'no scripts');
    const refs = reportReferences(html);
    assert.deepEqual(refs.sort(), Object.values(files).sort());
    for (const r of refs) assert.ok(existsSync(join(dir, r)), r);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
