/**
 * The tabulated normal CDF/density behind GELU (src/backend/cpu/gelu.ts) against the series and
 * continued-fraction error function, over the whole range including the far tails, and GELU's
 * derivative against central differences.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { erf, gelu, geluGrad, normalCdf, normalPdf } from '../src/backend/cpu/gelu.js';

/** Φ(z) from erf near 0 and the continued fraction for erfc in the lower tail (no table). */
function cdf(z: number): number {
  const x = -z / Math.SQRT2;
  if (x < 3) return 0.5 * (1 - erf(x));
  let f = x;
  for (let k = 200; k >= 1; k--) f = x + k / 2 / f;
  return (0.5 * Math.exp(-x * x)) / Math.sqrt(Math.PI) / f;
}

test('normalCdf and normalPdf agree with the series to 1e-9 relative error on [-12, 12]', () => {
  let worstCdf = 0, worstPdf = 0;
  for (let z = -12; z <= 12; z += 0.00113) {
    worstCdf = Math.max(worstCdf, Math.abs(normalCdf(z) - cdf(z)) / cdf(z));
    const p = Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
    worstPdf = Math.max(worstPdf, Math.abs(normalPdf(z) - p) / p);
  }
  assert.ok(worstCdf < 1e-9, `cdf relative error ${worstCdf}`);
  assert.ok(worstPdf < 1e-9, `pdf relative error ${worstPdf}`);
});

test('gelu matches z·Φ(z) in float32 and its derivative matches central differences', () => {
  let mismatches = 0, n = 0;
  for (let z = -9; z <= 9; z += 0.0071) {
    n++;
    if (Math.fround(gelu(z)) !== Math.fround(z * cdf(z))) mismatches++;
    const h = 1e-5;
    const fd = (z + h) * cdf(z + h) - (z - h) * cdf(z - h);
    assert.ok(Math.abs(geluGrad(z) - fd / (2 * h)) < 1e-8, `gelu'(${z}) = ${geluGrad(z)}, central difference ${fd / (2 * h)}`);
  }
  // A last-bit difference where the float64 value falls near a float32 rounding boundary.
  assert.ok(mismatches <= n / 1000, `${mismatches} of ${n} float32 values differ`);
  assert.ok(Number.isNaN(gelu(NaN)));
  assert.equal(gelu(Infinity), Infinity);
  assert.equal(gelu(-40), -0);
});
