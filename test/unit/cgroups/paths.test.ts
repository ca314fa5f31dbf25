import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerPaths, type HostView, innerPath, parseMountinfo, parseProcCgroup } from '../../../src/cgroups/paths.js';

const MOUNTINFO = `25 30 0:23 / /sys ro,nosuid - sysfs sysfs rw
31 25 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:29 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
34 31 0:30 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
35 31 0:31 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
36 31 0:32 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
37 31 0:33 /kubepods/pod1 /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids
`;

test('mountinfo: cgroup mounts with controllers and roots', () => {
  const m = parseMountinfo(MOUNTINFO);
  assert.deepEqual(m.map((x) => [x.mountpoint, x.type, x.controllers.join(','), x.root]), [
    ['/sys/fs/cgroup/cpu', 'cgroup', 'cpu', '/'],
    ['/sys/fs/cgroup/memory', 'cgroup', 'memory', '/'],
    ['/sys/fs/cgroup/systemd', 'cgroup', 'name=systemd', '/'],
    ['/sys/fs/cgroup/cpu,cpuacct', 'cgroup', 'cpu,cpuacct', '/'],
    ['/sys/fs/cgroup/unified', 'cgroup2', '', '/'],
    ['/sys/fs/cgroup/pids', 'cgroup', 'pids', '/kubepods/pod1'],
  ]);
});

test('/proc/self/cgroup', () => {
  const own = parseProcCgroup('9:name=systemd:/\n4:memory:/process_api/abc\n2:cpu,cpuacct:/x\n0::/init.scope\n');
  assert.equal(own.get('memory'), '/process_api/abc');
  assert.equal(own.get('cpuacct'), '/x');
  assert.equal(own.get('name=systemd'), '/');
  assert.equal(own.get(''), '/init.scope');
});

test('cgroupsPath: default <id> (relative), absolute, and ".." refused', () => {
  assert.deepEqual(innerPath(undefined, 'c1'), { absolute: false, parts: ['c1'] });
  assert.deepEqual(innerPath('/a//b/./c', 'c1'), { absolute: true, parts: ['a', 'b', 'c'] });
  assert.deepEqual(innerPath('x/y', 'c1'), { absolute: false, parts: ['x', 'y'] });
  assert.throws(() => innerPath('/a/../../etc', 'c1'), /"\.\." component/);
  assert.throws(() => innerPath('/', 'c1'), /root cgroup/);
});

const view = (layout: 'v1' | 'hybrid' | 'v2'): HostView => {
  const mounts = parseMountinfo(MOUNTINFO).filter((m) => m.mountpoint !== '/sys/fs/cgroup/cpu');
  return {
    root: '/sys/fs/cgroup',
    v1: layout === 'v2' ? [] : mounts.filter((m) => m.type === 'cgroup'),
    ...(layout === 'v1' ? {} : { unified: layout === 'v2' ? { mountpoint: '/sys/fs/cgroup', root: '/', type: 'cgroup2' as const, controllers: [] } : mounts.find((m) => m.type === 'cgroup2')! }),
    own: parseProcCgroup('9:name=systemd:/\n4:memory:/process_api/abc\n2:cpu,cpuacct:/\n8:pids:/kubepods/pod1/me\n0::/user.slice/sess\n'),
  };
};

test('hybrid: relative paths per hierarchy from the own cgroup, unified included', () => {
  const p = containerPaths(view('hybrid'), 'hybrid', innerPath(undefined, 'c1'));
  assert.deepEqual(p, {
    memory: '/sys/fs/cgroup/memory/process_api/abc/c1',
    'name=systemd': '/sys/fs/cgroup/systemd/c1',
    cpu: '/sys/fs/cgroup/cpu,cpuacct/c1',
    cpuacct: '/sys/fs/cgroup/cpu,cpuacct/c1',
    // the pids mount shows /kubepods/pod1 at its mountpoint
    pids: '/sys/fs/cgroup/pids/me/c1',
    '': '/sys/fs/cgroup/unified/user.slice/sess/c1',
  });
});

test('absolute paths start at each hierarchy root', () => {
  const p = containerPaths(view('v1'), 'v1', innerPath('/runts/c1', 'c1'));
  assert.equal(p.memory, '/sys/fs/cgroup/memory/runts/c1');
  assert.equal(p.pids, '/sys/fs/cgroup/pids/runts/c1');
  assert.equal(p[''], undefined);
});

test('v2: relative paths start at the parent of the own cgroup (as runc)', () => {
  assert.deepEqual(containerPaths(view('v2'), 'v2', innerPath(undefined, 'c1')), { '': '/sys/fs/cgroup/user.slice/c1' });
  assert.deepEqual(containerPaths(view('v2'), 'v2', innerPath('/machine/c1', 'c1')), { '': '/sys/fs/cgroup/machine/c1' });
});
