/**
 * The systemd cgroup driver on a HYBRID systemd host: one boot of the guest of
 * systemd-hybrid-vm.sh (cgroup2-vm.sh --systemd with systemd.unified_cgroup_hierarchy=0:
 * v1 controllers on a tmpfs at /sys/fs/cgroup, cgroup2 at /sys/fs/cgroup/unified; the
 * script's name says cgroup2 but this guest is hybrid). systemd-lane.sh runs every part
 * systemd-hybrid/NN-name.sh (SDTEST_DIR) for runts and then for runc 1.1.5 (/usr/sbin/runc);
 * each part's NN-name.check.ts compares the two transcripts (one subtest per part).
 * Slow: the guest is emulated. RUNTS_SKIP_VM=1 leaves it out; SDTEST_PARTS picks parts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repoRoot, SKIP_NOT_ROOT } from './helpers.js';
import { rootfs } from '../helpers.js';
import { defaultSpec } from '../../../src/spec/defaults.js';

const repo = repoRoot();
const here = join(repo, 'test', 'integration', 'cgroups');
const vm = process.env.CGROUP2_VM ?? resolve(repo, '..', 'shared', 'tools', 'cgroup2-vm.sh');
const wrapper = join(here, 'systemd-hybrid-vm.sh');
const runc = '/usr/sbin/runc';
const partsDir = join(here, 'systemd-hybrid');
const cli = process.env.RUNTS_TEST_CLI ? resolve(process.env.RUNTS_TEST_CLI) : join(repo, 'bin', 'runts');
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

function why(): string | false {
  if (SKIP_NOT_ROOT) return SKIP_NOT_ROOT;
  if (process.env.RUNTS_SKIP_VM) return 'RUNTS_SKIP_VM is set';
  if (process.arch !== 'x64') return 'the cgroup2 VM runs on x86_64 hosts only';
  if (!existsSync(vm)) return `no cgroup2 VM script at ${vm} (set CGROUP2_VM)`;
  if (!has('qemu-system-x86_64')) return 'qemu-system-x86_64 is missing (apt-get install qemu-system-x86)';
  if (!existsSync('/lib/systemd/systemd')) return 'no /lib/systemd/systemd on this host to boot the guest with';
  if (!existsSync(runc)) return `no runc at ${runc} to compare with`;
  if (!existsSync(cli) || !cli.startsWith(repo + '/')) return `no CLI at ${cli} inside the checkout ${repo} (the guest shares the checkout)`;
  return false;
}

/** The lane's stdout split into parts: name -> runtime -> transcript (only parts that reached their end line). */
function splitParts(out: string): Map<string, Map<string, string>> {
  const parts = new Map<string, Map<string, string>>();
  let cur: { name: string; rt: string; lines: string[] } | null = null;
  for (const line of out.split('\n')) {
    const m = /^=== part (\S+) (\S+)$/.exec(line);
    if (m) cur = { name: m[1]!, rt: m[2]!, lines: [] };
    else if (line.startsWith('=== end ') && cur) {
      if (!parts.has(cur.name)) parts.set(cur.name, new Map());
      parts.get(cur.name)!.set(cur.rt, cur.lines.join('\n') + '\n');
      cur = null;
    } else cur?.lines.push(line);
  }
  return parts;
}

test('systemd cgroup driver on a hybrid host: runts vs runc 1.1.5 (hybrid systemd guest, one boot)', { skip: why(), timeout: 1_300_000 }, async (t) => {
  const dir = mkdtempSync(join(repo, '.sdhvm-tmp-'));
  try {
    cpSync(rootfs(), join(dir, 'rootfs'), { recursive: true, verbatimSymlinks: true });
    const s = defaultSpec();
    s.root = { path: join(dir, 'rootfs'), readonly: true };
    s.process!.terminal = false;
    s.process!.args = ['sleep', '1000'];
    s.linux!.cgroupsPath = '@CGPATH@';
    s.linux!.resources = { ...s.linux!.resources, memory: { limit: 64 << 20 }, pids: { limit: 50 }, cpu: { quota: 50000, period: 100000 } };
    writeFileSync(join(dir, 'config.tpl'), JSON.stringify(s, null, 1));
    const env = ['--env', 'NODE_EXTRA_CA_CERTS=', '--env', 'SDTEST_DIR=systemd-hybrid'];
    for (const k of ['SDTEST_PARTS', 'SDTEST_QUICK']) if (process.env[k]) env.push('--env', `${k}=${process.env[k]}`);
    // Inside: the hierarchies first (a hybrid guest or nothing), then the lane.
    const script = 'set -e; [ "$(stat -f -c %T /sys/fs/cgroup)" = tmpfs ] && [ -e /sys/fs/cgroup/unified/cgroup.procs ] && [ -e /sys/fs/cgroup/systemd/cgroup.procs ] && [ -e /sys/fs/cgroup/memory/memory.limit_in_bytes ] || { echo "guest is not hybrid" >&2; grep cgroup /proc/self/mounts >&2; exit 3; }; echo "guest: hybrid ($(systemctl --version | head -n1))" >&2; set +e; exec bash "$@"';
    const t0 = Date.now();
    const boot = () => spawnSync(wrapper, ['--share', repo, '--timeout', '1200', ...env, '--', 'bash', '-c', script, 'lane', join(here, 'systemd-lane.sh'), cli, runc, dir], { encoding: 'utf8', cwd: repo, timeout: 1_250_000, env: { ...process.env, CGROUP2_VM: vm } });
    let r = boot();
    if (r.status === 125) {
      t.diagnostic(`the VM failed to boot (exit 125: ${(r.stderr ?? '').split('\n').filter(Boolean).slice(-2).join(' | ')}); booting it again`);
      r = boot();
    }
    t.diagnostic(`VM run took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    for (const l of (r.stderr ?? '').split('\n').filter((x) => x.startsWith('TIME ') || x.startsWith('guest: ') || x.includes('] lane: '))) t.diagnostic(l);
    assert.equal(r.status, 0, `VM exit ${r.status}\n${r.stdout}\n${r.stderr}`);
    const parts = splitParts(r.stdout);
    const wanted = process.env.SDTEST_PARTS?.split(/\s+/).filter(Boolean);
    for (const f of readdirSync(partsDir).filter((x) => /^\d+-.*\.sh$/.test(x)).sort()) {
      const name = f.slice(0, -3);
      const skip = wanted && !wanted.includes(name) ? `SDTEST_PARTS leaves ${name} out` : false;
      await t.test(name, { skip }, async () => {
        const got = parts.get(name) ?? new Map<string, string>();
        assert.ok(got.has('runts') && got.has('runc'), `part ${name} did not run to its end for both runtimes\n${r.stdout}\n${r.stderr}`);
        const { check } = (await import(`./systemd-hybrid/${name}.check.js`)) as { check: (a: string, b: string, e: string) => void };
        check(got.get('runts')!, got.get('runc')!, r.stderr ?? '');
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
