import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { protocolHeader } from '../../../scripts/gen-protocol-h.js';
import { decodePlan, encodePlan, parseTlv } from '../../../src/plan/encode.js';
import { emptyPlan, type InitPlan } from '../../../src/plan/types.js';
import { Tag } from '../../../src/process/protocol.js';
import { REPO } from '../../integration/helpers.js';

describe('protocol', () => {
  it('native/protocol.h is generated from protocol.ts (no drift)', () => {
    assert.equal(readFileSync(`${REPO}/native/protocol.h`, 'utf8'), protocolHeader());
  });

  it('tags are unique', () => {
    const values = Object.values(Tag);
    assert.equal(new Set(values).size, values.length);
  });

  it('round-trips a full plan', () => {
    const p: InitPlan = {
      ...emptyPlan(), mode: 1, barrier: 2, fifoPath: '/run/x/exec.fifo', cloneFlags: 0x7e020000n,
      joinNamespaces: [{ type: 0x40000000, path: '/var/run/netns/a' }], uidMap: '0 1000 1\n', gidMap: '0 1000 1\n',
      rootfs: '/r', rootfsPropagation: (1n << 19n) | (1n << 14n),
      mounts: [{ kind: 2, source: '/src', destination: '/dst', fstype: '', flags: 4096n, data: '', propagation: [1n << 18n],
        attrSet: 1n, attrClr: 0n, destIsFile: true, remountFlags: 1n }],
      devices: [{ path: '/dev/null', kind: 1, major: 1, minor: 3, mode: 0o666, uid: 0, gid: 0 }],
      symlinks: [{ target: '/proc/self/fd', path: '/dev/fd' }], maskedPaths: ['/proc/kcore'], readonlyPaths: ['/proc/sys'],
      rootReadonly: true, hostname: 'h', domainname: '', sysctls: [{ path: 'net/ipv4/ip_forward', value: '1' }],
      rlimits: [{ resource: 7, soft: 1024n, hard: 0xffffffffffffffffn }], oomScoreAdj: -500, keyring: '_ses.x',
      loopbackUp: true, uid: 1000, gid: 1000, additionalGids: [10, 29], umask: 0o22, cwd: '/tmp', args: ['sh', '-c', 'é'],
      env: ['PATH=/bin'], capBounding: (1n << 41n) - 1n, capEffective: 1n, capInheritable: 0n, capPermitted: 1n, capAmbient: 0n,
      noNewPrivs: true, preserveFds: 2, setsid: true, label: 'x', monitor: true, terminal: true, consoleSocket: '/s',
      consoleHeight: 24, consoleWidth: 80,
    };
    assert.deepEqual(decodePlan(encodePlan(p)), p);
  });

  it('decodes what it encodes for arbitrary args, env and ids (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string()), fc.array(fc.string()), fc.nat(0xffffffff), fc.string(), (args, env, uid, cwd) => {
        const p = { ...emptyPlan(), args, env, uid, cwd };
        assert.deepEqual(decodePlan(encodePlan(p)), p);
      }),
    );
  });

  it('rejects truncated input and unknown tags', () => {
    const b = encodePlan({ ...emptyPlan(), args: ['sh'] });
    assert.throws(() => parseTlv(b.subarray(0, b.length - 1)), /truncated/);
    const bad = Buffer.from(b);
    bad.writeUInt16LE(999, 0);
    assert.throws(() => decodePlan(bad), /unknown plan tag 999/);
  });
});
