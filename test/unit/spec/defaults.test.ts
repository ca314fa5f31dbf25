import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSpec, SPEC_VERSION } from '../../../src/spec/defaults.js';
import { checkSpec, MAX_SPEC_VERSION } from '../../../src/spec/validate.js';
import { RUNC_SPEC, RUNC_SPEC_ROOTLESS } from './runc-spec-fixture.js';

// runc 1.1.5 also lists the three capabilities as ambient; runc >= 1.2 dropped that
// (opencontainers/runc#4367: ambient without inheritable is never granted), and so do we.
const AMBIENT = ',\n\t\t\t"ambient": [\n\t\t\t\t"CAP_AUDIT_WRITE",\n\t\t\t\t"CAP_KILL",\n\t\t\t\t"CAP_NET_BIND_SERVICE"\n\t\t\t]';

test('SPEC_VERSION is 1.2.1 and within what we validate', () => {
  assert.equal(SPEC_VERSION, '1.2.1');
  assert.ok(SPEC_VERSION <= MAX_SPEC_VERSION);
});

test('defaultSpec() prints exactly what runc spec prints, but for ociVersion', () => {
  const expected = RUNC_SPEC.replace('"ociVersion": "1.0.2-dev"', `"ociVersion": "${SPEC_VERSION}"`).replace(AMBIENT, '');
  assert.equal(JSON.stringify(defaultSpec(), null, '\t'), expected);
});

test('defaultSpec({rootless}) prints exactly what runc spec --rootless prints (as root), but for ociVersion', () => {
  const expected = RUNC_SPEC_ROOTLESS.replace('"ociVersion": "1.0.2-dev"', `"ociVersion": "${SPEC_VERSION}"`).replace(AMBIENT, '');
  assert.equal(JSON.stringify(defaultSpec({ rootless: true }), null, '\t'), expected);
});

test('both defaults validate clean, without warnings', () => {
  const clean = (s: unknown) => { const { problems, warnings } = checkSpec(s); return { problems, warnings }; };
  assert.deepEqual(clean(defaultSpec()), { problems: [], warnings: [] });
  assert.deepEqual(clean(defaultSpec({ rootless: true, hostUid: 1000, hostGid: 1000 })), { problems: [], warnings: [] });
  assert.deepEqual(clean(defaultSpec({ cgroupns: true, args: ['/bin/true'] })), { problems: [], warnings: [] });
});

test('options: args, cgroupns, host ids for rootless', () => {
  const s = defaultSpec({ args: ['sleep', '10'], cgroupns: true });
  assert.deepEqual(s.process?.args, ['sleep', '10']);
  assert.deepEqual(s.linux?.namespaces?.map((n) => n.type), ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup']);
  const r = defaultSpec({ rootless: true, hostUid: 1000, hostGid: 1001, cgroupns: true });
  assert.deepEqual(r.linux?.uidMappings, [{ containerID: 0, hostID: 1000, size: 1 }]);
  assert.deepEqual(r.linux?.gidMappings, [{ containerID: 0, hostID: 1001, size: 1 }]);
  assert.deepEqual(r.linux?.namespaces?.map((n) => n.type), ['pid', 'ipc', 'uts', 'mount', 'cgroup', 'user']);
  assert.equal(r.linux?.resources, undefined);
});

test('each call returns a fresh copy', () => {
  const a = defaultSpec();
  a.process!.capabilities!.bounding!.push('CAP_SYS_ADMIN');
  a.linux!.maskedPaths!.pop();
  a.mounts![1]!.options!.push('x');
  const b = defaultSpec();
  assert.equal(b.process!.capabilities!.bounding!.length, 3);
  assert.equal(b.linux!.maskedPaths!.length, 10);
  assert.equal(b.mounts![1]!.options!.length, 4);
});
