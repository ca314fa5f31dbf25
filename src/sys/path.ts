/**
 * POSIX path arithmetic (pure; the same on every engine), with node:path's posix
 * results (test/unit/sys-path.test.ts checks them against node:path): join and normalize
 * collapse '.', '..' and repeated slashes and keep a trailing slash; resolve starts from
 * the working directory and drops it.
 */
import { cwd } from './self.js';

/**
 * True when `p` (not empty) has no empty, '.' or '..' segment except a trailing empty one:
 * no '//', no '/.' and no leading '.'. Such a path is already normal (a conservative test:
 * '/.x' or '.x' take the full path even though they are clean).
 */
function clean(p: string): boolean {
  return p.charCodeAt(0) !== 46 && p.indexOf('//') === -1 && p.indexOf('/.') === -1;
}

/** Collapse '.', '..' and empty segments; keeps a leading and a trailing '/'. */
export function normalize(p: string): string {
  if (p === '') return '.';
  if (clean(p)) return p;
  const n = collapseSegments(p);
  return p.endsWith('/') && n !== '/' ? `${n}/` : n;
}

function collapse(p: string): string {
  // A clean path (p is never empty here) only loses its trailing slash.
  if (clean(p)) return p.length > 1 && p.charCodeAt(p.length - 1) === 47 ? p.slice(0, -1) : p;
  return collapseSegments(p);
}

function collapseSegments(p: string): string {
  const abs = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!abs) out.push('..');
      continue;
    }
    out.push(seg);
  }
  const body = out.join('/');
  return abs ? `/${body}` : body || '.';
}

/**
 * The parts that are not empty joined by '/', normalised (node:path's join). Fixed
 * parameters, not a rest array: it runs for every cgroup file path.
 */
export function join(a?: string, b?: string, c?: string, d?: string): string {
  let p = a ?? '';
  if (b) p = p === '' ? b : `${p}/${b}`;
  if (c) p = p === '' ? c : `${p}/${c}`;
  if (d) p = p === '' ? d : `${p}/${d}`;
  return p === '' ? '.' : normalize(p);
}

export function isAbsolute(p: string): boolean {
  return p.startsWith('/');
}

export function resolve(...parts: string[]): string {
  let p = '';
  for (let i = parts.length - 1; i >= 0 && !p.startsWith('/'); i--) {
    const s = parts[i] ?? '';
    if (s !== '') p = p === '' ? s : `${s}/${p}`;
  }
  if (!p.startsWith('/')) p = p === '' ? cwd() : `${cwd()}/${p}`;
  return collapse(p);
}

export function dirname(p: string): string {
  if (p === '') return '.';
  // As node:path: the part before the slash that precedes the last segment, kept verbatim.
  let end = -1;
  let seenName = false;
  for (let i = p.length - 1; i >= 1; i--) {
    if (p[i] === '/') {
      if (seenName) {
        end = i;
        break;
      }
    } else seenName = true;
  }
  if (end === -1) return p.startsWith('/') ? '/' : '.';
  if (p.startsWith('/') && end === 1) return '//';
  return p.slice(0, end);
}

export function basename(p: string): string {
  const t = p.replace(/\/+$/, '');
  return t.slice(t.lastIndexOf('/') + 1);
}

/** The path of a file: URL (import.meta.url of a module on disk). */
export function fileUrlPath(url: string): string {
  if (!url.startsWith('file://')) throw new RangeError(`not a file URL: ${url}`);
  return decodeURIComponent(url.slice('file://'.length));
}

/** node:path-shaped namespace, for call sites that say posix.normalize(...). */
export const posix = { normalize, join, isAbsolute, resolve, dirname, basename };
