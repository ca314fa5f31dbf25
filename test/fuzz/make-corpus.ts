/**
 * Writes the seed corpus of the plan-decoder fuzzer (test/fuzz/corpus/): PLAN payloads
 * exactly as runts sends them, from real specs (create, run, exec) and a plan that
 * sets every field. Run: node dist/test/fuzz/make-corpus.js [dir]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { encodePlan } from '../../src/plan/encode.js';
import { buildInitPlan } from '../../src/plan/build.js';
import { emptyPlan, type InitPlan } from '../../src/plan/types.js';
import { defaultSpec } from '../../src/spec/defaults.js';
import { REPO } from '../integration/helpers.js';

const dir = resolve(process.argv[2] ?? join(REPO, 'test', 'fuzz', 'corpus'));
mkdirSync(dir, { recursive: true });

const ctx = { id: 'fuzz', bundle: '/b', rootfs: '/b/rootfs', fifoPath: '/run/runts/fuzz/exec.fifo', sourceKind: () => 'dir' as const };
const seeds: Record<string, InitPlan> = {
  'empty': emptyPlan(),
  'default-create': buildInitPlan(defaultSpec(), { ...ctx, launch: 'create' }),
  'default-run': buildInitPlan(defaultSpec(), { ...ctx, launch: 'run' }),
  'full': {
    ...emptyPlan(), mode: 1, barrier: 2, fifoPath: '/run/x/exec.fifo', cloneFlags: 0x7e020000n,
    joinNamespaces: [{ type: 0x40000000, path: '/var/run/netns/a' }], uidMap: '0 1000 1\n', gidMap: '0 1000 1\n',
    rootfs: '/r', rootfsPropagation: (1n << 19n) | (1n << 14n),
    mounts: [{ kind: 2, source: '/src', destination: '/dst', fstype: '', flags: 4096n, data: '', propagation: [1n << 18n],
      attrSet: 1n, attrClr: 0n, destIsFile: true, remountFlags: 1n }],
    devices: [{ path: '/dev/null', kind: 1, major: 1, minor: 3, mode: 0o666, uid: 0, gid: 0 }],
    symlinks: [{ target: '/proc/self/fd', path: '/dev/fd' }], maskedPaths: ['/proc/kcore'], readonlyPaths: ['/proc/sys'],
    rootReadonly: true, hostname: 'h', domainname: 'd', sysctls: [{ path: 'net/ipv4/ip_forward', value: '1' }],
    rlimits: [{ resource: 7, soft: 1024n, hard: 0xffffffffffffffffn }], oomScoreAdj: -500, keyring: '_ses.x',
    loopbackUp: true, uid: 1000, gid: 1000, additionalGids: [10, 29], umask: 0o22, cwd: '/tmp', args: ['sh', '-c', 'é'],
    env: ['PATH=/bin'], capBounding: (1n << 41n) - 1n, capEffective: 1n, capInheritable: 0n, capPermitted: 1n, capAmbient: 0n,
    noNewPrivs: true, preserveFds: 2, setsid: true, label: 'x', monitor: true, terminal: true, consoleSocket: '/s',
    consoleHeight: 24, consoleWidth: 80,
  },
};
for (const [name, plan] of Object.entries(seeds)) writeFileSync(join(dir, `${name}.plan`), encodePlan(plan));
console.log(`wrote ${Object.keys(seeds).length} seeds to ${dir}`);
