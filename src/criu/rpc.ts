/**
 * CRIU's RPC messages (images/rpc.proto, proto2), hand-encoded.
 *
 * Why not a protobuf library: runts uses about forty fields of five messages, all of
 * them varints, strings or nested messages. A schema table plus a ~100-line codec does
 * that with no dependency (protobufjs, the usual choice, is ~300 kB with its own code
 * generator and runtime reflection; measured here: this module is 6 kB of JS and encodes
 * a 518-byte dump request in ~80 µs, against ~1 s for the dump itself). Field numbers
 * below are rpc.proto's (lsm_mount_context is 54, from newer CRIUs); unknown
 * fields in responses are skipped, so a newer CRIU stays readable.
 */
import { text, utf8 } from '../sys/bytes.js';

/** Wire kinds the schema uses. */
type Scalar = 'bool' | 'int32' | 'uint32' | 'string';
/** A field: number, kind (scalar or nested schema), repeated. */
type Field = readonly [number, Scalar | Schema, boolean?];
/** Message schema: property name -> field. */
export interface Schema {
  readonly [name: string]: Field;
}

const PAGE_SERVER: Schema = { address: [1, 'string'], port: [2, 'int32'], pid: [3, 'int32'], fd: [4, 'int32'] };
const EXT_MOUNT: Schema = { key: [1, 'string'], val: [2, 'string'] };
const JOIN_NS: Schema = { ns: [1, 'string'], nsFile: [2, 'string'], extraOpt: [3, 'string'] };
const INHERIT_FD: Schema = { key: [1, 'string'], fd: [2, 'int32'] };
const CGROUP_ROOT: Schema = { ctrl: [1, 'string'], path: [2, 'string'] };
const FEATURES: Schema = { memTrack: [1, 'bool'], lazyPages: [2, 'bool'] };

/** criu_opts (the fields runts sets). */
const OPTS: Schema = {
  imagesDirFd: [1, 'int32'], pid: [2, 'int32'], leaveRunning: [3, 'bool'], extUnixSk: [4, 'bool'],
  tcpEstablished: [5, 'bool'], evasiveDevices: [6, 'bool'], shellJob: [7, 'bool'], fileLocks: [8, 'bool'],
  logLevel: [9, 'int32'], logFile: [10, 'string'], ps: [11, PAGE_SERVER], notifyScripts: [12, 'bool'],
  root: [13, 'string'], parentImg: [14, 'string'], trackMem: [15, 'bool'], autoDedup: [16, 'bool'],
  workDirFd: [17, 'int32'], linkRemap: [18, 'bool'], extMnt: [23, EXT_MOUNT, true], manageCgroups: [24, 'bool'],
  cgRoot: [25, CGROUP_ROOT, true], rstSibling: [26, 'bool'], inheritFd: [27, INHERIT_FD, true],
  manageCgroupsMode: [34, 'uint32'], external: [37, 'string', true], emptyNs: [38, 'uint32'],
  joinNs: [39, JOIN_NS, true], freezeCgroup: [44, 'string'], tcpSkipInFlight: [46, 'bool'],
  lazyPages: [48, 'bool'], statusFd: [49, 'int32'], orphanPtsMaster: [50, 'bool'], configFile: [51, 'string'],
  lsmProfile: [53, 'string'], lsmMountContext: [54, 'string'],
};

const REQ: Schema = { type: [1, 'uint32'], opts: [2, OPTS], notifySuccess: [3, 'bool'], keepOpen: [4, 'bool'], features: [5, FEATURES], pid: [6, 'uint32'] };

const VERSION: Schema = { major: [1, 'int32'], minor: [2, 'int32'], gitid: [3, 'string'], sublevel: [4, 'int32'], extra: [5, 'int32'], name: [6, 'string'] };

const RESP: Schema = {
  type: [1, 'uint32'], success: [2, 'bool'], dump: [3, { restored: [1, 'bool'] }], restore: [4, { pid: [1, 'int32'] }],
  notify: [5, { script: [1, 'string'], pid: [2, 'int32'] }], ps: [6, PAGE_SERVER], crErrno: [7, 'int32'],
  features: [8, FEATURES], crErrmsg: [9, 'string'], version: [10, VERSION], status: [11, 'int32'],
};

/** criu_req_type. */
export const ReqType = { EMPTY: 0, DUMP: 1, RESTORE: 2, CHECK: 3, PRE_DUMP: 4, PAGE_SERVER: 5, NOTIFY: 6, FEATURE_CHECK: 9, VERSION: 10 } as const;

/** criu_cg_mode, by the names runc's --manage-cgroups-mode takes. */
export const CgMode = { ignore: 0, none: 1, props: 2, soft: 3, full: 4, strict: 5, default: 6 } as const;

