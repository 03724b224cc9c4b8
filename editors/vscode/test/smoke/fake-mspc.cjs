#!/usr/bin/env node
// A stand-in for `mspc` in the extension's smoke test: `lsp --help`, and
// `lsp` speaking just enough LSP, with the two mspc requests answered by
// echoing what the extension sent. FAKE_MSPC_MODE=no-lsp makes it an mspc
// without the `lsp` command.
'use strict';
const path = require('node:path');

const args = process.argv.slice(2);
if (args.length === 1 && args[0] === '--version') {
  console.log('mspc 0.0.0-fake');
  process.exit(0);
}
if (process.env.FAKE_MSPC_MODE !== 'no-lsp' && args.join(' ') === 'lsp --help') {
  console.log('Run the language server on stdin/stdout\n\nUsage: mspc lsp');
  process.exit(0);
}
if (process.env.FAKE_MSPC_MODE === 'no-lsp' || args.length !== 1 || args[0] !== 'lsp') {
  // Like clap: any other argument (a `--stdio` too) is an error.
  console.error(`error: unexpected arguments ${JSON.stringify(args)}`);
  process.exit(2);
}

const rpc = require(
  require.resolve('vscode-jsonrpc/node', { paths: [path.join(__dirname, '../../node_modules/vscode-languageclient')] }),
);
const conn = rpc.createMessageConnection(
  new rpc.StreamMessageReader(process.stdin),
  new rpc.StreamMessageWriter(process.stdout),
);
conn.onRequest('initialize', () => ({ capabilities: { textDocumentSync: 1 } }));
conn.onNotification('initialized', () => {});
conn.onNotification(() => {});
conn.onRequest('mspc/preview', (params) => {
  if (params.environment === 'nope') {
    return new rpc.ResponseError(-32602, 'service `a` has no environment `nope`');
  }
  const where = params.environment ?? `${params.position?.line}:${params.position?.character}`;
  return {
    title: `a/${where} ${params.kind}`,
    language: params.kind === 'docs' ? 'markdown' : 'terraform',
    content: JSON.stringify(params),
  };
});
conn.onRequest('mspc/stdlibFile', (params) => `// ${params.uri}\nschema Redis {}\n`);
conn.onRequest('shutdown', () => null);
conn.onNotification('exit', () => process.exit(0));
conn.listen();
