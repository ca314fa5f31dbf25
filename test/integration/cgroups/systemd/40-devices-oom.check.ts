/**
 * Checks the transcripts of 40-devices-oom.sh: the scope's DevicePolicy=/DeviceAllow= as
 * runc 1.3.6 sets them (the "next" lines of the runc run) and as runc 1.1.5 does up to its
 * known differences, what opening devices gives inside, OOM kills (event, state, nothing
 * left), the silent bus (runts only), checkpoint/restore. Lines starting with "#" are
 * diagnostics and are not compared.
 */
import assert from 'node:assert/strict';

const LEFT = 'left: unit=inactive loaded=0 cgroup=no';

function lines(t: string, rt: string): string[] {
  return t.replaceAll(rt, 'RT').split('\n').filter((l) => l && !l.startsWith('#'));
}

/** The DevicePolicy/DeviceAllow lines of section `s` ("A", "B"), with the given extra prefix. */
function devLines(ls: string[], s: string, extra = ''): string[] {
  const p = `${s} ${extra}`;
  return ls.filter((l) => l.startsWith(p) && /^Device(Policy|Allow)=/.test(l.slice(p.length))).map((l) => `${s} ${l.slice(p.length)}`);
}

/**
 * runc 1.1.5's DeviceAllow= from 1.3's: a whole major is named by its /proc/devices group
 * (char-pts, char-misc), and a device whose /sys/dev/char entry is missing is left out
 * (`skipping device /dev/char/10:200 for systemd` until the tun module is loaded, which
 * part E does): that entry is not compared.
 */
function as115(ls: string[]): string[] {
  return ls
    .filter((l) => !l.endsWith('DeviceAllow=/dev/char/10:200 rwm'))
    .map((l) => l.replace('DeviceAllow=char-136 ', 'DeviceAllow=char-pts ').replace('DeviceAllow=char-10 ', 'DeviceAllow=char-misc '));
}
const no10200 = (ls: string[]) => ls.filter((l) => !l.endsWith('DeviceAllow=/dev/char/10:200 rwm'));

export function check(runts: string, runc: string, stderr: string): void {
  const mine = lines(runts, 'runts');
  const theirs = lines(runc, 'runc');
  const ctx = `\n--- runts\n${runts}\n--- runc\n${runc}\n${stderr}`;
  for (const want of [
    'A run rc=0', 'A DevicePolicy=strict', 'A DeviceAllow=char-136 rwm', 'A DeviceAllow=/dev/char/1:3 rwm', 'A DeviceAllow=char-* m', 'A null: write ok', 'A urandom: read 4',
    'B run rc=0', 'B DeviceAllow=char-10 rwm', 'B DeviceAllow=/dev/block/7:0 r', 'B /dev/kmsg: Operation not permitted', 'B /dev/loop0: open ok', 'B update rc=0',
    'C oom_kill>=1: yes', 'C oom event=yes', 'C delete rc=0', 'C failed units=0', 'C2 status=stopped', 'C2 delete rc=0', 'C2 failed units=0',
    'D silent bus rc=1', 'D list=0 state-dir=no', `D ${LEFT}`,
  ]) assert.ok(mine.includes(want), `runts transcript lacks ${JSON.stringify(want)}${ctx}`);
  assert.match(mine.find((l) => l.startsWith('D error: ')) ?? '', /start systemd unit sdtest-RT40d\.scope: D-Bus \(\/run\/sdtest40-RT-silent\.sock\): no answer to AUTH EXTERNAL within 3000 ms/, `the silent bus error${ctx}`);
  assert.ok(mine.filter((l) => l.startsWith('left: ')).every((l) => l === LEFT), `nothing left after delete${ctx}`);

  // Device properties: runts = runc 1.3.6; runc 1.1.5 = the same up to its known differences.
  for (const s of ['A', 'B']) {
    assert.deepEqual(devLines(mine, s), devLines(theirs, s, 'next '), `section ${s}: runts's DeviceAllow= differs from runc 1.3.6's${ctx}`);
    assert.deepEqual(as115(devLines(mine, s)), no10200(devLines(theirs, s)), `section ${s}: runts's DeviceAllow= differs from runc 1.1.5's beyond the known differences${ctx}`);
  }
  assert.deepEqual(devLines(mine, 'B', 'after update '), devLines(mine, 'B'), `update leaves the device properties alone${ctx}`);

  // Everything else a caller sees is the same (runc's extra "next" lines and runts's silent-bus section aside).
  const rest = (ls: string[]) => ls.filter((l) => !/^[AB] (next |after update )?Device(Policy|Allow)=/.test(l) && !l.startsWith('D '));
  assert.deepEqual(rest(mine), rest(theirs), `runts and runc differ${ctx}`);

  // Checkpoint/restore (unless /opt/criu4 is missing): CRIU works in the guest once its
  // modules are loaded; the restored container runs on in a new scope with its properties.
  if (!mine.includes('E criu: absent')) {
    assert.ok(mine.includes('E criu check rc=0') && theirs.includes('E criu check rc=0'), `criu check fails in the guest${ctx}`);
    for (const want of [
      'E checkpoint rc=0', `E after checkpoint: status= ${LEFT}`, 'E restore rc=0', 'E restored: status=running unit=active', 'E counter kept going: yes',
      'E cgroup=/machine.slice/sdtest-RT40e.scope', 'E restored MemoryMax=67108864', 'E restored TasksMax=50', 'E restored DevicePolicy=strict', `E ${LEFT}`,
    ]) {
      assert.ok(mine.includes(want), `runts transcript lacks ${JSON.stringify(want)}${ctx}`);
    }
  }
}