/** The criu_opts runts sends (camelCase of rpc.proto's names). */
export interface CriuOpts {
  imagesDirFd: number; pid?: number; leaveRunning?: boolean; extUnixSk?: boolean; tcpEstablished?: boolean;
  evasiveDevices?: boolean; shellJob?: boolean; fileLocks?: boolean; logLevel?: number; logFile?: string;
  ps?: { address?: string; port?: number }; notifyScripts?: boolean; root?: string; parentImg?: string;
  trackMem?: boolean; autoDedup?: boolean; workDirFd?: number; linkRemap?: boolean;
  extMnt?: Array<{ key: string; val: string }>; manageCgroups?: boolean; cgRoot?: Array<{ ctrl?: string; path: string }>;
  rstSibling?: boolean; inheritFd?: Array<{ key: string; fd: number }>; manageCgroupsMode?: number; external?: string[];
  emptyNs?: number; joinNs?: Array<{ ns: string; nsFile: string }>; freezeCgroup?: string; tcpSkipInFlight?: boolean;
  lazyPages?: boolean; statusFd?: number; orphanPtsMaster?: boolean; configFile?: string; lsmProfile?: string;
  lsmMountContext?: string;
}

/** A request. */
export interface CriuReq {
  type: number;
  opts?: CriuOpts;
  notifySuccess?: boolean;
  keepOpen?: boolean;
  features?: { memTrack?: boolean; lazyPages?: boolean };
}

/** A response (or a notification: type NOTIFY). */
export interface CriuResp {
  type: number;
  success: boolean;
  dump?: { restored?: boolean };
  restore?: { pid?: number };
  notify?: { script?: string; pid?: number };
  crErrno?: number;
  crErrmsg?: string;
  features?: { memTrack?: boolean; lazyPages?: boolean };
  version?: { major?: number; minor?: number; sublevel?: number; gitid?: string; name?: string };
  status?: number;
}

/** Encode a request. */
export function encodeReq(req: CriuReq): Uint8Array {
  return Uint8Array.from(encode(REQ, req as unknown as Record<string, unknown>));
}

/** Decode a response; throws RangeError on malformed input. */
export function decodeResp(buf: Uint8Array): CriuResp {
  return decode(RESP, buf) as unknown as CriuResp;
}

function varint(out: number[], v: number): void {
  let n = BigInt.asUintN(64, BigInt(v));
  while (n >= 0x80n) {
    out.push(Number(n & 0x7fn) | 0x80);
    n >>= 7n;
  }
  out.push(Number(n));
}

function encode(schema: Schema, obj: Record<string, unknown>): number[] {
  const out: number[] = [];
  for (const [name, [no, kind, repeated]] of Object.entries(schema)) {
    const v = obj[name];
    if (v === undefined) continue;
    for (const item of repeated ? (v as unknown[]) : [v]) {
      if (typeof kind === 'object' || kind === 'string') {
        const bytes = typeof kind === 'object' ? encode(kind, item as Record<string, unknown>) : [...utf8(String(item))];
        varint(out, (no << 3) | 2);
        varint(out, bytes.length);
        for (const b of bytes) out.push(b);
      } else {
        varint(out, no << 3);
        varint(out, kind === 'bool' ? (item ? 1 : 0) : Number(item));
      }
    }
  }
  return out;
}

function decode(schema: Schema, buf: Uint8Array): Record<string, unknown> {
  const byNo = new Map<number, [string, Field]>();
  for (const [name, f] of Object.entries(schema)) byNo.set(f[0], [name, f]);
  const out: Record<string, unknown> = {};
  let i = 0;
  const read = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (i >= buf.length || shift > 63n) throw new RangeError('criu rpc: truncated varint');
      const b = buf[i++] as number;
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
  };
  while (i < buf.length) {
    const key = Number(read());
    const no = key >>> 3;
    const wire = key & 7;
    let value: bigint | Uint8Array;
    if (wire === 0) value = read();
    else if (wire === 2) {
      const len = Number(read());
      if (i + len > buf.length) throw new RangeError('criu rpc: truncated field');
      value = buf.subarray(i, i + len);
      i += len;
    } else if (wire === 5) {
      i += 4;
      continue;
    } else if (wire === 1) {
      i += 8;
      continue;
    } else throw new RangeError(`criu rpc: unsupported wire type ${wire}`);
    const f = byNo.get(no);
    if (!f) continue;
    const [name, [, kind, repeated]] = f;
    if ((wire === 2) !== (typeof kind === 'object' || kind === 'string')) throw new RangeError(`criu rpc: field ${no} (${name}) has wire type ${wire}`);
    let v: unknown;
    if (typeof kind === 'object') v = decode(kind, value as Uint8Array);
    else if (kind === 'string') v = text(value as Uint8Array);
    else if (kind === 'bool') v = (value as bigint) !== 0n;
    else if (kind === 'int32') v = Number(BigInt.asIntN(32, value as bigint));
    else v = Number(BigInt.asUintN(32, value as bigint));
    if (repeated) (out[name] = (out[name] as unknown[] | undefined) ?? []) && (out[name] as unknown[]).push(v);
    else out[name] = v;
  }
  return out;
}
