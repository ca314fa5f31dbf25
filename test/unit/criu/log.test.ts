/**
 * CRIU failures in one line (src/criu/log.ts), from excerpts of real CRIU 4.1.1 logs of
 * this machine: the cause is found among the noise, said without strerror's ENOENT
 * wording, with the runts flag or fix that helps, and the log's path.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { causeFromLog, criuFailure, hintFor, plainErrors } from '../../../src/criu/log.js';
import { RuntsError } from '../../../src/errors.js';

const RLIMIT = "(00.067197) Error (criu/util.c:1533): rlimit: Can't setup RLIMIT_NOFILE for self: Operation not permitted";

/** A dump with the container's stdout on a unix socket (the peer outside). */
const UNIX_DUMP = [
  '(00.000000) Version: 4.1.1 (gitid 0)',
  RLIMIT,
  '(00.104389) unix: \tDumping unix socket at 1828387',
  '(00.104404) Error (criu/sk-unix.c:351): unix: Unix socket 1828387 not found',
  '(00.104421) ----------------------------------------',
  '(00.104432) Error (criu/cr-dump.c:1681): Dump files (pid: 11591) failed with -1',
  '(00.151151) Error (criu/cr-dump.c:2111): Dumping FAILED.',
].join('\n');

/** A restore into a rootfs where the mount point of a file bind is missing. */
const MNT_RESTORE = [
  "(00.061427) Error (criu/util.c:1533): rlimit: Can't setup RLIMIT_NOFILE for self: Operation not permitted",
  'Error: ipv4: Address already assigned.',
  'Error: ipv6: address already assigned.',
  "(00.193436)      1: Error (criu/mount-v2.c:628): mnt-v2: Can't stat mountpoint /tmp/.criu.mntns.XxQ9Nf/mnt-0000000148/etc/xdir/x.conf: No such file or directory",
  '(00.196385) Error (criu/cr-restore.c:2320): Restoring FAILED.',
  '(00.200472) Error (criu/cgroup.c:1998): cg: cgroupd: recv req error: No such file or directory',
].join('\n');

/** A restore whose stdout was a file at checkpoint and is a pipe now. */
const SEEK_RESTORE = [
  "(00.051585) Error (criu/util.c:1533): rlimit: Can't setup RLIMIT_NOFILE for self: Operation not permitted",
  "(00.057964) Warn  (criu/cr-restore.c:1043): Set CLONE_PARENT | CLONE_NEWPID but it might cause restore problem,because not all kernels support such clone flags combinations!",
  "(00.254313)      1: Error (criu/files-reg.c:2379): Can't restore file pos: Illegal seek",
  "(00.254328)      1: Error (criu/files-reg.c:2267): Can't open file fd/1: Illegal seek",
  '(00.254455)      1: Error (criu/files.c:1221): Unable to open fd=1 id=0x3',
  '(00.257661) Error (criu/cr-restore.c:2320): Restoring FAILED.',
].join('\n');

/** A dump of a pid that is gone: only rollback errors follow the noise. */
const GONE_DUMP = [
  '(00.062597) Warn  (criu/seize.c:63): Failed to open /proc/999999/comm: No such file or directory',
  "(00.062633) Error (criu/util.c:1533): rlimit: Can't setup RLIMIT_NOFILE for self: Operation not permitted",
  '(00.063891) Warn  (compel/src/lib/infect.c:133): Unable to interrupt task: 999999 (No such process)',
  '(00.063971) Error (compel/src/lib/infect.c:418): Unable to detach from 999999: No such process',
  '(00.064001) Error (criu/cr-dump.c:2111): Dumping FAILED.',
].join('\n');

