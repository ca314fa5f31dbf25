import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RuntsError } from '../../../src/errors.js';
import { assertValidSpec, checkSpec, validateSpec } from '../../../src/spec/validate.js';
import { base, fails, passes, problemsAfter, warningsAfter } from './helpers.js';

test('the default spec is valid', () => {
  const { problems, warnings } = checkSpec(base());
  assert.deepEqual({ problems, warnings }, { problems: [], warnings: [] });
});

test('non-objects and missing required sections', () => {
  assert.deepEqual(validateSpec(null), [{ path: '', message: 'expected an object, got null' }]);
  assert.deepEqual(validateSpec([]), [{ path: '', message: 'expected an object, got array' }]);
  assert.deepEqual(validateSpec(undefined), [{ path: '', message: 'is required' }]);
  assert.deepEqual(validateSpec({}).map((p) => p.path), ['ociVersion', 'root', 'process']);
  assert.deepEqual(validateSpec({}, { requireProcess: false }).map((p) => p.path), ['ociVersion', 'root']);
});

test('all problems are collected, not only the first', () => {
  const problems = problemsAfter((s) => {
    s.ociVersion = 2;
    s.root.path = '';
    s.process.args = [1, 'x', null];
    s.process.cwd = 'rel';
    s.linux.maskedPaths = ['proc'];
  });
  assert.deepEqual(problems.map((p) => p.path), [
    'ociVersion', 'root.path', 'process.args[0]', 'process.args[2]', 'process.cwd', 'linux.maskedPaths[0]',
  ]);
  assert.equal(problems[2]!.message, 'expected a string, got number');
});

test('assertValidSpec throws EINVALID listing each problem', () => {
  const s = base();
  s.process.cwd = 'x';
  s.process.oomScoreAdj = 5000;
  assert.throws(() => assertValidSpec(s), (e: unknown) => {
    assert.ok(e instanceof RuntsError);
    assert.equal(e.code, 'EINVALID');
    assert.equal(e.problems?.length, 2);
    assert.match(e.message, /process\.cwd: must be an absolute path/);
    assert.match(e.message, /process\.oomScoreAdj: must be at most 1000, got 5000/);
    return true;
  });
  assert.doesNotThrow(() => assertValidSpec(base()));
});

test('unknown fields are ignored', () => {
  passes((s) => {
    s.futureField = { anything: [1, 2] };
    s.process.somethingNew = true;
    s.linux.vendorThing = null;
  });
});

test('bundle must be absolute when given', () => {
  assert.deepEqual(validateSpec(base(), { bundle: '/b' }), []);
  assert.deepEqual(validateSpec(base(), { bundle: 'b' }).map((p) => p.path), ['bundle']);
});

test('ociVersion: a semantic version from 1.0.0 to 1.3.0', () => {
  for (const v of ['1.0.0', '1.0.2-dev', '1.1.0', '1.2.1', '1.3.0', '1.3.0-rc.1', '1.2.0+build.5']) passes((s) => { s.ociVersion = v; });
  fails((s) => { delete s.ociVersion; }, 'ociVersion', /^is required$/);
  fails((s) => { s.ociVersion = 1.2; }, 'ociVersion', /expected a string, got number/);
  fails((s) => { s.ociVersion = '1.2'; }, 'ociVersion', /not a semantic version/);
  fails((s) => { s.ociVersion = 'latest'; }, 'ociVersion', /not a semantic version/);
  fails((s) => { s.ociVersion = '1.3.1'; }, 'ociVersion', /unsupported version 1\.3\.1: supported versions are 1\.0\.0 to 1\.3\.0/);
  fails((s) => { s.ociVersion = '2.0.0'; }, 'ociVersion', /unsupported version/);
  fails((s) => { s.ociVersion = '0.6.0'; }, 'ociVersion', /unsupported version/);
  fails((s) => { s.ociVersion = '1.0.0-rc5'; }, 'ociVersion', /unsupported version/);
});

test('root', () => {
  passes((s) => { s.root = { path: '/abs/rootfs' }; });
  fails((s) => { delete s.root; }, 'root', /is required/);
  fails((s) => { s.root = 'rootfs'; }, 'root', /expected an object, got string/);
  fails((s) => { delete s.root.path; }, 'root.path', /is required/);
  fails((s) => { s.root.path = ''; }, 'root.path', /must not be empty/);
  fails((s) => { s.root.readonly = 'yes'; }, 'root.readonly', /expected a boolean, got string/);
});

