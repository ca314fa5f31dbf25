/**
 * Terminals and stdio as runc sets them, compared byte for byte with runc 1.3 and
 * Debian's 1.1.5 on the same bundle:
 * - foreground `run -t` / `exec -t` (the runtime relays the pty): the container's pty
 *   does not turn "\n" into "\r\n" (runc clears ONLCR), and the caller's terminal keeps
 *   its output processing, so the bytes are runc's both on a terminal and when stdout
 *   is a pipe (`runc run -t ID | cat`; pty-driver.py --stdout-pipe);
 * - with --console-socket the receiver owns the pty: ONLCR stays set, as with runc;
 * - stdio belongs to the process's uid, group kept: the pty slave is uid:tty(5), and a
 *   non-root process can reopen /dev/stdout when stdout is a pipe.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Spec } from '../../src/spec/types.js';
import { REPO, SKIP_NOT_ROOT, until, workspace, type Workspace } from './helpers.js';
import { cleanupRuntimes, cli, missingRuntimes, references, RUNTS_RT, type Runtime } from './runc-compat.js';

const DRIVER = join(REPO, 'test', 'integration', 'pty-driver.py');
const RECEIVER = join(REPO, 'test', 'integration', 'console-receiver.py');
const HAS_PYTHON = spawnSync('python3', ['-c', 'import socket; socket.recv_fds'], { stdio: 'ignore' }).status === 0;
const SKIP = SKIP_NOT_ROOT || missingRuntimes() || (HAS_PYTHON ? false : 'python3 >= 3.9 drives the pty and receives the console fd');

/**
 * What a caller can tell about the terminal from its bytes: newline handling, ONLCR
 * inside, the pty's owner, /dev/stdout. It starts with a short sleep: runc clears ONLCR
 * from its side after it receives the master, racing with the process (runc 1.1.5's
 * exec -t loses now and then); runts clears it before the process runs.
 */
const PROBE = 'sleep 0.3; printf "x\\r\\ny\\n"; stty -a 2>/dev/null | grep -o ".onlcr"; ls -ln $(tty) | awk \'{print $1, $3, $4}\'; echo hi > /dev/stdout; echo done';

