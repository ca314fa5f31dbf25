/**
 * Idmapped bind mounts (mount uidMappings/gidMappings, `idmap`, `ridmap`): the ids on
 * disk are shown through the mount's maps, from inside real containers.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Spec } from '../../src/spec/types.js';
import { SKIP_NOT_ROOT, workspace, type Workspace } from './helpers.js';

describe('idmapped mounts', { skip: SKIP_NOT_ROOT }, () => {
  let ws: Workspace;
  let data = '';
  before(() => {
    ws = workspace('idmap');
    chmodSync(ws.dir, 0o755);
    data = join(ws.dir, 'data');
    mkdirSync(data);
    chmodSync(data, 0o777);
    writeFileSync(join(data, 'root-file'), 'r');
    writeFileSync(join(data, 'seven-file'), 's');
    chownSync(join(data, 'seven-file'), 7, 7);
  });
  after(() => ws.cleanup());

  function run(script: string, edit: (s: Spec) => void) {
    ws.writeSpec(ws.spec(['sh', '-c', script], edit));
    const r = ws.runts(['run', ws.id()]);
    return { code: r.status, out: r.stdout, err: r.stderr };
  }

  it('mount uidMappings/gidMappings: on-disk ids appear as mapped (no user namespace)', () => {
    const r = run('ls -ln /tmp | sort -k9', (s) => {
      s.mounts!.push({
        destination: '/tmp', type: 'bind', source: data, options: ['bind', 'ro'],
        uidMappings: [{ containerID: 0, hostID: 1234, size: 1 }, { containerID: 7, hostID: 4000, size: 1 }],
        gidMappings: [{ containerID: 0, hostID: 1235, size: 1 }, { containerID: 7, hostID: 4001, size: 1 }],
      });
    });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /1234\s+1235\s+1 \S+ +\S+ \S+ root-file/);
    assert.match(r.out, /4000\s+4001\s+1 \S+ +\S+ \S+ seven-file/);
  });

  it('`idmap` takes the container user namespace maps: its root owns what host root owns, and writes as it', () => {
    const r = run('ls -ln /tmp | sort -k9; echo new > /tmp/made-inside; ls -ln /tmp/made-inside', (s) => {
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 300000, size: 1000 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 300000, size: 1000 }];
      s.mounts!.push({ destination: '/tmp', type: 'bind', source: data, options: ['rbind', 'rw', 'idmap'] });
    });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, / 0 +0 +1 \S+ +\S+ \S+ root-file/);
    assert.match(r.out, / 7 +7 +1 \S+ +\S+ \S+ seven-file/);
    assert.equal(statSync(join(data, 'made-inside')).uid, 0, 'container root wrote as host root through the idmap');
  });

  it('without the idmap, the same container sees the files as unmapped (overflow) ids', () => {
    const r = run('ls -ln /tmp | sort -k9', (s) => {
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 300000, size: 1000 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 300000, size: 1000 }];
      s.mounts!.push({ destination: '/tmp', type: 'bind', source: data, options: ['rbind', 'ro'] });
    });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, / 65534 +65534 +1 \S+ +\S+ \S+ root-file/);
  });
});
