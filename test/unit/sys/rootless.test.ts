import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultStateRoot, isRootless, mapHelperArgs, rootlessMaps } from '../../../src/sys/rootless.js';

describe('rootless', () => {
  it('is auto by default: rootless when not root', () => {
    assert.equal(isRootless('auto', 0), false);
    assert.equal(isRootless(undefined, 1000), true);
    assert.equal(isRootless('true', 0), true);
    assert.equal(isRootless('false', 1000), false);
  });

  it('keeps state under XDG_RUNTIME_DIR when rootless', () => {
    assert.equal(defaultStateRoot(false, { XDG_RUNTIME_DIR: '/run/user/1000' }), '/run/runts');
    assert.equal(defaultStateRoot(true, { XDG_RUNTIME_DIR: '/run/user/1000' }, 1000), '/run/user/1000/runts');
    assert.equal(defaultStateRoot(true, {}, 1000), '/tmp/runts-1000');
  });

  it('writes a single self-mapping itself (setgroups deny), anything else through the helpers', () => {
    const self = { uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }], gidMappings: [{ containerID: 0, hostID: 1000, size: 1 }] };
    assert.deepEqual(rootlessMaps(self, 1000, 1000), { mapsByParent: false, setgroupsDeny: true });
    assert.deepEqual(rootlessMaps(self, 1001, 1000), { mapsByParent: true, setgroupsDeny: false });
    const ranges = { ...self, uidMappings: [...self.uidMappings, { containerID: 1, hostID: 100000, size: 65536 }] };
    assert.deepEqual(rootlessMaps(ranges, 1000, 1000), { mapsByParent: true, setgroupsDeny: false });
    assert.deepEqual(mapHelperArgs(42, ranges.uidMappings), ['42', '0', '1000', '1', '1', '100000', '65536']);
  });
});