describe('criu log: the cause', () => {
  it('skips the rlimit noise and the summaries', () => {
    assert.equal(causeFromLog(UNIX_DUMP), 'unix: Unix socket 1828387 not found');
    assert.equal(causeFromLog(SEEK_RESTORE), "Can't restore file pos: Illegal seek");
  });

  it('ignores lines of other programs ("Error: ipv4") and what follows the cause', () => {
    assert.equal(causeFromLog(MNT_RESTORE), "mnt-v2: Can't stat mountpoint /tmp/.criu.mntns.XxQ9Nf/mnt-0000000148/etc/xdir/x.conf: No such file or directory");
  });

  it('falls back to rollback errors, then to the noise, when nothing else is said', () => {
    assert.equal(causeFromLog(GONE_DUMP), 'Unable to detach from 999999: No such process');
    assert.equal(causeFromLog(RLIMIT), "rlimit: Can't setup RLIMIT_NOFILE for self: Operation not permitted");
    assert.equal(causeFromLog('(00.1) Warn  (x.c:1): only a warning\n'), undefined);
  });

  it('hints the flag or fix, unless CRIU already says it', () => {
    assert.match(hintFor('unix: Unix socket 1828387 not found')!, /peer is outside the container/);
    assert.equal(hintFor('inet: Connected TCP socket, consider using --tcp-established option.'), undefined);
    assert.equal(hintFor('Found established TCP socket'), 'use --tcp-established');
    assert.match(hintFor("Can't restore file pos: Illegal seek")!, /now a pipe/);
    assert.equal(hintFor('BUG at criu/mem.c:45'), undefined);
  });

  it('says ENOENT without the strerror words clients misread', () => {
    assert.equal(plainErrors('x: No such file or directory'), 'x: does not exist');
    assert.equal(plainErrors('open /a: no such file or directory; NO SUCH FILE OR DIRECTORY'), 'open /a: does not exist; does not exist');
    assert.equal(plainErrors('Operation not permitted'), 'Operation not permitted');
  });
});

describe('criu log: the one-line error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'runts-criu-log-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const log = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('a failed dump: cause, hint, log path, one line', () => {
    const p = log('dump.log', UNIX_DUMP);
    const e = criuFailure('checkpoint c1', p, { type: 1, success: false, crErrno: 0 });
    assert.ok(e instanceof RuntsError);
    assert.equal(e.code, 'ESYS');
    assert.equal(e.path, p);
    assert.equal(e.message, `checkpoint c1: criu failed: unix: Unix socket 1828387 not found (a unix socket whose peer is outside the container, e.g. stdio; give it pipes or files); see ${p}`);
  });

  it('a failed restore keeps the path CRIU names but not the strerror wording', () => {
    const p = log('restore.log', MNT_RESTORE);
    const e = criuFailure('restore c2', p, { type: 2, success: false });
    assert.equal(e.message, `restore c2: criu failed: mnt-v2: Can't stat mountpoint /tmp/.criu.mntns.XxQ9Nf/mnt-0000000148/etc/xdir/x.conf: does not exist; see ${p}`);
    assert.doesNotMatch(e.message, /no such file or directory/i);
    assert.doesNotMatch(e.message, /\n/);
  });

  it("without a log: CRIU's answer (its prefix stripped), else the transport error, else the errno", () => {
    const none = join(dir, 'missing.log');
    const answer = criuFailure('checkpoint c3', none, { type: 1, success: false, crErrno: 3, crErrmsg: `${RLIMIT.slice(12)}\n` });
    assert.equal(answer.message, `checkpoint c3: criu failed: rlimit: Can't setup RLIMIT_NOFILE for self: Operation not permitted; see ${none}`);
    const gone = criuFailure('restore c4', none, undefined, new RuntsError('ESYS', 'criu exited before it answered'));
    assert.equal(gone.message, `restore c4: criu failed: criu exited before it answered; see ${none}`);
    assert.ok(gone.cause instanceof RuntsError);
    assert.equal(criuFailure('restore c5', none, { type: 2, success: false, crErrno: 2 }).message, `restore c5: criu failed: errno 2; see ${none}`);
    assert.equal(criuFailure('restore c6', none).message, `restore c6: criu failed: no reason given; see ${none}`);
  });
});
