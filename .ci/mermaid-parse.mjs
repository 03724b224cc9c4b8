// Parses Mermaid diagrams with the `mermaid` package's own parser.
// Input: a JSON file (path in MSPC_DIAGRAMS) holding [{ "name", "text" }].
// Prints one line per diagram that does not parse; exits 1 if any.
// Run with `.ci-tools/` as the working directory, where .ci/run installs
// mermaid and jsdom (mermaid's sanitizer needs a DOM).
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!DOCTYPE html><body></body>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });

const diagrams = JSON.parse(readFileSync(process.env.MSPC_DIAGRAMS, 'utf8'));
let failed = 0;
for (const { name, text } of diagrams) {
  try {
    await mermaid.parse(text);
  } catch (e) {
    failed += 1;
    console.log(`${name}: ${String(e.message ?? e).replace(/\s+/g, ' ')}`);
  }
}
console.log(`parsed ${diagrams.length} diagrams, ${failed} failed`);
process.exit(failed ? 1 : 0);