test('process: args, cwd, env, terminal, consoleSize', () => {
  fails((s) => { delete s.process.args; }, 'process.args', /is required/);
  fails((s) => { s.process.args = []; }, 'process.args', /must not be empty/);
  fails((s) => { s.process.args = 'sh'; }, 'process.args', /expected an array, got string/);
  fails((s) => { s.process.args = ['sh', 5]; }, 'process.args[1]', /^expected a string, got number$/);
  fails((s) => { s.process.args = ['']; }, 'process.args[0]', /must not be empty/);
  passes((s) => { s.process.args = ['sh', '', '-c']; });
  fails((s) => { s.process.args = ['a\0b']; }, 'process.args[0]', /NUL byte/);
  fails((s) => { delete s.process.cwd; }, 'process.cwd', /is required/);
  fails((s) => { s.process.cwd = 'tmp'; }, 'process.cwd', /must be an absolute path, got "tmp"/);
  fails((s) => { s.process.env = ['PATH=/bin', 'NOVALUE']; }, 'process.env[1]', /expected KEY=value, got "NOVALUE"/);
  fails((s) => { s.process.env = ['=x']; }, 'process.env[0]', /expected KEY=value/);
  passes((s) => { s.process.env = ['EMPTY=', 'A=b=c']; });
  fails((s) => { s.process.terminal = 1; }, 'process.terminal', /expected a boolean, got number/);
  passes((s) => { s.process.consoleSize = { height: 24, width: 80 }; });
  fails((s) => { s.process.consoleSize = { height: -1, width: 80 }; }, 'process.consoleSize.height', /must not be negative/);
  fails((s) => { s.process = []; }, 'process', /expected an object, got array/);
});

test('process.user: ids, umask, additionalGids', () => {
  passes((s) => { s.process.user = { uid: 4294967295, gid: 1000, umask: 0o22, additionalGids: [5, 10] }; });
  passes((s) => { delete s.process.user; }); // as runc: uid 0, gid 0 (fillProcessDefaults)
  passes((s) => { delete s.process.user.uid; delete s.process.user.gid; });
  fails((s) => { s.process.user.uid = -1; }, 'process.user.uid', /must not be negative, got -1/);
  fails((s) => { s.process.user.gid = 4294967296; }, 'process.user.gid', /must be at most 4294967295/);
  fails((s) => { s.process.user.uid = 1.5; }, 'process.user.uid', /expected an integer, got 1\.5/);
  fails((s) => { s.process.user.uid = 2 ** 60; }, 'process.user.uid', /beyond 2\^53/);
  fails((s) => { s.process.user.uid = '0'; }, 'process.user.uid', /expected an integer, got string/);
  fails((s) => { s.process.user.umask = 0o1777; }, 'process.user.umask', /must be at most 511/);
  fails((s) => { s.process.user.additionalGids = [1, -2]; }, 'process.user.additionalGids[1]', /must not be negative/);
  fails((s) => { s.process.user.additionalGids = 5; }, 'process.user.additionalGids', /expected an array/);
});

test('process.capabilities: non-strings fail, unknown names (any shape, as runc) warn', () => {
  passes((s) => { s.process.capabilities.inheritable = ['CAP_SYS_ADMIN']; });
  passes((s) => { s.process.capabilities.bounding = ['CAP_KILL', 'kill', 'cap_chown']; });
  fails((s) => { s.process.capabilities.bounding = ['CAP_KILL', 5]; }, 'process.capabilities.bounding[1]', /expected a capability name string/);
  fails((s) => { s.process.capabilities.effective = 'CAP_KILL'; }, 'process.capabilities.effective', /expected an array/);
  fails((s) => { s.process.capabilities = []; }, 'process.capabilities', /expected an object, got array/);
  passes((s) => { s.process.capabilities.ambient = ['CAP_NEW_IN_2030']; });
  assert.deepEqual(warningsAfter((s) => { s.process.capabilities.ambient = ['CAP_NEW_IN_2030']; }),
    [{ path: 'process.capabilities.ambient', message: 'unknown capability CAP_NEW_IN_2030 is ignored' }]);
});

