import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from '../../../src/cli/args.js';
import { def, parseBytes, parseInteger, resourcesFromFlags } from '../../../src/cli/update.js';

test('update: memory sizes as runc reads them (go-units RAMInBytes, binary units, -1)', () => {
  const cases: Array<[string, number]> = [
    ['-1', -1], ['100', 100], ['10MiB', 10 * 2 ** 20], ['10 MiB', 10 * 2 ** 20], ['10mb', 10 * 2 ** 20], ['1.5GB', 1.5 * 2 ** 30],
    ['1e9', 1e9], ['1e9b', 1e9], ['1000000000 ', 1e9], ['+1g', 2 ** 30], ['0.5e1g', 5 * 2 ** 30], ['1kib', 1024], ['1KiB', 1024],
    ['1 g', 2 ** 30], ['.5g', 2 ** 29], ['5.g', 5 * 2 ** 30], ['1_000m', 1000 * 2 ** 20], ['7b', 7], ['0', 0],
  ];
  for (const [v, n] of cases) assert.equal(parseBytes('memory', v), n, v);
  for (const v of ['1mi', '1gbb', '1  g', '0x10g', '1g ', '-2', '-1.0', 'lots', '', 'g', '1i', '1.2.3', '9'.repeat(400)]) {
    assert.throws(() => parseBytes('memory', v), /invalid value for --memory/, v);
  }
});

test('update: integers as strconv.ParseUint / ParseInt read them', () => {
  assert.equal(parseInteger('cpu-share', 'uint', '512'), 512);
  assert.equal(parseInteger('cpu-quota', 'int', '-1'), -1);
  assert.equal(parseInteger('cpu-quota', 'int', '+5000'), 5000);
  for (const v of ['-1', '+1', '1e5', '0x10', ' 1', '']) assert.throws(() => parseInteger('cpu-share', 'uint', v), /invalid value for --cpu-share/, v);
  assert.throws(() => parseInteger('pids-limit', 'int', '99999999999999999999'), /out of range/);
});

test('update: runc\'s spellings, runts\' old ones as aliases; --resources ignores the other flags (as runc)', () => {
  const r = resourcesFromFlags(parseArgs(def, ['--cpu-share', '512', '--cpu-rt-period', '1000', '--cpu-rt-runtime', '10', '--memory-reservation', '1m',
    '--memory', '2m', '--memory-swap', '-1', '--pids-limit', '9', '--cpu-period', '50000', '--cpu-quota', '20000', '--cpuset-cpus', '0', '--cpuset-mems', '0', '--blkio-weight', '100', 'c']));
  assert.deepEqual(r, {
    cpu: { shares: 512, realtimePeriod: 1000, realtimeRuntime: 10, period: 50000, quota: 20000, cpus: '0', mems: '0' },
    memory: { reservation: 2 ** 20, limit: 2 ** 21, swap: -1 }, pids: { limit: 9 }, blockIO: { weight: 100 },
  });
  assert.deepEqual(resourcesFromFlags(parseArgs(def, ['--cpu-shares', '256', 'c'])), { cpu: { shares: 256 } });
  const dir = mkdtempSync(join(tmpdir(), 'runts-update-'));
  try {
    const file = join(dir, 'r.json');
    writeFileSync(file, JSON.stringify({ pids: { limit: 3 }, memory: null, cpu: { cpus: null, shares: 5 } }));
    assert.deepEqual(resourcesFromFlags(parseArgs(def, ['--resources', file, '--memory', '1m', 'c'])), { pids: { limit: 3 }, cpu: { shares: 5 } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('update --resources: only what runc\'s update applies (memory, cpu, blockIO weight, pids, unified); never devices', async () => {
  const { updatable } = await import('../../../src/cli/update.js');
  const all = {
    memory: { limit: 1 }, cpu: { idle: 1, shares: 512 }, pids: { limit: -1 }, unified: { 'pids.max': '9' },
    blockIO: { weight: 500, throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1 }] },
    devices: [{ allow: true, access: 'rwm' }], hugepageLimits: [{ pageSize: '2MB', limit: 1 }], network: { classID: 1 },
  };
  assert.deepEqual(updatable(all), { memory: { limit: 1 }, cpu: { idle: 1, shares: 512 }, pids: { limit: -1 }, unified: { 'pids.max': '9' }, blockIO: { weight: 500 } });
  assert.deepEqual(updatable({ devices: [{ allow: true, access: 'rwm' }] }), {});
  const dir = mkdtempSync(join(tmpdir(), 'runts-upd-'));
  try {
    writeFileSync(join(dir, 'r.json'), JSON.stringify({ devices: [{ allow: true, access: 'rwm' }], pids: { limit: 3 } }));
    assert.deepEqual(resourcesFromFlags(parseArgs(def, ['-r', join(dir, 'r.json'), 'id'])), { pids: { limit: 3 } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
