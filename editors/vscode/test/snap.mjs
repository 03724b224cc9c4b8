#!/usr/bin/env node
// Snapshot tests of the grammar over the repository's own .msp files.
//
//   node test/snap.mjs [--update] <glob relative to the repository root>...
//
// vscode-tmgrammar-snap writes each snapshot next to its source file
// (`x.msp` -> `x.msp.snap`), but the sources live outside this extension
// (examples/, stdlib/) and their snapshots belong here, under test/snap/.
// So this copies the .msp files below each glob's first folder into a
// temporary tree shaped like the repository, puts the committed snapshots
// beside them, runs vscode-tmgrammar-snap there with the globs unchanged, and
// with --update copies the snapshots back.
//
// Without --update it also fails (where the tool alone would pass) when a
// source has no snapshot yet, and when a snapshot's source is gone. A source
// whose text no longer matches its snapshot's is snapshotted afresh and
// compared token by token, whitespace aside: if only its layout changed
// (examples get realigned), its highlighting is the same and it passes, with
// a note to refresh the snapshot; otherwise it fails with the first difference.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const extension = path.resolve(here, '..');
const repo = path.resolve(extension, '../..');
const snapDir = path.join(here, 'snap');

const args = process.argv.slice(2);
const update = args.includes('--update') || args.includes('-u');
const globs = args.filter((a) => !a.startsWith('-'));
if (globs.length === 0) {
  console.error('usage: node test/snap.mjs [--update] <glob>...');
  process.exit(2);
}

// The folders the globs search, e.g. `examples` for `examples/**/*.msp`.
const roots = [...new Set(globs.map((g) => g.split('/')[0]))];
for (const r of roots) {
  if (/[*?[{]/.test(r) || !fs.statSync(path.join(repo, r), { throwIfNoEntry: false })?.isDirectory()) {
    console.error(`error: a glob must start with a folder of the repository: ${r}`);
    process.exit(2);
  }
}

const UPDATE = 'npm run test:grammar:snap:update';
const require = createRequire(import.meta.url);
const tool = require.resolve('vscode-tmgrammar-test/dist/snapshot.js');
const { parseSnap } = require('vscode-tmgrammar-test/dist/snapshot/parsing.js');

/** A snapshot's tokens that are not only whitespace, with their text and line. */
function meaningful(snap) {
  return snap.flatMap(({ src, tokens }, line) =>
    tokens
      .map((t) => ({ line: line + 1, text: src.slice(t.startIndex, t.endIndex), scopes: t.scopes.join(' ') }))
      .filter((t) => t.text.trim() !== ''),
  );
}
function sameToken(a, b) {
  return b !== undefined && a.text === b.text && a.scopes === b.scopes;
}

// Files below `dir` whose names end in `suffix`, relative to it, sorted.
// Like the compiler, skips hidden folders, `target` and `node_modules`.
function files(dir, suffix, prefix = '') {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (!e.name.startsWith('.') && e.name !== 'target' && e.name !== 'node_modules') {
        out.push(...files(path.join(dir, e.name), suffix, rel));
      }
    } else if (e.isFile() && e.name.endsWith(suffix)) {
      out.push(rel);
    }
  }
  return out.sort();
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mspc-snap-'));
let status = 1;
try {
  for (const r of roots) {
    for (const f of files(path.join(repo, r), '.msp')) {
      const src = path.join(repo, r, f);
      fs.mkdirSync(path.dirname(path.join(work, r, f)), { recursive: true });
      fs.copyFileSync(src, path.join(work, r, f));
    }
  }
  const committed = files(snapDir, '.msp.snap');
  const problems = [];
  const relaid = []; // snapshots whose source changed: compared below
  for (const s of committed) {
    const source = s.slice(0, -'.snap'.length);
    if (!fs.existsSync(path.join(work, source))) {
      if (update) fs.rmSync(path.join(snapDir, s));
      else problems.push(`${s}: its source ${source} is gone (remove the snapshot, or run \`${UPDATE}\`)`);
      continue;
    }
    const snap = parseSnap(fs.readFileSync(path.join(snapDir, s), 'utf8'));
    const lines = fs.readFileSync(path.join(work, source), 'utf8').split(/\r\n|\n/);
    if (!update && (snap.length !== lines.length || snap.some((l, i) => l.src !== lines[i]))) {
      relaid.push(s); // no snapshot there: the tool writes a fresh one
      continue;
    }
    fs.copyFileSync(path.join(snapDir, s), path.join(work, s));
  }

  const run = spawnSync(
    process.execPath,
    [tool, '--config', path.join(extension, 'package.json'), ...(update ? ['--updateSnapshot'] : []), ...globs],
    { cwd: work, stdio: 'inherit' },
  );
  status = run.status ?? 1;

  const produced = files(work, '.msp.snap');
  if (update) {
    for (const s of produced) {
      fs.mkdirSync(path.dirname(path.join(snapDir, s)), { recursive: true });
      fs.copyFileSync(path.join(work, s), path.join(snapDir, s));
    }
  } else {
    for (const s of produced) {
      if (relaid.includes(s)) {
        const before = meaningful(parseSnap(fs.readFileSync(path.join(snapDir, s), 'utf8')));
        const after = meaningful(parseSnap(fs.readFileSync(path.join(work, s), 'utf8')));
        const i = before.findIndex((t, k) => !sameToken(t, after[k]));
        if (i === -1 && before.length === after.length) {
          console.log(`note: ${s}: its source changed only in layout, and is highlighted the same (\`${UPDATE}\` refreshes the snapshot)`);
        } else {
          const at = (t) => (t ? `line ${t.line}: ${JSON.stringify(t.text)} ${t.scopes}` : 'nothing');
          problems.push(`${s}: its source changed; the first token highlighted differently:\n  snapshot: ${at(before[i === -1 ? after.length : i])}\n  now:      ${at(after[i === -1 ? before.length : i])}\n  if the change is right, run \`${UPDATE}\` and review the diff of test/snap/`);
        }
      } else if (!committed.includes(s)) {
        problems.push(`${s}: no committed snapshot (run \`${UPDATE}\` and review it)`);
      }
    }
    if (status !== 0) console.error(`error: the highlighting differs from the snapshots; if that is intended, run \`${UPDATE}\` and review the diff of test/snap/`);
  }
  if (produced.length === 0) problems.push(`no .msp file matched ${globs.join(' ')}`);
  for (const p of problems) console.error(`error: ${p}`);
  if (problems.length > 0) status = 1;
  if (status === 0) console.log(`${produced.length} snapshots ${update ? 'written to' : 'match'} ${path.relative(extension, snapDir)}/`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
process.exit(status);