test('process.rlimits', () => {
  fails((s) => { s.process.rlimits.push({ type: 'RLIMIT_NOFILE', soft: 1, hard: 1 }); }, 'process.rlimits[1].type', /duplicate rlimit type RLIMIT_NOFILE/);
  fails((s) => { s.process.rlimits = [{ type: 'RLIMIT_NOPE', soft: 1, hard: 1 }]; }, 'process.rlimits[0].type', /unknown rlimit type/);
  fails((s) => { s.process.rlimits = [{ type: 'RLIMIT_CORE', soft: 2, hard: 1 }]; }, 'process.rlimits[0].soft', /greater than hard/);
  fails((s) => { s.process.rlimits = [{ type: 'RLIMIT_CORE', soft: -2, hard: 1 }]; }, 'process.rlimits[0].soft', /must not be negative/);
});

test('process: oomScoreAdj, noNewPrivileges, labels', () => {
  passes((s) => { s.process.oomScoreAdj = -1000; s.process.apparmorProfile = 'p'; s.process.selinuxLabel = 'l'; });
  fails((s) => { s.process.oomScoreAdj = -1001; }, 'process.oomScoreAdj', /must be at least -1000/);
  fails((s) => { s.process.oomScoreAdj = 1001; }, 'process.oomScoreAdj', /must be at most 1000/);
  fails((s) => { s.process.oomScoreAdj = 0.5; }, 'process.oomScoreAdj', /expected an integer/);
  fails((s) => { s.process.noNewPrivileges = 'true'; }, 'process.noNewPrivileges', /expected a boolean/);
  fails((s) => { s.process.apparmorProfile = 1; }, 'process.apparmorProfile', /expected a string/);
});

test('process.scheduler, ioPriority, execCPUAffinity', () => {
  passes((s) => { s.process.scheduler = { policy: 'SCHED_FIFO', priority: 10 }; });
  passes((s) => { s.process.scheduler = { policy: 'SCHED_DEADLINE', runtime: 10, deadline: 20, period: 30 }; });
  fails((s) => { s.process.scheduler = { policy: 'SCHED_FAST' }; }, 'process.scheduler.policy', /unknown value "SCHED_FAST"/);
  fails((s) => { s.process.scheduler = {}; }, 'process.scheduler.policy', /is required/);
  fails((s) => { s.process.scheduler = { policy: 'SCHED_OTHER', nice: 20 }; }, 'process.scheduler.nice', /at most 19/);
  fails((s) => { s.process.scheduler = { policy: 'SCHED_OTHER', priority: 5 }; }, 'process.scheduler.priority', /SCHED_FIFO and SCHED_RR/);
  fails((s) => { s.process.scheduler = { policy: 'SCHED_RR', runtime: 5 }; }, 'process.scheduler', /SCHED_DEADLINE/);
  passes((s) => { s.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 4 }; });
  fails((s) => { s.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 8 }; }, 'process.ioPriority.priority', /at most 7/);
  fails((s) => { s.process.ioPriority = { class: 'BE' }; }, 'process.ioPriority.class', /unknown value/);
  passes((s) => { s.process.execCPUAffinity = { initial: '0-3,7', final: '1' }; });
  fails((s) => { s.process.execCPUAffinity = { initial: 'all' }; }, 'process.execCPUAffinity.initial', /invalid CPU list/);
});

test('hostname and domainname need a uts namespace', () => {
  passes((s) => { s.domainname = 'example.org'; });
  fails((s) => { s.hostname = 5; }, 'hostname', /expected a string/);
  fails((s) => { s.linux.namespaces = s.linux.namespaces.filter((n: { type: string }) => n.type !== 'uts'); }, 'hostname', /needs a uts namespace/);
  fails((s) => {
    delete s.hostname;
    s.domainname = 'd';
    s.linux.namespaces = s.linux.namespaces.filter((n: { type: string }) => n.type !== 'uts');
  }, 'domainname', /needs a uts namespace/);
  passes((s) => { s.hostname = ''; s.linux.namespaces = s.linux.namespaces.filter((n: { type: string }) => n.type !== 'uts'); });
  passes((s) => { s.linux.namespaces = s.linux.namespaces.map((n: { type: string }) => (n.type === 'uts' ? { type: 'uts', path: '/proc/1/ns/uts' } : n)); });
});

