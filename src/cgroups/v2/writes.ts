/**
 * linux.resources → cgroup v2 file writes (and the eBPF device rules), per controller
 * group. Pure; see ../resources.ts.
 */
import { type Ctx, checkMemory, checkRange, checkShares, deviceRules, dev, hugetlb, isInt, limitOk, P, rdma, throttles, type Writers } from '../checks.js';
import { blkioWeightToIoWeight, maxValue, sharesToWeight, swapToV2 } from '../convert.js';
import { V1 } from '../v1/writes.js';

const v1Only = (c: Ctx, field: string) => c.problem(field, 'not supported on cgroup v2 (a cgroup v1 feature)');

export const V2: Writers = {
  cpuset: V1.cpuset,
  memory(c) {
    const m = c.r.memory!;
    const { limit, swap } = checkMemory(c);
    if (m.swappiness !== undefined) v1Only(c, `${P}.memory.swappiness`);
    if (m.disableOOMKiller) v1Only(c, `${P}.memory.disableOOMKiller`);
    if (m.checkBeforeUpdate && c.facts.memoryCurrent !== undefined) {
      const cur = c.facts.memoryCurrent;
      if (limit !== undefined && limit > 0 && limit <= cur) c.problem(`${P}.memory.limit`, `${limit} is not above the current usage ${cur} (checkBeforeUpdate)`);
      if (swap !== undefined && swap > 0 && swap <= cur) c.problem(`${P}.memory.swap`, `${swap} is not above the current usage ${cur} (checkBeforeUpdate)`);
    }
    let sw: number | 'max' | undefined;
    try {
      sw = swapToV2(swap, limit ?? (swap !== undefined && swap > 0 ? c.facts.memoryMax : undefined));
    } catch (e) {
      c.problem(`${P}.memory.swap`, (e as Error).message);
    }
    if (sw !== undefined) c.w('memory.swap.max', String(sw), `${P}.memory.swap`);
    if (limit !== undefined) c.w('memory.max', maxValue(limit), `${P}.memory.limit`);
    if (limitOk(c, `${P}.memory.reservation`, m.reservation)) c.w('memory.low', maxValue(m.reservation), `${P}.memory.reservation`);
  },
  cpu(c) {
    const cpu = c.r.cpu!;
    const shares = checkShares(c);
    // The kernel refuses a weight while the group is idle: leaving idle goes first,
    // entering it last (so `idle: 0` plus a weight works on an idle group).
    const idle = checkRange(c, `${P}.cpu.idle`, cpu.idle, 0, 1);
    if (idle && cpu.idle === 0) c.w('cpu.idle', '0', `${P}.cpu.idle`);
    if (shares) c.w('cpu.weight', String(sharesToWeight(shares)), `${P}.cpu.shares`);
    if (idle && cpu.idle === 1) c.w('cpu.idle', '1', `${P}.cpu.idle`);
    if (cpu.realtimeRuntime) v1Only(c, `${P}.cpu.realtimeRuntime`);
    if (cpu.realtimePeriod) v1Only(c, `${P}.cpu.realtimePeriod`);
    const quota = cpu.quota;
    const qset = quota !== undefined && quota !== 0;
    if (qset && (!isInt(quota) || quota < -1)) return c.problem(`${P}.cpu.quota`, `${quota} is not a quota in microseconds or -1`);
    const pset = checkRange(c, `${P}.cpu.period`, cpu.period || undefined, 1000, 1000000);
    if (checkRange(c, `${P}.cpu.burst`, cpu.burst, 0, Number.MAX_SAFE_INTEGER)) c.w('cpu.max.burst', String(cpu.burst), `${P}.cpu.burst`, qset || pset ? { retry: true } : {});
    if (qset || pset) {
      // cpu.max is "$QUOTA $PERIOD"; a period-only update keeps the quota in force.
      const q = qset ? (quota! > 0 ? String(quota) : 'max') : (c.facts.cpuMax?.split(/\s+/)[0] ?? 'max');
      c.w('cpu.max', pset ? `${q} ${cpu.period}` : q, qset ? `${P}.cpu.quota` : `${P}.cpu.period`);
    }
  },
  pids: V1.pids,
  blkio(c) {
    const b = c.r.blockIO!;
    const bfq = c.facts.bfq === true;
    if (b.leafWeight !== undefined && b.leafWeight !== 0) v1Only(c, `${P}.blockIO.leafWeight`);
    // BFQ takes the v1 scale (1..1000) as is; io.weight (1..10000) gets runc's conversion.
    const file = bfq ? 'io.bfq.weight' : 'io.weight';
    const conv = (w: number) => String(bfq ? w : blkioWeightToIoWeight(w));
    if (b.weight !== undefined && b.weight !== 0 && checkRange(c, `${P}.blockIO.weight`, b.weight, bfq ? 1 : 10, 1000)) c.w(file, conv(b.weight), `${P}.blockIO.weight`);
    (b.weightDevice ?? []).forEach((d, i) => {
      const f = `${P}.blockIO.weightDevice[${i}]`;
      if (d.leafWeight !== undefined) v1Only(c, `${f}.leafWeight`);
      if (d.weight !== undefined && checkRange(c, `${f}.weight`, d.weight, bfq ? 1 : 10, 1000)) c.w(file, `${dev(d)} ${conv(d.weight)}`, `${f}.weight`);
    });
    const keys = { throttleReadBpsDevice: 'rbps', throttleWriteBpsDevice: 'wbps', throttleReadIOPSDevice: 'riops', throttleWriteIOPSDevice: 'wiops' };
    // v1 removes a throttle with rate 0; v2 spells that "max".
    throttles(c, (list, t, f) => c.w('io.max', `${dev(t)} ${keys[list]}=${t.rate === 0 ? 'max' : t.rate}`, f));
  },
  hugetlb(c) {
    hugetlb(c, 'max', 'rsvd.max');
  },
  net_cls(c) {
    v1Only(c, `${P}.network.classID`);
  },
  net_prio(c) {
    v1Only(c, `${P}.network.priorities`);
  },
  rdma,
  devices(c) {
    const rules = deviceRules(c);
    if (rules) c.plan.bpfDevices = rules;
  },
  unified(c) {
    for (const [k, v] of Object.entries(c.r.unified!)) {
      const f = `${P}.unified["${k}"]`;
      if (k.includes('/') || !/^[a-z_]+\.[A-Za-z0-9_.]+$/.test(k)) { c.problem(f, 'must be a cgroup file name such as "memory.high"'); continue; }
      if (typeof v !== 'string') { c.problem(f, 'the value must be a string'); continue; }
      // One write per line: files like io.max take one entry per write.
      for (const line of v.split('\n')) if (line.trim() !== '' || v === '') c.w(k, line, f);
    }
  },
};
