// Smoke test of the compiled extension (out/extension.js, or the one in
// $MSPC_EXTENSION_DIR) with its real vscode-languageclient, under Node: `vscode` is the fake in vscode.cjs and
// `mspc` is fake-mspc.cjs, which answers mspc/preview by echoing its params.
// Checks the protocol contract with the server and what the user is shown.
'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const Module = require('node:module');

const fakeVscode = path.join(__dirname, 'vscode.cjs');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === 'vscode' ? fakeVscode : resolve.call(this, request, ...rest);
};
const vscode = require('vscode');
// The compiled extension here, or the one unpacked from the .vsix (CI).
const extensionDir = process.env.MSPC_EXTENSION_DIR ?? path.join(__dirname, '../..');
const extension = require(path.join(path.resolve(extensionDir), 'out/extension.js'));
const { recorded } = vscode.fake;

const fakeMspc = path.join(__dirname, 'fake-mspc.cjs');
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'mspc-smoke-'));
const fileUri = vscode.Uri.file(path.join(workspace, 'a.msp'));
const file = fileUri.toString();

// vscode-languageclient 9 leaves these two rejections unhandled when a server
// exits before answering `initialize` (VS Code only logs them); any other is a bug.
const languageClientRejections = [
  'Pending response rejected since connection got disposed',
  "Client is not running and can't be stopped. It's current state is: starting",
];
const unhandled = [];
process.on('unhandledRejection', (e) => {
  if (!languageClientRejections.includes(e?.message)) unhandled.push(e);
});

function run(command, ...args) {
  return vscode.commands.executeCommand(command, ...args);
}
/** What the fake server was sent, from the preview's content. */
function sent(shown) {
  return JSON.parse(shown.text);
}
function lastError() {
  return recorded.errors.at(-1);
}

