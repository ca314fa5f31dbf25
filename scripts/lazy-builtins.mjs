// Post-processes the CommonJS CLI bundle: the node: modules that only some commands use
// are loaded on first use instead of when the module that imports them initialises.
// Bun spends 5-20 ms loading each of them (measured: crypto ~20, util ~12,
// child_process ~10, os ~4), and a module's static imports run even when a command never
// calls into them (`state` does not spawn, hash or format errnos). The bundler emits
// `ns = require("x")` and accesses `ns.member` at each use, so `ns` becomes a proxy that
// requires "x" on the first member access. The build fails if any such namespace is used
// in another way (the proxy would then change behaviour).
import { readFileSync, writeFileSync } from 'node:fs';

const LAZY = ['child_process', 'crypto', 'util', 'os', 'url', 'timers/promises', 'net', 'stream', 'tty', 'events', 'module'];
const [file] = process.argv.slice(2);
let src = readFileSync(file, 'utf8');
const wrapper = '(function(exports, require, module, __filename, __dirname) {';
if (!src.includes(wrapper)) throw new Error(`${file}: not a Bun CommonJS bundle`);
const names = [];
src = src.replace(/\b([A-Za-z_$][\w$]*) = require\("([\w/]+)"\)/g, (m, name, mod) => {
  if (!LAZY.includes(mod.replace(/^node:/, ''))) return m;
  names.push(name);
  return `${name} = __lazyRequire("${mod}")`;
});
for (const name of names) {
  // Allowed: the declaration (`var a, name, b;`), the assignment above, and `name.member`.
  for (const m of src.matchAll(new RegExp(`(?<![\\w$.])${name.replace(/\$/g, '\\$')}(?![\\w$])`, 'g'))) {
    const after = src.slice(m.index + name.length, m.index + name.length + 18);
    if (after.startsWith('.') || after.startsWith(' = __lazyRequire')) continue;
    const before = src.slice(Math.max(0, m.index - 4000), m.index);
    if (/^\s*[,;]/.test(after) && /\bvar [\w$, \n]*$/.test(before)) continue; // var a, name, b;
    throw new Error(`${file}: ${name} is used as ${JSON.stringify(name + after)}, not as ${name}.member; cannot load it lazily`);
  }
}
const helper = 'var __lazyRequire = (n) => { let m; return new Proxy({}, { get: (_, k) => (m ??= require(n))[k] }); };\n';
src = src.replace(wrapper, wrapper + helper);
writeFileSync(file, src);