describe('terminals and stdio as runc sets them', { skip: SKIP }, () => {
  let ws: Workspace;
  const all = (): Runtime[] => [RUNTS_RT, ...references()];
  const rootOf = (rt: Runtime) => (rt === RUNTS_RT ? ws.root : join(ws.dir, `state-${rt.name}`));
  before(() => {
    ws = workspace('compat-tty');
  });
  after(() => {
    cleanupRuntimes(ws);
    ws.cleanup();
  });

  function writeSpec(args: string[], edit?: (s: Spec) => void): void {
    ws.writeSpec(ws.spec(args, edit));
  }

  /** The runtime driven from a real terminal (pty-driver.py); stdout piped or on the terminal. */
  function drive(rt: Runtime, args: string[], piped: boolean): { code: number | null; out: string } {
    const r = spawnSync('python3', [DRIVER, ...(piped ? ['--stdout-pipe'] : []), '24', '80', '24', '80', rt.bin, '--root', rootOf(rt), ...args], {
      cwd: ws.bundle, encoding: 'latin1', timeout: 40_000,
    });
    return { code: r.status, out: r.stdout };
  }

  function compare(label: string, seen: Array<{ rt: string; code: number | null; out: string }>, expected: string): void {
    const [ours, ...refs] = seen;
    assert.equal(ours!.out, expected, `${label}: runts`);
    for (const r of refs) assert.deepEqual({ code: r.code, out: r.out }, { code: ours!.code, out: ours!.out }, `${label}: runts vs ${r.rt}`);
  }

  const user = (s: Spec) => {
    s.process!.terminal = true;
    s.process!.user = { uid: 1000, gid: 1000 };
  };

  for (const piped of [false, true]) {
    const how = piped ? 'stdout a pipe' : 'stdout the terminal';
    it(`run -t in the foreground (${how}): the same bytes as runc`, () => {
      writeSpec(['sh', '-c', PROBE], user);
      const seen = all().map((rt) => {
        const id = ws.id(rt.name.replace(/\./g, ''));
        const r = drive(rt, ['run', id], piped);
        cli(ws, rt, ['delete', '--force', id]);
        return { rt: rt.name, ...r };
      });
      // On the terminal its own ONLCR adds the "\r"; through a pipe the process's bytes arrive as written.
      const nl = piped ? '\n' : '\r\n';
      compare(`run -t, ${how}`, seen, `x\r${nl}y${nl}-onlcr${nl}crw--w---- 1000 5${nl}hi${nl}done${nl}`);
    });

    it(`exec -t in the foreground (${how}): the same bytes as runc`, () => {
      writeSpec(['sleep', '100']);
      const seen = all().map((rt) => {
        const id = ws.id(rt.name.replace(/\./g, ''));
        assert.equal(cli(ws, rt, ['run', '-d', id]).status, 0, `${rt.name} run -d`);
        const r = drive(rt, ['exec', '-t', '--user', '1000:1000', id, 'sh', '-c', PROBE], piped);
        cli(ws, rt, ['delete', '--force', id]);
        return { rt: rt.name, ...r };
      });
      const nl = piped ? '\n' : '\r\n';
      compare(`exec -t, ${how}`, seen, `x\r${nl}y${nl}-onlcr${nl}crw--w---- 1000 5${nl}hi${nl}done${nl}`);
    });
  }

  it('--console-socket: the receiver owns the pty (ONLCR left set, as runc); the slave is the user\'s', async () => {
    writeSpec(['sh', '-c', PROBE], user);
    const seen: Array<{ rt: string; code: number | null; out: string }> = [];
    for (const rt of all()) {
      const id = ws.id(rt.name.replace(/\./g, ''));
      const sock = join(ws.dir, `console-${rt.name}.sock`);
      const rec = spawn('python3', [RECEIVER, sock], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      rec.stdout.setEncoding('latin1');
      rec.stdout.on('data', (d) => (out += d));
      const done = new Promise((res) => rec.on('close', res));
      try {
        await until(() => out.includes('listening'), 5000, 'receiver');
        const r = cli(ws, rt, ['run', '-d', '--console-socket', sock, id]);
        assert.equal(r.status, 0, `${rt.name}: ${r.stderr}`);
        await done;
      } finally {
        rec.kill();
        cli(ws, rt, ['delete', '--force', id]);
      }
      // the name sent with the fd differs (runc 1.3: /dev/pts/ptmx) and no receiver reads it
      seen.push({ rt: rt.name, code: 0, out: out.replace(/^listening\nname=.*\n/, '') });
    }
    compare('console socket', seen, 'isatty=True\nx\r\r\ny\r\n onlcr\r\ncrw--w---- 1000 5\r\nhi\r\ndone\r\n');
  });

  it('without a terminal, a non-root process can reopen /dev/stdout (a pipe), as with runc', () => {
    writeSpec(['sh', '-c', 'echo hi > /dev/stdout && echo again > /proc/self/fd/1; echo rc=$?'], (s) => (s.process!.user = { uid: 1000, gid: 1000 }));
    const seen = all().map((rt) => {
      const id = ws.id(rt.name.replace(/\./g, ''));
      // a real pipe (node's 'pipe' stdio is a socket, which /dev/stdout cannot reopen)
      const r = spawnSync('sh', ['-c', '"$@" | cat', 'sh', rt.bin, '--root', rootOf(rt), 'run', id], { cwd: ws.bundle, encoding: 'utf8', timeout: 30_000 });
      cli(ws, rt, ['delete', '--force', id]);
      return { rt: rt.name, code: r.status, out: r.stdout };
    });
    compare('stdio pipe', seen, 'hi\nagain\nrc=0\n');
  });
});