describe('the mspc extension', () => {
  before(() => {
    vscode.workspace.workspaceFolders.push({ uri: vscode.Uri.file(workspace), name: 'ws', index: 0 });
    const doc = vscode.fake.document(fileUri, 'service a {}\n', 'msp');
    vscode.workspace.textDocuments.push(doc);
    vscode.window.activeTextEditor = { document: doc, selection: { active: new vscode.Position(0, 9) }, viewColumn: 1 };
    vscode.fake.setConfiguration('mspc.path', fakeMspc);
    extension.activate({ subscriptions: [] });
  });

  after(async () => {
    await extension.deactivate();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  it('previews Terraform at the cursor from the palette', async () => {
    await run('mspc.previewTerraform');
    assert.equal(recorded.errors.length, 0, JSON.stringify(recorded.errors));
    const shown = recorded.shown.at(-1);
    assert.deepEqual(sent(shown), { uri: file, kind: 'terraform', position: { line: 0, character: 9 } });
    assert.equal(shown.uri, 'mspc-preview:///a%E2%88%950:9%20terraform.tf');
    // No Terraform extension here: plain text.
    assert.equal(shown.languageId, 'plaintext');
    assert.deepEqual(shown.options, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true, preview: false });
  });

  it('watches the files the server reads, for as long as it runs', () => {
    assert.deepEqual(
      recorded.watchers.map((w) => [w.glob, w.disposed]),
      [['**/*.msp', false], ['**/README.md', false], ['**/*.bigquerytable.json', false]],
    );
  });

  it('syncs only .msp files on disk', async () => {
    assert.ok(recorded.selectors.length > 0);
    for (const s of recorded.selectors) assert.deepEqual(JSON.parse(JSON.stringify(s)), [{ scheme: 'file', language: 'msp' }]);
  });

  it('previews an environment from a code lens, sending its URI back unchanged', async () => {
    vscode.fake.languages.push('terraform');
    const lensUri = file.replace('/a.msp', '/%61.msp');
    await run('mspc.previewTerraform', lensUri, 'prod');
    const shown = recorded.shown.at(-1);
    assert.deepEqual(sent(shown), { uri: lensUri, kind: 'terraform', environment: 'prod' });
    assert.equal(shown.uri, 'mspc-preview:///a%E2%88%95prod%20terraform.tf');
    assert.equal(shown.languageId, 'terraform');
  });

  it('previews docs as Markdown', async () => {
    await run('mspc.previewDocs', file, 'dev');
    const shown = recorded.shown.at(-1);
    assert.deepEqual(sent(shown), { uri: file, kind: 'docs', environment: 'dev' });
    assert.equal(shown.uri, 'mspc-preview:///a%E2%88%95dev%20docs.md');
    assert.equal(shown.languageId, 'markdown');
  });

  it('shows the server’s error message', async () => {
    const before = recorded.shown.length;
    await run('mspc.previewTerraform', file, 'nope');
    assert.equal(recorded.shown.length, before);
    assert.equal(lastError().message, 'service `a` has no environment `nope`');
    recorded.errors.length = 0;
  });

  it('asks for an .msp file when there is none to preview', async () => {
    const editor = vscode.window.activeTextEditor;
    vscode.window.activeTextEditor = undefined;
    await run('mspc.previewDocs');
    vscode.window.activeTextEditor = editor;
    assert.match(recorded.infos.at(-1), /open an \.msp file/);
  });

  it('reads stdlib files from the server, as msp', async () => {
    const uri = vscode.Uri.parse('mspc-stdlib:///service.msp');
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.equal(doc.getText(), '// mspc-stdlib:///service.msp\nschema Redis {}\n');
    assert.deepEqual(recorded.setLanguage.at(-1), ['mspc-stdlib:///service.msp', 'msp']);
  });

  it('restarts on request', async () => {
    await run('mspc.restartServer');
    assert.deepEqual(recorded.watchers.slice(0, 3).map((w) => w.disposed), [true, true, true]);
    await run('mspc.previewTerraform', file, 'prod');
    assert.equal(sent(recorded.shown.at(-1)).environment, 'prod');
    assert.equal(recorded.errors.length, 0, JSON.stringify(recorded.errors));
  });

  it('says so, with a way to the setting, when mspc.path is not a program', async () => {
    vscode.fake.answerNextError('Open Settings');
    vscode.fake.setConfiguration('mspc.path', path.join(workspace, 'no-such-mspc'));
    await run('mspc.previewTerraform');
    const [startError, previewError] = recorded.errors.slice(-2);
    assert.match(startError.message, /could not be started\. `[^`]*no-such-mspc` was not found\. .*`mspc\.path`/);
    assert.deepEqual(startError.items, ['Open Settings', 'Show Output']);
    assert.deepEqual(
      recorded.executed.find(([id]) => id === 'workbench.action.openSettings'),
      ['workbench.action.openSettings', 'mspc.path'],
    );
    assert.match(previewError.message, /not running/);
  });

  it('says so when the program has no `lsp` command', async () => {
    recorded.errors.length = 0;
    process.env.FAKE_MSPC_MODE = 'no-lsp';
    vscode.fake.setConfiguration('mspc.path', fakeMspc);
    await run('mspc.previewDocs');
    delete process.env.FAKE_MSPC_MODE;
    assert.match(recorded.errors[0].message, /could not be started\. `[^`]*fake-mspc\.cjs lsp --help` failed \(error: unexpected arguments.*\): is it an mspc with the language server\?/);
    assert.deepEqual(recorded.errors[0].items, ['Open Settings', 'Show Output']);
    // Reported once, by the extension, and the preview says why it has nothing.
    assert.equal(recorded.errors.length, 2);
    assert.match(recorded.errors[1].message, /not running/);
  });

  it('starts again when mspc.path changes', async () => {
    recorded.errors.length = 0;
    vscode.fake.setConfiguration('mspc.path', fakeMspc);
    await run('mspc.previewDocs');
    assert.deepEqual(sent(recorded.shown.at(-1)), { uri: file, kind: 'docs', position: { line: 0, character: 9 } });
    assert.equal(recorded.errors.length, 0, JSON.stringify(recorded.errors));
    assert.deepEqual(unhandled, []);
  });
});
