import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodePlan, encodePlan } from '../../../src/plan/encode.js';
import { withIdmap } from '../../../src/plan/idmap.js';
import { emptyPlan, type PlanMount } from '../../../src/plan/types.js';

const bind: PlanMount = {
  kind: 2, source: '/data', destination: '/data', fstype: '', flags: 4096n, data: '', propagation: [], attrSet: 0n,
  attrClr: 0n, destIsFile: false, remountFlags: 0n,
};
const linux = { uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }], gidMappings: [{ containerID: 0, hostID: 200000, size: 10 }] };

describe('withIdmap', () => {
  it('leaves other mounts alone', () => {
    assert.equal(withIdmap(bind, { destination: '/data', type: 'bind', source: '/data', options: ['rbind'] }, linux), bind);
    const tmpfs = { ...bind, kind: 1 };
    assert.equal(withIdmap(tmpfs, { destination: '/data', type: 'tmpfs', options: ['idmap'] }, linux), tmpfs);
  });

  it('uses the mount maps, or the container maps for idmap/ridmap', () => {
    const own = withIdmap(bind, { destination: '/d', type: 'bind', uidMappings: [{ containerID: 1, hostID: 2, size: 3 }], gidMappings: [] }, linux);
    assert.equal(own.uidMap, '1 2 3\n');
    assert.equal(own.gidMap, '');
    assert.equal(own.idmapRecursive, false);
    const r = withIdmap(bind, { destination: '/d', type: 'bind', options: ['rbind', 'ridmap'] }, linux);
    assert.deepEqual([r.uidMap, r.gidMap, r.idmapRecursive], ['0 100000 65536\n', '0 200000 10\n', true]);
  });

  it('round-trips through the plan encoding', () => {
    const p = { ...emptyPlan(), args: ['sh'], mounts: [{ ...bind, uidMap: '0 1 2\n', gidMap: '0 3 4\n', idmapRecursive: true }] };
    assert.deepEqual(decodePlan(encodePlan(p)), p);
  });
});
