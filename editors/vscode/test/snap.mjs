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
// source has no snapshot yet, and when a snapshot's source is gone.
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
  for (const s of committed) {
    const source = s.slice(0, -'.snap'.length);
    if (!fs.existsSync(path.join(work, source))) {
      if (update) fs.rmSync(path.join(snapDir, s));
      else problems.push(`${s}: its source ${source} is gone (remove the snapshot, or run \`npm run test:grammar:snap:update\`)`);
      continue;
    }
    fs.copyFileSync(path.join(snapDir, s), path.join(work, s));
  }

  const require = createRequire(import.meta.url);
  const tool = require.resolve('vscode-tmgrammar-test/dist/snapshot.js');
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
      if (!committed.includes(s)) problems.push(`${s}: no committed snapshot (run \`npm run test:grammar:snap:update\` and review it)`);
    }
  }
  if (produced.length === 0) problems.push(`no .msp file matched ${globs.join(' ')}`);
  for (const p of problems) console.error(`error: ${p}`);
  if (problems.length > 0) status = 1;
  if (status === 0) console.log(`${produced.length} snapshots ${update ? 'written to' : 'match'} ${path.relative(extension, snapDir)}/`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
process.exit(status);
