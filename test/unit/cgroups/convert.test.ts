import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blkioWeightToIoWeight, maxValue, sharesToWeight, swapToV2, weightToShares } from '../../../src/cgroups/convert.js';

test('cpu shares → weight: runc 1.2 linear formula at the ends and the default', () => {
  assert.equal(sharesToWeight(0), 0); // unset stays unset
  assert.equal(sharesToWeight(2), 1);
  assert.equal(sharesToWeight(1024), 39); // 1 + (1022 * 9999) / 262142 = 39.98 → 39
  assert.equal(sharesToWeight(262144), 10000);
  assert.equal(sharesToWeight(512), 20);
});

test('cpu shares → weight is monotonic and weight → shares inverts it', () => {
  let prev = 0;
  for (let s = 2; s <= 262144; s += 97) {
    const w = sharesToWeight(s);
    assert.ok(w >= prev && w >= 1 && w <= 10000, `shares ${s} → ${w}`);
    prev = w;
    assert.equal(sharesToWeight(weightToShares(w)), w, `weight ${w} round trip`);
  }
  for (let w = 1; w <= 10000; w += 7) assert.equal(sharesToWeight(weightToShares(w)), w);
  assert.equal(weightToShares(0), 0);
});

test('blkio weight → io.weight', () => {
  assert.equal(blkioWeightToIoWeight(0), 0);
  assert.equal(blkioWeightToIoWeight(10), 1);
  assert.equal(blkioWeightToIoWeight(500), 4950);
  assert.equal(blkioWeightToIoWeight(1000), 10000);
});

test('swap: memory+swap (v1) → swap alone (v2)', () => {
  assert.equal(swapToV2(undefined, 100), undefined);
  assert.equal(swapToV2(300, 100), 200);
  assert.equal(swapToV2(100, 100), 0); // no swap at all
  assert.equal(swapToV2(-1, 100), 'max');
  assert.equal(swapToV2(undefined, -1), 'max'); // unlimited memory, swap unset: both unlimited
  assert.equal(swapToV2(0, -1), 'max');
  assert.throws(() => swapToV2(300, undefined), /needs a memory limit/);
  assert.throws(() => swapToV2(50, 100), /must be >= the memory limit/);
  assert.equal(maxValue(-1), 'max');
  assert.equal(maxValue(4096), '4096');
});
