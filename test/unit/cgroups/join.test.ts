import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cgroupJoin } from '../../../src/cgroups/join.js';

const HYBRID = {
  cpu: '/sys/fs/cgroup/cpu,cpuacct/c', cpuacct: '/sys/fs/cgroup/cpu,cpuacct/c', memory: '/sys/fs/cgroup/memory/c',
  'name=systemd': '/sys/fs/cgroup/systemd/c', '': '/sys/fs/cgroup/unified/c',
};

describe('cgroupJoin: how the shim enters the cgroups without a cgroup.procs write', () => {
  it('v2: the process is cloned into its directory', () => {
    assert.deepEqual(cgroupJoin('v2', { '': '/sys/fs/cgroup/c' }), { cgroupInto: '/sys/fs/cgroup/c', cgroupTasks: [], cgroupProcs: [] });
  });

  it('hybrid: v1 hierarchies by their tasks files (co-mounted ones once), the unified one by clone3', () => {
    assert.deepEqual(cgroupJoin('hybrid', HYBRID), {
      cgroupInto: '/sys/fs/cgroup/unified/c',
      cgroupTasks: ['/sys/fs/cgroup/cpu,cpuacct/c/tasks', '/sys/fs/cgroup/memory/c/tasks', '/sys/fs/cgroup/systemd/c/tasks'],
      cgroupProcs: [],
    });
  });

  it('hybrid, joining a cgroup namespace by path: the unified directory by cgroup.procs before the setns', () => {
    const j = cgroupJoin('hybrid', HYBRID, true);
    assert.equal(j.cgroupInto, '');
    assert.deepEqual(j.cgroupProcs, ['/sys/fs/cgroup/unified/c/cgroup.procs']);
    assert.equal(j.cgroupTasks.length, 3);
  });

  it('v1 without a unified hierarchy: tasks files only', () => {
    assert.deepEqual(cgroupJoin('v1', { pids: '/sys/fs/cgroup/pids/c' }), { cgroupInto: '', cgroupTasks: ['/sys/fs/cgroup/pids/c/tasks'], cgroupProcs: [] });
  });
});
