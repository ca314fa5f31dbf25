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

test('mountinfo fast path: only cgroup lines are parsed; escapes, a last line without newline, odd lines', () => {
  const text = [
    '40 31 0:40 / /mnt/cgroup\\040dir rw - tmpfs tmpfs rw', // "cgroup" in the path, not the type
    'garbage line without separator',
    '41 31 0:41 /a\\134b /sys/fs/cgroup/with\\040space rw - cgroup cgroup rw,nosuid,release_agent=/x,memory',
    '',
    '42 31 0:42 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2',
    '43 31 0:43 / /x rw - cgroupfoo cgroup rw,cpu',
    '44 31 0:44 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids',
  ].join('\n');
  assert.deepEqual(parseMountinfo(text), [
    { mountpoint: '/sys/fs/cgroup/with space', root: '/a\\b', type: 'cgroup', controllers: ['memory'] },
    { mountpoint: '/sys/fs/cgroup/unified', root: '/', type: 'cgroup2', controllers: [] },
    { mountpoint: '/sys/fs/cgroup/pids', root: '/', type: 'cgroup', controllers: ['pids'] },
  ]);
  assert.deepEqual(parseMountinfo(''), []);
  assert.deepEqual(parseMountinfo('\n\n'), []);
  // A separator only on a later line does not make an earlier line a mount.
  assert.deepEqual(parseMountinfo('1 2 3 / /a rw\n4 5 6 / /b rw - cgroup2 cgroup2 rw\n').map((m) => m.mountpoint), ['/b']);
  // The first " - " of a line is its separator, even with another " - cgroup" after it.
  assert.deepEqual(parseMountinfo('1 2 3 / /a rw - tmpfs x - cgroup cgroup rw,cpu\n1 2 3 / /b rw - cgroup2 x - cgroup y rw,cpu'), [
    { mountpoint: '/b', root: '/', type: 'cgroup2', controllers: [] },
  ]);
  // The type at the very end of the text (no super options, no newline).
  assert.deepEqual(parseMountinfo('4 5 6 / /c rw - cgroup2').map((m) => [m.mountpoint, m.type]), [['/c', 'cgroup2']]);
});
