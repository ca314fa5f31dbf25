import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RuntsError } from '../../../src/errors.js';
import { parseGroup, parsePasswd, resolveUser } from '../../../src/spec/passwd.js';

const PASSWD = `root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
# a comment line
   
alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash
bob:x:1001:100::/home/bob
short:x:1002
nohome:x:1003:1003:::
broken:x:notanumber:1
1234:x:1005:1005::/home/numeric:/bin/sh
`;

const GROUP = `root:x:0:
daemon:x:1:
users:x:100:alice,bob
wheel:x:10:alice
audio:x:29: alice , carol
alice:x:1000:
# comment
staff:x:50
bad:x:oops:alice
`;

test('parsePasswd tolerates comments, blank, short and broken lines', () => {
  const users = parsePasswd(PASSWD);
  assert.deepEqual(users.map((u) => u.name), ['root', 'daemon', 'alice', 'bob', 'short', 'nohome', '1234']);
  assert.deepEqual(users[2], {
    name: 'alice', password: 'x', uid: 1000, gid: 1000, gecos: 'Alice,,,', home: '/home/alice', shell: '/bin/bash',
  });
  assert.deepEqual(users[4], { name: 'short', password: 'x', uid: 1002, gid: 0, gecos: '', home: '', shell: '' });
  assert.equal(users[3]!.shell, '');
  assert.deepEqual(parsePasswd(''), []);
  assert.deepEqual(parsePasswd('\r\n\n#x\n:x:1:1'), []);
});

test('parseGroup reads members', () => {
  const groups = parseGroup(GROUP);
  assert.deepEqual(groups.map((g) => g.name), ['root', 'daemon', 'users', 'wheel', 'audio', 'alice', 'staff']);
  assert.deepEqual(groups[2], { name: 'users', password: 'x', gid: 100, members: ['alice', 'bob'] });
  assert.deepEqual(groups[4]!.members, ['alice', 'carol']);
  assert.deepEqual(groups[6], { name: 'staff', password: 'x', gid: 50, members: [] });
});

test('a user name gets its passwd gid, home and /etc/group memberships', () => {
  assert.deepEqual(resolveUser('alice', PASSWD, GROUP), { uid: 1000, gid: 1000, additionalGids: [100, 10, 29], home: '/home/alice' });
  assert.deepEqual(resolveUser('bob', PASSWD, GROUP), { uid: 1001, gid: 100, additionalGids: [100], home: '/home/bob' });
  assert.deepEqual(resolveUser('daemon', PASSWD, GROUP), { uid: 1, gid: 1, additionalGids: [], home: '/usr/sbin' });
});

test('a numeric uid is always an id, found or not', () => {
  assert.deepEqual(resolveUser('1000', PASSWD, GROUP), { uid: 1000, gid: 1000, additionalGids: [100, 10, 29], home: '/home/alice' });
  assert.deepEqual(resolveUser('4242', PASSWD, GROUP), { uid: 4242, gid: 0, additionalGids: [], home: '/' });
  // "1234" is a user name in the file, but a numeric argument means uid 1234
  assert.deepEqual(resolveUser('1234', PASSWD, GROUP), { uid: 1234, gid: 0, additionalGids: [], home: '/' });
  assert.deepEqual(resolveUser('0'), { uid: 0, gid: 0, additionalGids: [], home: '/' });
  assert.deepEqual(resolveUser(''), { uid: 0, gid: 0, additionalGids: [], home: '/' });
});

test('user:group forms set the gid and skip supplementary groups', () => {
  assert.deepEqual(resolveUser('alice:users', PASSWD, GROUP), { uid: 1000, gid: 100, additionalGids: [], home: '/home/alice' });
  assert.deepEqual(resolveUser('alice:10', PASSWD, GROUP), { uid: 1000, gid: 10, additionalGids: [], home: '/home/alice' });
  assert.deepEqual(resolveUser('1000:1000', PASSWD, GROUP), { uid: 1000, gid: 1000, additionalGids: [], home: '/home/alice' });
  assert.deepEqual(resolveUser('5000:wheel', PASSWD, GROUP), { uid: 5000, gid: 10, additionalGids: [], home: '/' });
  assert.deepEqual(resolveUser('5000:6000'), { uid: 5000, gid: 6000, additionalGids: [], home: '/' });
  assert.deepEqual(resolveUser('alice:', PASSWD, GROUP).additionalGids, [100, 10, 29]);
});

test('an empty home falls back to /', () => {
  assert.equal(resolveUser('nohome', PASSWD, GROUP).home, '/');
});

test('the object form is uid:gid plus additionalGids by name or number', () => {
  assert.deepEqual(resolveUser({ uid: 1000, gid: 1000 }, PASSWD, GROUP), { uid: 1000, gid: 1000, additionalGids: [], home: '/home/alice' });
  assert.deepEqual(resolveUser({ uid: 1000, gid: 1000, additionalGids: ['wheel', 29, '7', 10] }, PASSWD, GROUP),
    { uid: 1000, gid: 1000, additionalGids: [10, 29, 7], home: '/home/alice' });
  assert.deepEqual(resolveUser({ uid: 0, gid: 0, additionalGids: [5] }), { uid: 0, gid: 0, additionalGids: [5], home: '/' });
  assert.deepEqual(resolveUser({ uid: 7, gid: 8 }, undefined, undefined), { uid: 7, gid: 8, additionalGids: [], home: '/' });
});

test('names that are not found are errors that say what was not found', () => {
  const check = (fn: () => unknown, message: string) =>
    assert.throws(fn, (e: unknown) => e instanceof RuntsError && e.code === 'EINVALID' && e.message === message);
  check(() => resolveUser('nobody', PASSWD, GROUP), 'unable to find user nobody: no matching entries in passwd file');
  check(() => resolveUser('daemon'), 'unable to find user daemon: no matching entries in passwd file');
  check(() => resolveUser('alice:nogroup', PASSWD, GROUP), 'unable to find group nogroup: no matching entries in group file');
  check(() => resolveUser({ uid: 0, gid: 0, additionalGids: ['video'] }, PASSWD, GROUP), 'unable to find group video: no matching entries in group file');
});

test('out of range ids are errors', () => {
  assert.throws(() => resolveUser('4294967296'), /uids and gids must be in range 0-4294967295/);
  assert.throws(() => resolveUser({ uid: -1, gid: 0 }), /uid: uids and gids must be in range/);
  assert.throws(() => resolveUser({ uid: 0, gid: 0, additionalGids: [1.5] }), /additional gid/);
});
