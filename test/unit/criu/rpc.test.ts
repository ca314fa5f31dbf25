/**
 * The hand-written protobuf codec of CRIU's RPC (src/criu/rpc.ts): requests byte for byte
 * against the wire format (rpc.proto field numbers), and responses recorded from a real
 * `criu swrk` (CRIU 4.1.1 through runts-init criu-swrk, this machine); the notification
 * and restore answers are built from the wire format.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeResp, encodeReq, ReqType } from '../../../src/criu/rpc.js';

const hex = (s: string) => Buffer.from(s, 'hex');

describe('criu rpc: requests', () => {
  it('encodes a bare request (VERSION): field 1, varint 10', () => {
    assert.equal(Buffer.from(encodeReq({ type: ReqType.VERSION })).toString('hex'), '080a');
  });

  it('encodes nested messages, bools and strings (a DUMP request criu accepted)', () => {
    const b = Buffer.from(encodeReq({ type: ReqType.DUMP, opts: { imagesDirFd: 4, pid: 999999, logLevel: 4, logFile: 'dump.log' } }));
    // 08 01 | 12 len=0x12 { 08 04 | 10 bf843d (999999) | 48 04 | 52 08 "dump.log" }
    assert.equal(b.toString('hex'), '08011212080410bf843d4804520864756d702e6c6f67');
  });

  it('encodes FEATURE_CHECK with its features message (field 5)', () => {
    assert.equal(Buffer.from(encodeReq({ type: ReqType.FEATURE_CHECK, features: { memTrack: true, lazyPages: true } })).toString('hex'), '08092a0408011001');
  });

  it('encodes repeated fields once per item and fields above 15 with two-byte keys', () => {
    const b = Buffer.from(encodeReq({ type: ReqType.RESTORE, opts: { imagesDirFd: 4, extMnt: [{ key: '/a', val: '/b' }, { key: '/c', val: '/d' }], external: ['x'], lsmMountContext: 'c' } }));
    assert.equal(b.subarray(0, 3).toString('hex'), '080212'); // type 2, opts (field 2, length-delimited)
    assert.equal(b[3], b.length - 4);
    // ext_mnt is field 23: key (23 << 3 | 2) = 0xba 0x01; external 37: 0xaa 0x02; lsm_mount_context 54: 0xb2 0x03
    assert.equal(b.subarray(4).toString('hex'), '0804' + 'ba0108' + '0a022f611202' + '2f62' + 'ba0108' + '0a022f631202' + '2f64' + 'aa020178' + 'b2030163');
  });

  it('encodes negative int32 as ten-byte varints and false bools as 0', () => {
    const b = Buffer.from(encodeReq({ type: ReqType.DUMP, opts: { imagesDirFd: -1, leaveRunning: false } }));
    assert.equal(b.toString('hex'), '0801120d08ffffffffffffffffff011800');
  });

  it('encodes UTF-8 strings by byte length', () => {
    const b = Buffer.from(encodeReq({ type: ReqType.DUMP, opts: { imagesDirFd: 4, root: '/é' } }));
    assert.equal(b.toString('hex'), '080112070804' + '6a032fc3a9');
  });
});

describe('criu rpc: responses from criu 4.1.1', () => {
  it('decodes VERSION', () => {
    assert.deepEqual(decodeResp(hex('080a10015206080410012001')), { type: 10, success: true, version: { major: 4, minor: 1, sublevel: 1 } });
  });

  it('decodes FEATURE_CHECK and skips the field it does not know (features.3)', () => {
    assert.deepEqual(decodeResp(hex('080910014206080010011800')), { type: 9, success: true, features: { memTrack: false, lazyPages: true } });
  });

  it('decodes a failed DUMP with cr_errno and cr_errmsg', () => {
    const r = decodeResp(hex('080110001a02080038034a5e4572726f722028637269752f7574696c2e633a31353333293a20726c696d69743a2043616e277420736574757020524c494d49545f4e4f46494c4520666f722073656c663a204f7065726174696f6e206e6f74207065726d69747465640a'));
    assert.equal(r.type, ReqType.DUMP);
    assert.equal(r.success, false);
    assert.deepEqual(r.dump, { restored: false });
    assert.equal(r.crErrno, 3);
    assert.equal(r.crErrmsg, "Error (criu/util.c:1533): rlimit: Can't setup RLIMIT_NOFILE for self: Operation not permitted\n");
  });

  it('decodes a notification and a restore answer', () => {
    // NOTIFY { script "post-restore", pid 4242 }, success
    const n = decodeResp(Buffer.from([0x08, 0x06, 0x10, 0x01, 0x2a, 0x11, 0x0a, 0x0c, ...Buffer.from('post-restore'), 0x10, 0x92, 0x21]));
    assert.deepEqual(n, { type: ReqType.NOTIFY, success: true, notify: { script: 'post-restore', pid: 4242 } });
    assert.deepEqual(decodeResp(hex('0802100122030892' + '21')), { type: 2, success: true, restore: { pid: 4242 } });
  });

  it('skips unknown fields of every wire type (a newer criu stays readable)', () => {
    // field 99 varint, field 98 fixed64, field 97 bytes, field 96 fixed32, then success
    const b = Buffer.concat([hex('080a'), hex('98060a'), hex('910601020304050607 08'.replace(/ /g, '')), hex('8a06026869'), hex('850601020304'), hex('1001')]);
    assert.deepEqual(decodeResp(b), { type: 10, success: true });
  });

  it('refuses truncated input with a RangeError', () => {
    assert.throws(() => decodeResp(hex('08')), RangeError);
    assert.throws(() => decodeResp(hex('0880')), RangeError);
    assert.throws(() => decodeResp(hex('4a05616263')), RangeError);
    assert.throws(() => decodeResp(hex('0b')), /unsupported wire type 3/);
  });

  it('refuses a known field with the wrong wire type (not a crash)', () => {
    // field 5 of criu_resp is notify (a message); here it is a varint
    assert.throws(() => decodeResp(hex('08062801')), /field 5 \(notify\) has wire type 0/);
    // features in notify's place: the nested script (a string) arrives as a varint
    assert.throws(() => decodeResp(encodeReq({ type: ReqType.FEATURE_CHECK, features: { memTrack: false } })), /field 1 \(script\) has wire type 0/);
  });
});