test('mounts', () => {
  passes((s) => { s.mounts.push({ destination: '/data', type: 'bind', source: './data', options: ['rbind', 'rro', 'rprivate'] }); });
  passes((s) => { s.mounts.push({ destination: '/x' }); });
  fails((s) => { s.mounts = {}; }, 'mounts', /expected an array/);
  fails((s) => { s.mounts.push('tmpfs'); }, 'mounts[7]', /expected an object, got string/);
  fails((s) => { s.mounts.push({ type: 'tmpfs' }); }, 'mounts[7].destination', /is required/);
  passes((s) => { s.mounts.push({ destination: 'tmp' }); }); // relative to /, with a warning (normalise.ts)
  fails((s) => { s.mounts.push({ destination: '' }); }, 'mounts[7].destination', /must be an absolute path/);
  fails((s) => { s.mounts[0].source = 1; }, 'mounts[0].source', /expected a string/);
  fails((s) => { s.mounts[0].type = 5; }, 'mounts[0].type', /expected a string, got number/);
  passes((s) => { s.mounts[0].options = null; }); // null is absent, as in Go
  fails((s) => { s.mounts[1].options.push(7); }, 'mounts[1].options[4]', /expected a string, got number/);
  passes((s) => { s.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'tmpcopyup', 'mode=1777'] }); });
  fails((s) => { s.mounts.push({ destination: '/d', type: 'bind', source: '/src', options: ['rbind', 'ro', 'tmpcopyup'] }); }, 'mounts[7].options[2]', /tmpcopyup is only supported on tmpfs mounts/);
  fails((s) => { s.mounts.push({ destination: '/d', source: 'none', options: ['tmpcopyup'] }); }, 'mounts[7].options[0]', /tmpcopyup is only supported on tmpfs mounts/);
});

test('id-mapped mounts', () => {
  const maps = [{ containerID: 0, hostID: 100000, size: 65536 }];
  passes((s) => { s.mounts.push({ destination: '/d', source: '/src', options: ['bind'], uidMappings: maps, gidMappings: maps }); });
  passes((s) => { s.mounts.push({ destination: '/d', source: '/src', options: ['rbind', 'ridmap'] }); }, { rootless: true });
  fails((s) => { s.mounts.push({ destination: '/d', source: '/src', options: ['bind', 'idmap'] }); }, 'mounts[7].options', /needs a user namespace/);
  fails((s) => { s.mounts.push({ destination: '/d', type: 'tmpfs', uidMappings: maps, gidMappings: maps }); }, 'mounts[7].options', /only supported for bind mounts/);
  fails((s) => { s.mounts.push({ destination: '/d', options: ['bind'], uidMappings: maps }); }, 'mounts[7]', /needs both uidMappings and gidMappings/);
  fails((s) => { s.mounts.push({ destination: '/d', options: ['bind'], uidMappings: maps, gidMappings: [{ containerID: 0, hostID: 0, size: 0 }] }); },
    'mounts[7].gidMappings[0].size', /must be at least 1/);
});

test('hooks', () => {
  passes((s) => { s.hooks = { prestart: [{ path: '/bin/true', args: ['true'], env: ['A=b'], timeout: 5 }], poststop: [] }; });
  fails((s) => { s.hooks = []; }, 'hooks', /expected an object/);
  fails((s) => { s.hooks = { createRuntime: [{ path: 'true' }] }; }, 'hooks.createRuntime[0].path', /absolute/);
  fails((s) => { s.hooks = { poststart: [{}] }; }, 'hooks.poststart[0].path', /is required/);
  fails((s) => { s.hooks = { startContainer: [{ path: '/x', timeout: 0 }] }; }, 'hooks.startContainer[0].timeout', /at least 1/);
  fails((s) => { s.hooks = { createContainer: [{ path: '/x', env: ['X'] }] }; }, 'hooks.createContainer[0].env[0]', /KEY=value/);
  fails((s) => { s.hooks = { prestart: { path: '/x' } }; }, 'hooks.prestart', /expected an array/);
});

test('annotations: string to string, non-empty keys', () => {
  passes((s) => { s.annotations = { 'org.opencontainers.image.ref.name': 'x', simple: '' }; });
  fails((s) => { s.annotations = { 'io.x': 5 }; }, 'annotations["io.x"]', /expected a string, got number/);
  fails((s) => { s.annotations = { '': 'x' }; }, 'annotations[""]', /must not be empty/);
  fails((s) => { s.annotations = ['a=b']; }, 'annotations', /expected an object, got array/);
  passes((s) => { s.annotations = JSON.parse('{"__proto__": "x"}'); });
});
