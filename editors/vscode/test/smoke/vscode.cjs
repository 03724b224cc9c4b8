// Just enough of the `vscode` API for the extension and vscode-languageclient
// to run under Node, recording what the extension shows. Whatever is not
// written out here is a stub that accepts any call.
'use strict';

const recorded = { errors: [], infos: [], shown: [], setLanguage: [], watchers: [], selectors: [], executed: [] };

function stub() {
  return new Proxy(function () {}, {
    get: (_, key) => (key === 'then' ? undefined : key === Symbol.toPrimitive ? () => 'stub' : stub()),
    apply: () => stub(),
    construct: () => stub(),
  });
}
function withStubs(object) {
  return new Proxy(object, { get: (target, key) => (key in target ? target[key] : stub()) });
}

class Disposable {
  constructor(f) { this.f = f; }
  dispose() { if (this.f) this.f(); }
  static from(...ds) { return new Disposable(() => ds.forEach((d) => d.dispose())); }
}
class EventEmitter {
  constructor() {
    this.listeners = [];
    this.event = (f) => {
      this.listeners.push(f);
      return new Disposable(() => (this.listeners = this.listeners.filter((g) => g !== f)));
    };
  }
  fire(e) { this.listeners.forEach((f) => f(e)); }
  dispose() { this.listeners = []; }
}
class Uri {
  constructor(scheme, authority, path, query, fragment) {
    Object.assign(this, { scheme, authority: authority ?? '', path: path ?? '', query: query ?? '', fragment: fragment ?? '' });
  }
  static parse(s) {
    const m = /^([a-z][a-z0-9+.-]*):(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/i.exec(s);
    return new Uri(m[1], m[2], decodeURIComponent(m[3]), m[4], m[5]);
  }
  static file(p) { return new Uri('file', '', p); }
  static from(c) { return new Uri(c.scheme, c.authority, c.path, c.query, c.fragment); }
  get fsPath() { return this.path; }
  with(c) { return Uri.from({ ...this, ...c }); }
  toString() {
    const q = this.query ? `?${this.query}` : '';
    return `${this.scheme}://${this.authority}${encodeURI(this.path)}${q}`;
  }
  toJSON() { return this.toString(); }
}
class Position { constructor(line, character) { this.line = line; this.character = character; } }
class CancellationTokenSource {
  constructor() { this.token = { isCancellationRequested: false, onCancellationRequested: () => new Disposable() }; }
  cancel() {}
  dispose() {}
}

const commands = new Map();
const providers = new Map();
const configuration = new Map();
const onDidChangeConfiguration = new EventEmitter();
const onDidOpenTextDocument = new EventEmitter();
const languages = ['plaintext', 'markdown', 'msp'];
// The button the next error message is answered with.
let answer;

function document(uri, text, languageId) {
  return { uri, languageId, version: 1, isClosed: false, fileName: uri.fsPath, lineCount: text.split('\n').length, getText: () => text };
}

const vscode = {
  version: '1.85.0',
  Uri, Position, Disposable, EventEmitter, CancellationTokenSource,
  CancellationError: class CancellationError extends Error {},
  ViewColumn: { Active: -1, Beside: -2, One: 1, Two: 2 },
  ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
  TabInputText: class {}, TabInputTextDiff: class {}, TabInputCustom: class {},
  env: withStubs({ appName: 'fake', language: 'en', openExternal: async () => true }),
  commands: withStubs({
    registerCommand(id, f) {
      commands.set(id, f);
      return new Disposable(() => commands.delete(id));
    },
    async executeCommand(id, ...args) {
      recorded.executed.push([id, ...args]);
      return commands.get(id)?.(...args);
    },
  }),
  window: withStubs({
    activeTextEditor: undefined,
    visibleTextEditors: [],
    tabGroups: stub(),
    createOutputChannel: (name) => {
      const log = (level) => (s) => process.env.SMOKE_VERBOSE && console.error(`[${name} ${level}] ${s}`);
      return withStubs({ name, append: log('append'), appendLine: log('line'), info: log('info'), warn: log('warn'), error: log('error'), trace() {}, debug() {}, show() {}, dispose() {}, logLevel: 2, onDidChangeLogLevel: () => new Disposable() });
    },
    async showErrorMessage(message, ...items) {
      recorded.errors.push({ message, items });
      const a = answer;
      answer = undefined;
      return a;
    },
    async showWarningMessage(message) { recorded.errors.push({ message, items: [] }); },
    async showInformationMessage(message) { recorded.infos.push(message); },
    withProgress: async (_, task) => task({ report() {} }, new CancellationTokenSource().token),
    async showTextDocument(doc, options) {
      recorded.shown.push({ uri: doc.uri.toString(), languageId: doc.languageId, text: doc.getText(), options });
    },
    onDidChangeActiveTextEditor: () => new Disposable(),
  }),
  workspace: withStubs({
    workspaceFolders: [],
    textDocuments: [],
    getConfiguration: (section) => ({
      get: (key, fallback) => (configuration.has(`${section}.${key}`) ? configuration.get(`${section}.${key}`) : fallback),
      has: () => false,
      inspect: () => undefined,
      update: async () => {},
    }),
    onDidChangeConfiguration: onDidChangeConfiguration.event,
    onDidOpenTextDocument: onDidOpenTextDocument.event,
    onDidCloseTextDocument: () => new Disposable(),
    onDidChangeTextDocument: () => new Disposable(),
    onDidSaveTextDocument: () => new Disposable(),
    onWillSaveTextDocument: () => new Disposable(),
    onDidChangeWorkspaceFolders: () => new Disposable(),
    createFileSystemWatcher(glob) {
      const w = { glob, disposed: false, onDidCreate: () => new Disposable(), onDidChange: () => new Disposable(), onDidDelete: () => new Disposable(), dispose() { w.disposed = true; } };
      recorded.watchers.push(w);
      return w;
    },
    registerTextDocumentContentProvider(scheme, provider) {
      providers.set(scheme, provider);
      return new Disposable(() => providers.delete(scheme));
    },
    async openTextDocument(uri) {
      const provider = providers.get(uri.scheme);
      const text = await provider.provideTextDocumentContent(uri, new CancellationTokenSource().token);
      const doc = document(uri, text, 'plaintext');
      onDidOpenTextDocument.fire(doc);
      return doc;
    },
    applyEdit: async () => true,
  }),
  languages: withStubs({
    match(selector, doc) {
      recorded.selectors.push(selector);
      const ok = (s) => (s.scheme === undefined || s.scheme === doc.uri.scheme) && (s.language === undefined || s.language === doc.languageId);
      return [].concat(selector).some((s) => typeof s === 'object' && ok(s)) ? 10 : 0;
    },
    getLanguages: async () => [...languages],
    async setTextDocumentLanguage(doc, languageId) {
      recorded.setLanguage.push([doc.uri.toString(), languageId]);
      return { ...doc, languageId };
    },
    createDiagnosticCollection: () => withStubs({ set() {}, delete() {}, clear() {}, dispose() {} }),
  }),
};

/** The test's handle on the fake editor. */
vscode.fake = {
  recorded,
  languages,
  document,
  setConfiguration(key, value) {
    configuration.set(key, value);
    onDidChangeConfiguration.fire({ affectsConfiguration: (section) => key === section || key.startsWith(`${section}.`) });
  },
  answerNextError(item) { answer = item; },
};

module.exports = withStubs(vscode);
