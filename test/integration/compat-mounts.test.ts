/**
 * Mounts as runc makes them (issue 17, "Mounts"): the same bundle runs through runts and
 * through runc (1.3.6, the reference; Debian's 1.1.5 where engines here run it), and
 * what a caller sees is compared: exit status, output (mount flags read from
 * /proc/self/mountinfo inside), the presence of an error.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Spec } from '../../src/spec/types.js';
import { REPO, RUNTS, SKIP_NOT_ROOT, mountsUnder, rootfs, workspace, type Workspace } from './helpers.js';

const RUNC = '/opt/next/bin/runc';
const RUNC11 = '/usr/sbin/runc';
const SKIP = SKIP_NOT_ROOT || (existsSync(RUNC) ? false : `runc 1.3 (the reference) is not at ${RUNC}`);

interface Outcome { code: number | null; out: string; err: string }

/** A user namespace mapping 0..65535 to 100000.. (no cgroup mount: as runc needs it). */
function userns(s: Spec): void {
  s.linux!.namespaces!.push({ type: 'user' });
  s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  s.mounts = s.mounts!.filter((m) => m.type !== 'cgroup');
}

/** Prints `<mount point> <mount options> <fstype>` for each mount point given, from inside. */
const flagsOf = (...points: string[]) =>
  points.map((p) => `awk '$5 == "${p}" { for (i = 7; $i != "-"; i++); print $5, $6, $(i+1) }' /proc/self/mountinfo`).join('; ');

