/**
 * `features` is honest: everything it claims is accepted by the validator and turned
 * into a plan by the builder (both read the same tables), and what it leaves out is
 * refused. Real-container checks of a few claims live in test/integration/oci-fields.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { features } from '../../../src/spec/features.js';
import { defaultSpec } from '../../../src/spec/defaults.js';
import { checkSpec } from '../../../src/spec/validate.js';
import type { Spec } from '../../../src/spec/types.js';
import { buildInitPlan } from '../../../src/plan/build.js';
import { encodePlan, decodePlan } from '../../../src/plan/encode.js';

const f = features({ libseccomp: '2.5.4' });

function problemsOf(edit: (s: Spec) => void): string[] {
  const s = defaultSpec();
  edit(s);
  return checkSpec(s, { bundle: '/bundle' }).problems.map((p) => `${p.path}: ${p.message}`);
}

test('every claimed mount option is accepted and planned', () => {
  assert.ok(f.mountOptions.length > 30);
  for (const opt of f.mountOptions) {
    // tmpcopyup only means something on a tmpfs (the validator refuses it elsewhere).
    const m = opt === 'tmpcopyup'
      ? { destination: '/x', type: 'tmpfs', source: 'tmpfs', options: [opt] }
      : { destination: '/x', type: 'bind', source: '/tmp', options: ['rbind', opt] };
    assert.deepEqual(problemsOf((s) => s.mounts!.push(m)), [], opt);
  }
  assert.ok(f.mountOptions.includes('tmpcopyup'));
  for (const o of ['rro', 'rnosuid', 'rnodev', 'rnoexec', 'ratime', 'rnoatime', 'rstrictatime', 'rrelatime']) assert.ok(f.mountOptions.includes(o), o);
});

test('idmap options are claimed only when the build has idmapped mounts', () => {
  assert.ok(!f.mountOptions.includes('idmap'));
  assert.equal(f.linux.mountExtensions.idmap.enabled, false);
  const g = features({ idmap: true });
  assert.ok(g.mountOptions.includes('idmap') && g.linux.mountExtensions.idmap.enabled);
});

test('every claimed namespace is accepted and becomes a clone flag', () => {
  for (const ns of f.linux.namespaces) {
    const edit = (s: Spec) => {
      s.linux!.namespaces = [{ type: 'mount' }, ...(ns === 'mount' ? [] : [{ type: ns as 'pid' }])];
      if (ns === 'user') {
        s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      }
      delete s.hostname;
      s.linux!.sysctl = {};
    };
    assert.deepEqual(problemsOf(edit), [], ns);
    const s = defaultSpec();
    edit(s);
    const p = buildInitPlan(s, { id: 'x', bundle: '/b', rootfs: '/r', launch: 'create', sourceKind: () => 'dir' });
    assert.notEqual(p.cloneFlags, 0n, ns);
  }
  assert.ok(f.linux.namespaces.includes('time'), 'time namespaces are implemented');
});

test('every claimed capability is known (no warning) and every known one is claimed', () => {
  const s = defaultSpec();
  s.process!.capabilities = { bounding: f.linux.capabilities, permitted: f.linux.capabilities, effective: f.linux.capabilities };
  const r = checkSpec(s, { bundle: '/b' });
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.warnings, []);
  assert.equal(f.linux.capabilities.length, 41);
});

test('every claimed seccomp action, operator, arch and flag is accepted', () => {
  const { actions, operators, archs, supportedFlags } = f.linux.seccomp;
  assert.equal(f.linux.seccomp.enabled, true);
  const syscalls = [
    ...actions.map((action) => ({ names: ['getpid'], action, ...(action === 'SCMP_ACT_ERRNO' ? { errnoRet: 1 } : {}) })),
    ...operators.map((op) => ({ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, valueTwo: 1, op }] })),
  ];
  assert.deepEqual(problemsOf((s) => {
    s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', architectures: archs, flags: supportedFlags, listenerPath: '/run/l.sock', syscalls };
  }), []);
  assert.deepEqual(problemsOf((s) => {
    s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['x'], action: 'SCMP_ACT_BOGUS' }] };
  }).length, 1, 'an action not claimed is refused');
});

test('every claimed hook kind is accepted and the init gets its own kinds', () => {
  const hooks = Object.fromEntries(f.hooks.map((k) => [k, [{ path: '/bin/true', args: ['true', k], timeout: 5 }]]));
  assert.deepEqual(problemsOf((s) => (s.hooks = hooks)), []);
  const s = defaultSpec();
  s.hooks = hooks;
  const p = decodePlan(encodePlan(buildInitPlan(s, { id: 'x', bundle: '/b', rootfs: '/r', launch: 'create', sourceKind: () => 'dir' })));
  assert.equal(p.hookBarrier, true);
  assert.deepEqual(p.hooks.map((h) => [h.kind, h.args[1], h.timeout]), [[1, 'createContainer', 5], [2, 'startContainer', 5]]);
});

test('the version range is the validator\'s', () => {
  assert.deepEqual(problemsOf((s) => (s.ociVersion = f.ociVersionMin)), []);
  assert.deepEqual(problemsOf((s) => (s.ociVersion = f.ociVersionMax)), []);
  assert.equal(problemsOf((s) => (s.ociVersion = '9.0.0')).length, 1);
});

test('host facts: libseccomp version annotation, LSMs only when detected, no Intel RDT', () => {
  assert.equal(f.annotations['io.github.seccomp.libseccomp.version'], '2.5.4');
  assert.equal(f.linux.apparmor.enabled, false);
  assert.equal(f.linux.selinux.enabled, false);
  assert.equal(f.linux.intelRdt.enabled, false);
  assert.equal(features({}).annotations['io.github.seccomp.libseccomp.version'], undefined);
});
