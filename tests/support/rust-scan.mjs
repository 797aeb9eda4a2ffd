// Scans Rust source for panics reachable at run time: `.unwrap()`, `.expect(`, `panic!`,
// `unreachable!`, `todo!`, `unimplemented!`, `assert!` and indexing (`v[i]`, `s[..n]`),
// outside items under #[cfg(test)]. Comments and literals are blanked first, keeping line
// numbers. Used by tests/security.test.mjs.
import { readFileSync } from 'node:fs';

// Blanks comments, string and char literals (keeping line breaks) so patterns only see code.
export function stripLiterals(src) {
  let out = '';
  let i = 0;
  const n = src.length;
  const blank = (s) => s.replace(/[^\n]/g, ' ');
  while (i < n) {
    const c = src[i];
    const rest = src.slice(i, i + 3);
    if (rest.startsWith('//')) {
      const end = src.indexOf('\n', i);
      const j = end === -1 ? n : end;
      out += blank(src.slice(i, j));
      i = j;
    } else if (rest.startsWith('/*')) {
      let depth = 0;
      let j = i;
      do {
        if (src.startsWith('/*', j)) {
          depth++;
          j += 2;
        } else if (src.startsWith('*/', j)) {
          depth--;
          j += 2;
        } else j++;
      } while (depth > 0 && j < n);
      out += blank(src.slice(i, j));
      i = j;
    } else if (/^b?r#*"/.test(src.slice(i, i + 20)) && !/[\w]/.test(src[i - 1] ?? '')) {
      const m = /^(b?r)(#*)"/.exec(src.slice(i, i + 20));
      const close = `"${m[2]}`;
      const end = src.indexOf(close, i + m[0].length);
      const j = end === -1 ? n : end + close.length;
      out += m[0] + blank(src.slice(i + m[0].length, j - close.length)) + close;
      i = j;
    } else if (c === '"') {
      let j = i + 1;
      while (j < n && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
      out += '"' + blank(src.slice(i + 1, j)) + '"';
      i = j + 1;
    } else if (c === "'") {
      const m = /^'(?:\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|.)|[^\\'\n])'/.exec(src.slice(i, i + 16));
      if (m) {
        out += `'${' '.repeat(m[0].length - 2)}'`;
        i += m[0].length;
      } else {
        out += c; // a lifetime
        i++;
      }
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

// Blanks the items under #[cfg(test)] / #[cfg(all(test, ...))] (not `not(test)`).
export function stripTestItems(code) {
  const re = /#\[cfg\(([^\]]*)\)\]/g;
  let out = code;
  let m;
  while ((m = re.exec(code))) {
    const cond = m[1];
    if (!/\btest\b/.test(cond) || /not\(\s*test\s*\)/.test(cond)) continue;
    let j = m.index + m[0].length;
    const brace = code.indexOf('{', j);
    const semi = code.indexOf(';', j);
    if (brace === -1 || (semi !== -1 && semi < brace)) continue;
    let depth = 0;
    j = brace;
    do {
      if (code[j] === '{') depth++;
      else if (code[j] === '}') depth--;
      j++;
    } while (depth > 0 && j < code.length);
    out = out.slice(0, m.index) + code.slice(m.index, j).replace(/[^\n]/g, ' ') + out.slice(j);
  }
  return out;
}

export const RULES = [
  ['.unwrap()', /\.unwrap\(\)/],
  ['.expect(', /\.expect\(/],
  ['panic!', /\bpanic!/],
  ['unreachable!', /\bunreachable!/],
  ['todo!', /\btodo!/],
  ['unimplemented!', /\bunimplemented!/],
  ['assert!', /(?<!debug_)\bassert(?:_eq|_ne)?!/],
  ['indexing', /[\w)\]"]\[/],
];

/** Findings in one file: [{line, rule, text}] (1-based lines). */
export function scanRust(source) {
  const code = stripTestItems(stripLiterals(source)).split('\n');
  const original = source.split('\n');
  const found = [];
  code.forEach((line, k) => {
    for (const [rule, re] of RULES) if (re.test(line)) found.push({ line: k + 1, rule, text: original[k].trim() });
  });
  return found;
}

export const scanRustFile = (file) => scanRust(readFileSync(file, 'utf8'));