describe('mounts as runc makes them', { skip: SKIP }, () => {
  let ws: Workspace;
  const runcRoots = new Set<string>();
  before(() => {
    ws = workspace('cmounts');
    chmodSync(ws.dir, 0o755);
  });
  after(() => {
    for (const root of runcRoots) {
      const bin = root.endsWith('-11') ? RUNC11 : RUNC;
      const ids = spawnSync(bin, ['--root', root, 'list', '-q'], { encoding: 'utf8' }).stdout ?? '';
      for (const id of ids.split('\n').filter(Boolean)) spawnSync(bin, ['--root', root, 'delete', '-f', id]);
    }
    for (const m of mountsUnder(ws.dir).reverse()) spawnSync('umount', ['-l', m]);
    ws.cleanup();
  });

  /** Runs a runtime binary like ws.runts does (stdio to files: detached containers keep them). */
  function runtime(bin: string, args: string[]): Outcome {
    const root = bin === RUNTS ? ws.root : join(ws.dir, bin === RUNC11 ? 'runc-state-11' : 'runc-state');
    if (bin !== RUNTS) runcRoots.add(root);
    const out = join(ws.dir, '.o');
    const err = join(ws.dir, '.e');
    const fds = [openSync(out, 'w'), openSync(err, 'w')];
    try {
      const r = spawnSync(bin, ['--root', root, ...args], { cwd: ws.bundle, timeout: 30_000, stdio: ['ignore', fds[0]!, fds[1]!] });
      return { code: r.status, out: readFileSync(out, 'utf8'), err: readFileSync(err, 'utf8') };
    } finally {
      for (const fd of fds) closeSync(fd);
    }
  }

  /** `run` of the same bundle under each runtime (runts first); the container is deleted after. */
  function each(script: string, edit: (s: Spec) => void, bins = [RUNTS, RUNC]): Outcome[] {
    ws.writeSpec(ws.spec(['sh', '-c', script], edit));
    return bins.map((bin) => {
      const id = ws.id();
      const r = runtime(bin, ['run', id]);
      runtime(bin, ['delete', '-f', id]);
      return r;
    });
  }

  /** runts and runc agree: same status and output, and an error (or none) in both. */
  function agree(script: string, edit: (s: Spec) => void, bins = [RUNTS, RUNC]): Outcome {
    const [ours, ...refs] = each(script, edit, bins);
    for (const [i, ref] of refs.entries()) {
      const name = bins[i + 1]!;
      assert.equal(ours!.code, ref.code, `exit status: runts ${ours!.code} (${ours!.err.trim()}), ${name} ${ref.code} (${ref.err.trim()})`);
      assert.equal(ours!.out, ref.out, `output differs from ${name}`);
      assert.equal(ours!.err !== '', ref.err !== '', `an error in one only: runts '${ours!.err.trim()}', ${name} '${ref.err.trim()}'`);
    }
    return ours!;
  }

  it('order: a bind whose source lies in a tmpfs mounted before it, and an idmapped one, as in runc', () => {
    const src = join(ws.dir, 'order-src');
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'f'), 'from the host\n');
    const inRootfs = join(rootfs(), 'tmp');
    const mounts = (s: Spec) => s.mounts!.push(
      { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['mode=755'] },
      { destination: '/tmp/sub', type: 'bind', source: src, options: ['bind'] },
      // host paths inside the rootfs: in the container's mount namespace they lead into the tmpfs
      { destination: '/home', type: 'bind', source: join(inRootfs, 'sub'), options: ['bind'] },
      {
        destination: '/root', type: 'bind', source: inRootfs, options: ['bind', 'idmap'],
        uidMappings: [{ containerID: 0, hostID: 1000, size: 10 }], gidMappings: [{ containerID: 0, hostID: 1000, size: 10 }],
      },
    );
    const script = `cat /home/f; stat -c '%u %g %n' /root/sub; ${flagsOf('/home', '/root')}`;
    const plain = agree(script, mounts);
    assert.equal(plain.code, 0, plain.err);
    assert.match(plain.out, /^from the host\n1000 1000 \/root\/sub\n\/home rw,relatime ext4\n\/root rw,relatime,idmapped tmpfs\n$/);
    const inUserns = agree(script, (s) => {
      userns(s);
      mounts(s);
    });
    assert.equal(inUserns.code, 0, inUserns.err);
    assert.match(inUserns.out, /^from the host\n\d+ \d+ \/root\/sub\n\/home rw,relatime ext4\n\/root rw,relatime,idmapped tmpfs\n$/);
  });

  it('user namespace: a bind source only host root can traverse (0700 parent) is opened by the runtime, for run and exec', () => {
    const priv = join(ws.dir, 'priv');
    mkdirSync(join(priv, 'data'), { recursive: true });
    writeFileSync(join(priv, 'data', 'f'), 'secret\n');
    chmodSync(priv, 0o700);
    ws.writeSpec(ws.spec(['sleep', '30'], (s) => {
      userns(s);
      s.mounts!.push(
        { destination: '/home', type: 'bind', source: join(priv, 'data'), options: ['rbind', 'ro'] },
        { destination: '/etc/group', type: 'bind', source: join(priv, 'data', 'f'), options: ['bind'] },
      );
    }));
    const seen = [RUNTS, RUNC, RUNC11].filter((b) => b === RUNTS || existsSync(b)).map((bin) => {
      const id = ws.id();
      try {
        const run = runtime(bin, ['run', '-d', id]);
        const exec = runtime(bin, ['exec', id, 'sh', '-c', `cat /home/f /etc/group; ${flagsOf('/home', '/etc/group')}`]);
        return { bin, run, exec };
      } finally {
        runtime(bin, ['delete', '-f', id]);
      }
    });
    for (const { bin, run, exec } of seen) {
      assert.equal(run.code, 0, `${bin} run: ${run.err}`);
      assert.equal(exec.code, 0, `${bin} exec: ${exec.err}`);
      assert.equal(exec.out, seen[0]!.exec.out, `exec output differs from ${bin}`);
    }
    assert.equal(seen[0]!.exec.out, 'secret\nsecret\n/home ro,relatime ext4\n/etc/group rw,relatime ext4\n');
  });

  /** A host tmpfs mounted with flags, under the workspace (unmounted by after()). */
  function hostMount(name: string, options: string): string {
    const dir = join(ws.dir, name);
    mkdirSync(dir, { recursive: true });
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return dir;
  }

  it('bind flags as runc 1.2+: unasked flags of the source are cleared, atime kept when none is asked for', () => {
    const src = hostMount('locked-src', 'ro,nosuid,nodev,noexec,nosymfollow,noatime');
    const expected: Record<string, string> = {
      'bind': 'ro,nosuid,nodev,noexec,noatime,nosymfollow', // no flag option: no remount
      'bind,dev': 'rw,noatime',
      'rbind,ro,symfollow': 'ro,noatime',
      'bind,relatime': 'rw,relatime',
      'bind,strictatime,rw': 'rw',
      'bind,norelatime': 'rw,noatime',
      'bind,nodiratime': 'rw,nodiratime,relatime',
    };
    for (const [opts, flags] of Object.entries(expected)) {
      const r = agree(flagsOf('/home'), (s) => s.mounts!.push({ destination: '/home', type: 'bind', source: src, options: opts.split(',') }));
      assert.equal(r.out, `/home ${flags} tmpfs\n`, opts);
    }
  });

  it('bind flags in a user namespace: locked flags kept, clearing one (or changing a locked atime) fails clearly, as runc', () => {
    const src = hostMount('userns-src', 'ro,nosuid,nodev,noexec,nosymfollow,noatime');
    const expected: Record<string, string | RegExp> = {
      'bind': 'ro,nosuid,nodev,noexec,noatime,nosymfollow',
      'bind,symfollow': 'ro,nosuid,nodev,noexec,noatime',
      'bind,nosuid': 'ro,nosuid,nodev,noexec,noatime',
      'bind,norelatime': 'ro,nosuid,nodev,noexec,noatime',
      'bind,dev': /cannot clear locked flags MS_NODEV/,
      'bind,rw': /cannot clear locked flags MS_RDONLY/,
      'bind,exec': /cannot clear locked flags MS_NOEXEC/,
      'bind,relatime': /cannot change locked atime flags MS_NOATIME/,
    };
    for (const [opts, want] of Object.entries(expected)) {
      const r = agree(flagsOf('/home'), (s) => {
        userns(s);
        s.mounts!.push({ destination: '/home', type: 'bind', source: src, options: opts.split(',') });
      });
      if (typeof want === 'string') assert.equal(r.out, `/home ${want} tmpfs\n`, `${opts}: ${r.err}`);
      else {
        assert.equal(r.code, 1, opts);
        assert.match(r.err, want, opts);
        assert.match(r.err, /remount \/home/, opts);
      }
    }
  });

  it('tmpfs mode: explicit mode= wins, otherwise the covered directory\'s mode is kept (a new one: 0755), as runc 1.3', () => {
    const script = `stat -c '%n %a' /tmp /root /srv /etc; awk '$9 == "tmpfs" && $5 ~ /^\\/(tmp|root|srv|etc)$/ { print $5, $NF }' /proc/self/mountinfo`;
    const tmpfs = (s: Spec) => s.mounts!.push(
      { destination: '/tmp', type: 'tmpfs', source: 'tmpfs' }, // 1777 in the image
      { destination: '/root', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] }, // 0755 in the image
      { destination: '/srv', type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] }, // missing: made 0755
      { destination: '/etc', type: 'tmpfs', source: 'tmpfs', options: ['mode=700'] },
    );
    ws.privateRootfs();
    const priv = (s: Spec) => {
      s.root!.path = join(ws.dir, 'rootfs');
      tmpfs(s);
    };
    const r = agree(script, priv);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^\/tmp 1777\n\/root 755\n\/srv 755\n\/etc 700\n/);
    assert.match(r.out, /\/srv rw,mode=755\n/);
    // with a user namespace (the container's root may not make /srv: the image has it now)
    chmodSync(join(ws.dir, 'rootfs', 'root'), 0o750);
    const u = agree(script, (s) => {
      userns(s);
      priv(s);
    });
    assert.equal(u.code, 0, u.err);
    assert.match(u.out, /^\/tmp 1777\n\/root 750\n\/srv 755\n\/etc 700\n/);
  });

  it('bind destinations through dangling symlinks are made inside the rootfs (trailing, middle, relative, chained), never on the host', () => {
    const src = join(ws.dir, 'dangle-src');
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'f'), 'bound\n');
    const escape = `/runts-escape-${process.pid}`;
    const outcomes = [RUNTS, RUNC].map((bin, i) => {
      const root = join(ws.dir, `dangle-rootfs-${i}`);
      cpSync(rootfs(), root, { recursive: true, verbatimSymlinks: true });
      symlinkSync(`${escape}/trail`, join(root, 'trail')); // absolute, to a path that exists nowhere
      symlinkSync(`../..${escape}-mid/deep`, join(root, 'mid')); // climbs above the root
      symlinkSync('relative/sub', join(root, 'rel'));
      symlinkSync('/trail', join(root, 'chain')); // to another dangling symlink
      ws.writeSpec(ws.spec(['sh', '-c', 'cat /trail/f /mid/x/f /rel/f /chain/f; awk \'$4 ~ /dangle-src/ { print $4, $5 }\' /proc/self/mountinfo'], (s) => {
        s.root!.path = root;
        s.mounts!.push(
          { destination: '/trail', type: 'bind', source: src, options: ['bind'] },
          { destination: '/mid/x', type: 'bind', source: src, options: ['bind'] },
          { destination: '/rel/f', type: 'bind', source: join(src, 'f'), options: ['bind'] },
          { destination: '/chain', type: 'bind', source: src, options: ['bind'] },
        );
      }));
      const id = ws.id();
      const r = runtime(bin, ['run', id]);
      runtime(bin, ['delete', '-f', id]);
      const made = [`${escape}/trail`, `${escape}-mid/deep/x`, 'relative/sub/f'].map((p) => existsSync(join(root, p)));
      return { ...r, made };
    });
    const [ours, ref] = outcomes;
    assert.equal(ours!.code, 0, ours!.err);
    assert.equal(ours!.code, ref!.code, ref!.err);
    assert.equal(ours!.out, ref!.out);
    assert.match(ours!.out, /^(bound\n){4}/);
    assert.deepEqual(ours!.made, [true, true, true], 'the destinations were made inside the rootfs');
    assert.deepEqual(ours!.made, ref!.made);
    assert.ok(!existsSync(escape) && !existsSync(`${escape}-mid`), 'nothing was made on the host');
  });

  it('/proc or /sys replaced by a symlink in the rootfs is refused, as runc ("must be mounted on ordinary directory")', () => {
    for (const [dir, link] of [['proc', 'tmp'], ['sys', '/nowhere']] as const) {
      const root = join(ws.dir, `symlinked-${dir}`);
      cpSync(rootfs(), root, { recursive: true, verbatimSymlinks: true });
      rmSync(join(root, dir), { recursive: true });
      symlinkSync(link, join(root, dir));
      const [ours, ref] = each('echo ran', (s) => (s.root!.path = root));
      for (const [name, r] of [['runts', ours!], ['runc', ref!]] as const) {
        assert.equal(r.code, 1, `${name} ran with /${dir} -> ${link}`);
        assert.equal(r.out, '');
        assert.match(r.err, new RegExp(`filesystem \\\\?"${dir === 'proc' ? 'proc' : 'sysfs'}\\\\?" must be mounted on ordinary directory`), name);
      }
      assert.match(ours!.err, new RegExp(`mount /${dir}`));
      assert.equal(ws.runts(['list', '-q']).stdout, '', 'nothing left');
    }
  });

  it('the cgroup mount shows the same hierarchies as runc\'s (on a hybrid host: v1 only, no unified cgroup2)', () => {
    // Mount points and fstypes under /sys/fs/cgroup, sorted (runts and runc order binds differently).
    const script = `awk '$5 ~ /^\\/sys\\/fs\\/cgroup/ { for (i = 7; $i != "-"; i++); print $5, $(i+1) }' /proc/self/mountinfo | sort`;
    const o = agree(script, () => {}, [RUNTS, RUNC, RUNC11]);
    assert.equal(o.code, 0, o.err);
    assert.match(o.out, /^\/sys\/fs\/cgroup /m);
  });

  it('masked paths: each masked directory its own read-only tmpfs (read-only superblock too), files masked by /dev/null, a path listed twice masked once', () => {
    const script = `awk '$5 ~ /^\\/(proc\\/(acpi|kcore|scsi)|sys\\/firmware)$/ { for (i = 7; $i != "-"; i++); print $3, $5, $6, $(i+1), $NF }' /proc/self/mountinfo; touch /proc/acpi/x 2>/dev/null || echo refused; cat /proc/kcore | wc -c`;
    const masked = (s: Spec) => (s.linux!.maskedPaths = ['/proc/acpi', '/proc/acpi', '/proc/kcore', '/sys/firmware', '/proc/scsi', '/no/such/path']);
    const [ours, ref] = each(script, masked);
    assert.equal(ours!.code, 0, ours!.err);
    assert.equal(ref!.code, 0, ref!.err);
    const lines = (o: Outcome) => o.out.trim().split('\n');
    const mine = lines(ours!);
    // runts: one mount per path; runc 1.3.6 mounts a duplicate twice and shares one tmpfs between the directories
    const dirs = mine.filter((l) => / tmpfs /.test(l));
    assert.deepEqual(dirs.map((l) => l.split(' ').slice(1).join(' ')), [
      '/proc/acpi ro,relatime tmpfs ro,size=4k,nr_inodes=1',
      '/sys/firmware ro,relatime tmpfs ro,size=4k,nr_inodes=1',
    ]);
    assert.notEqual(dirs[0]!.split(' ')[0], dirs[1]!.split(' ')[0], 'each directory has its own tmpfs');
    const flagsOnly = (ls: string[]) => [...new Set(ls.map((l) => l.split(' ').slice(1).join(' ')))].sort();
    assert.deepEqual(flagsOnly(mine), flagsOnly(lines(ref!)), 'same flags as runc for each masked path');
    assert.deepEqual(mine.slice(-2), ['refused', '0']);
  });

  it('read-only /dev (a /dev tmpfs with ro): devpts, the device nodes and symlinks still come up, then /dev is read-only, as runc', () => {
    const script = `ls /dev | tr '\\n' ' '; echo; awk '$5 ~ /^\\/dev/ { print $5, $6 }' /proc/self/mountinfo | sort; echo x > /dev/null && echo null-ok; touch /dev/x 2>/dev/null || echo read-only`;
    const roDev = (s: Spec) => {
      const dev = s.mounts!.find((m) => m.destination === '/dev')!;
      dev.options = [...(dev.options ?? []), 'ro'];
    };
    const plain = agree(script, roDev);
    assert.equal(plain.code, 0, plain.err);
    assert.match(plain.out, /^fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero \n/);
    assert.match(plain.out, /\n\/dev ro,nosuid\n\/dev\/mqueue rw,/);
    assert.match(plain.out, /null-ok\nread-only\n$/);
    const inUserns = agree(script, (s) => {
      userns(s);
      roDev(s);
    });
    assert.equal(inUserns.code, 0, inUserns.err);
    assert.match(inUserns.out, /\n\/dev ro,nosuid\n/);
  });

  it('rootfsPropagation and the propagation options of (idmapped) binds take effect as in runc, on a shared host mount', () => {
    // Everything runs in a private mount namespace of its own (unshare), where a shared
    // mount holds the rootfs and the bind source: nothing can propagate to the host.
    const base = join(ws.dir, 'prop');
    mkdirSync(base, { recursive: true });
    const shRoot = join(base, 'shared');
    const src = join(base, 'src');
    const cases: Array<[string | undefined, string]> = [
      [undefined, 'rslave'], ['shared', 'rshared'], ['slave', 'shared'], ['private', 'rslave'], ['rshared', 'rprivate'],
      ['rslave', 'rshared'], ['rprivate', 'runbindable'], ['unbindable', 'slave'],
    ];
    const specs = cases.map(([rootProp, bindProp], i) => {
      const spec = ws.spec(['sh', '-c', `awk '$5 == "/" || $5 == "/home" || $5 == "/proc" { o = ""; for (i = 7; $i != "-"; i++) o = o " " $i; print $5 o }' /proc/self/mountinfo; sleep 1; test -e /home/late/seen && echo seen || echo no-late`], (sp) => {
        sp.root!.path = join(shRoot, 'rootfs');
        if (rootProp) sp.linux!.rootfsPropagation = rootProp;
        sp.mounts!.push({
          destination: '/home', type: 'bind', source: src, options: ['rbind', bindProp, ...(i % 2 ? ['idmap'] : [])],
          ...(i % 2 ? { uidMappings: [{ containerID: 0, hostID: 1000, size: 10 }], gidMappings: [{ containerID: 0, hostID: 1000, size: 10 }] } : {}),
        });
      });
      writeFileSync(join(base, `config-${i}.json`), JSON.stringify(spec));
      return i;
    });
    // per case and runtime: run in the background, mount a tmpfs at <src>/late on the host
    // while it sleeps, then print what the container saw (does the host mount reach it?)
    const script = `set -e
mkdir -p ${shRoot} ${src}
mount --bind ${shRoot} ${shRoot}; mount --make-shared ${shRoot}
cp -a ${rootfs()} ${shRoot}/rootfs
mount -t tmpfs tmpfs ${src}; mount --make-shared ${src}; mkdir ${src}/late
for i in ${specs.join(' ')}; do
  for rt in ${RUNTS} ${RUNC}; do
    cp ${base}/config-$i.json ${ws.bundle}/config.json
    id=prop-$$-$i-$(basename $rt)
    (cd ${ws.bundle} && $rt --root ${base}/state-$(basename $rt) run $id > ${base}/out-$i-$(basename $rt) 2>&1) &
    sleep 0.5; mount -t tmpfs late ${src}/late; touch ${src}/late/seen
    wait
    umount ${src}/late
    echo "== $i $(basename $rt)"; cat ${base}/out-$i-$(basename $rt)
    $rt --root ${base}/state-$(basename $rt) delete -f $id >/dev/null 2>&1 || true
  done
done`;
    writeFileSync(join(base, 'run.sh'), script);
    const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'bash', join(base, 'run.sh')], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const blocks = new Map<string, string>();
    for (const b of r.stdout.split('== ').filter(Boolean)) {
      const nl = b.indexOf('\n');
      blocks.set(b.slice(0, nl), b.slice(nl + 1).replace(/(shared|master):\d+/g, '$1:N')); // peer group numbers differ run to run
    }
    for (const i of specs) {
      const ours = blocks.get(`${i} runts`);
      const ref = blocks.get(`${i} runc`);
      assert.ok(ours !== undefined && ref !== undefined, `case ${i} ran under both`);
      assert.equal(ours, ref, `rootfsPropagation ${cases[i]![0]}, bind ${cases[i]![1]}${i % 2 ? ' (idmapped)' : ''}`);
    }
    assert.match(blocks.get('1 runts')!, /^\/ shared:N\n/, 'shared: "/" is shared');
    assert.match(blocks.get('0 runts')!, /\/home master:N\n[^]*seen/, 'an rslave bind receives the host mount made after start');
    assert.match(blocks.get('4 runts')!, /no-late/, 'an rprivate bind does not');
  });

  it('--no-pivot: the container cannot mount a fresh, unmasked /proc (the host\'s procfs and sysfs are out of its namespace), as runc', () => {
    const dir = join(ws.dir, 'nested');
    mkdirSync(dir, { recursive: true });
    const cc = spawnSync('gcc', ['-O2', '-static', '-o', join(dir, 'nested-procfs'), join(REPO, 'test', 'integration', 'fixtures', 'nested-procfs.c')], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    const asUser = (s: Spec) => {
      s.process!.user = { uid: 1000, gid: 1000 };
      s.mounts!.push({ destination: '/home', type: 'bind', source: dir, options: ['bind', 'ro'] });
    };
    for (const [name, edit] of [['no user namespace', asUser], ['user namespace', (s: Spec) => { userns(s); asUser(s); }]] as const) {
      ws.writeSpec(ws.spec(['/home/nested-procfs'], edit));
      for (const args of [['--no-pivot'], []]) {
        const seen = [RUNTS, RUNC].map((bin) => {
          const id = ws.id();
          const r = runtime(bin, ['run', ...args, id]);
          runtime(bin, ['delete', '-f', id]);
          return r;
        });
        const what = `${name} ${args.join(' ') || 'pivot_root'}`;
        assert.equal(seen[0]!.code, 0, `${what}: ${seen[0]!.err}`);
        assert.equal(seen[0]!.out, seen[1]!.out, what);
        assert.equal(seen[0]!.out, 'proc: refused\nsysfs: refused\n', what);
      }
    }
  });
});
