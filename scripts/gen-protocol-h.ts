/**
 * Generates native/protocol.h from src/process/protocol.ts, so the C shim and the
 * TypeScript side share one set of constants. `--check` exits 1 when the file differs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as P from '../src/process/protocol.js';

export function protocolHeader(): string {
  const lines: string[] = [
    '/* Generated from src/process/protocol.ts by scripts/gen-protocol-h.ts. Do not edit. */',
    '#ifndef RUNTS_PROTOCOL_H',
    '#define RUNTS_PROTOCOL_H',
    '',
    `#define RUNTS_PROTOCOL_VERSION ${P.PROTOCOL_VERSION}`,
    `#define RUNTS_MAX_FRAME ${P.MAX_FRAME}`,
    `#define RUNTS_FRAME_HEADER ${P.FRAME_HEADER}`,
    `#define RUNTS_TLV_HEADER ${P.TLV_HEADER}`,
    `#define RUNTS_INIT_COMM ${JSON.stringify(P.INIT_COMM)}`,
    '',
  ];
  const groups: Array<[string, Record<string, number>]> = [
    ['MSG', P.Msg],
    ['MODE', P.Mode],
    ['BARRIER', P.Barrier],
    ['MOUNT_KIND', P.MountKind],
    ['DEVICE_KIND', P.DeviceKind],
    ['HOOK_KIND', P.HookKind],
    ['TAG', P.Tag],
  ];
  for (const [prefix, table] of groups) {
    for (const [name, value] of Object.entries(table)) lines.push(`#define RUNTS_${prefix}_${name} ${value}`);
    lines.push('');
  }
  lines.push('#endif');
  return lines.join('\n') + '\n';
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/.*\/dist\//, '/dist/'));
if (isMain) {
  const target = new URL('../../native/protocol.h', import.meta.url);
  const text = protocolHeader();
  if (process.argv.includes('--check')) {
    if (readFileSync(target, 'utf8') !== text) {
      console.error('native/protocol.h is out of date: run make native/protocol.h');
      process.exit(1);
    }
  } else {
    writeFileSync(target, text);
  }
}
