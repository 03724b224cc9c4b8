// The mspc extension: starts `mspc lsp` for .msp files, and adds the
// Terraform and docs previews and the stdlib documents the server serves.
import * as cp from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorHandler,
  LanguageClient,
  LanguageClientOptions,
  ResponseError,
  RevealOutputChannelOn,
  ServerOptions,
} from 'vscode-languageclient/node';

/** Read-only documents holding a preview's text. */
const PREVIEW_SCHEME = 'mspc-preview';
/** The server's embedded stdlib, e.g. `mspc-stdlib:///service.msp`. */
const STDLIB_SCHEME = 'mspc-stdlib';
/** Files whose changes the server needs to hear about. */
const WATCHED = ['**/*.msp', '**/README.md', '**/*.bigquerytable.json'];

type PreviewKind = 'terraform' | 'docs';

/** Params of the `mspc/preview` request. */
interface PreviewParams {
  uri: string;
  environment?: string;
  position?: { line: number; character: number };
  kind: PreviewKind;
}

/** Result of the `mspc/preview` request. */
interface PreviewResult {
  title: string;
  /** `terraform` or `markdown`. */
  language: string;
  content: string;
}

/** Params of the `mspc/stdlibFile` request (its result is the file's text). */
interface StdlibFileParams {
  uri: string;
}

let server: Server | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('mspc', { log: true });
  const previews = new PreviewProvider();
  server = new Server(output);
  const srv = server;

  context.subscriptions.push(
    output,
    previews,
    vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, previews),
    vscode.workspace.registerTextDocumentContentProvider(STDLIB_SCHEME, new StdlibProvider(srv)),
    vscode.workspace.onDidOpenTextDocument(useMspForStdlib),
    vscode.commands.registerCommand('mspc.restartServer', () => srv.restart()),
    vscode.commands.registerCommand('mspc.previewTerraform', (...args: unknown[]) =>
      preview(srv, previews, 'terraform', args),
    ),
    vscode.commands.registerCommand('mspc.previewDocs', (...args: unknown[]) => preview(srv, previews, 'docs', args)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('mspc.path')) {
        void srv.restart();
      }
    }),
  );
  vscode.workspace.textDocuments.forEach(useMspForStdlib);

  void srv.start();
}

export function deactivate(): Thenable<void> | undefined {
  return server?.stop();
}

/** The language client, restarted as a whole (binary, watchers) when needed. */
class Server {
  private client: LanguageClient | undefined;
  private watchers: vscode.Disposable[] = [];
  /** Starts and stops run one after the other, in the order asked. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly output: vscode.LogOutputChannel) {}

  start(): Promise<void> {
    return this.enqueue(() => this.doStart());
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.doStop());
  }

  restart(): Promise<void> {
    return this.enqueue(async () => {
      await this.doStop();
      await this.doStart();
    });
  }

  /** The running client, once any start or stop under way has finished. */
  async running(): Promise<LanguageClient | undefined> {
    await this.queue;
    return this.client?.isRunning() ? this.client : undefined;
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(task, task).catch((e: unknown) => {
      this.output.error(`mspc: ${errorMessage(e)}`);
    });
    return this.queue;
  }

  private async doStart(): Promise<void> {
    const cwd = workspaceDirectory();
    const command = resolveCommand(vscode.workspace.getConfiguration('mspc').get<string>('path') || 'mspc', cwd);

    const problem = await cannotRunLsp(command, cwd);
    if (problem !== undefined) {
      this.output.error(problem);
      showStartError(this.output, problem);
      return;
    }

    const watchers = WATCHED.map((glob) => vscode.workspace.createFileSystemWatcher(glob));
    // stdio, without `transport: TransportKind.stdio`, which would add a
    // `--stdio` argument that `mspc lsp` does not take.
    const serverOptions: ServerOptions = { command, args: ['lsp'], options: { cwd } };
    // Once running, a server that dies is restarted (a few times) as usual;
    // one that dies while starting is not: it is reported below instead.
    let started = false;
    let usual: ErrorHandler | undefined;
    const errorHandler: ErrorHandler = {
      error: (error, message, count) => usual!.error(error, message, count),
      closed: () => (started ? usual!.closed() : { action: CloseAction.DoNotRestart, handled: true }),
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file', language: 'msp' }],
      synchronize: { fileEvents: watchers },
      outputChannel: this.output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      errorHandler,
      // A failed `initialize` is reported below, once, instead of by the client.
      initializationFailedHandler: () => false,
    };
    // The id `mspc` makes the client follow the `mspc.trace.server` setting.
    const client = new LanguageClient('mspc', 'mspc', serverOptions, clientOptions);
    usual = client.createDefaultErrorHandler();
    this.output.info(`starting ${command} lsp`);
    try {
      await client.start();
      started = true;
    } catch (e) {
      watchers.forEach((w) => w.dispose());
      await client.dispose().catch(() => undefined);
      showStartError(this.output, `\`${command} lsp\` did not start: ${errorMessage(e)}.`);
      return;
    }
    this.client = client;
    this.watchers = watchers;
  }

  private async doStop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.watchers.forEach((w) => w.dispose());
    this.watchers = [];
    if (client !== undefined) {
      // Throws when the server has already gone: there is nothing left to stop.
      await client.dispose().catch(() => undefined);
    }
  }
}

/** The first workspace folder on disk, where the server is started. */
function workspaceDirectory(): string | undefined {
  return vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath;
}

/** `mspc.path` as a command: `~` expanded, a relative path taken from the workspace. */
function resolveCommand(setting: string, cwd: string | undefined): string {
  let command = setting.trim();
  if (command === '~' || command.startsWith('~/') || command.startsWith('~\\')) {
    command = path.join(os.homedir(), command.slice(1));
  }
  const hasSeparator = command.includes('/') || command.includes('\\');
  if (hasSeparator && !path.isAbsolute(command) && cwd !== undefined) {
    command = path.resolve(cwd, command);
  }
  return command;
}

/**
 * Why `command lsp` cannot be run, or undefined if it can: `command lsp --help`
 * must start, and succeed (an mspc without the language server fails it).
 */
function cannotRunLsp(command: string, cwd: string | undefined): Promise<string | undefined> {
  return new Promise((resolve) => {
    let child: cp.ChildProcess;
    try {
      child = cp.spawn(command, ['lsp', '--help'], { cwd, stdio: ['ignore', 'ignore', 'pipe'], windowsHide: true });
    } catch (e) {
      resolve(`\`${command}\` could not be run: ${errorMessage(e)}`);
      return;
    }
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < 2000) stderr += chunk.toString();
    });
    // Something that neither fails nor finishes may still serve: let it try.
    const timer = setTimeout(() => {
      child.kill();
      resolve(undefined);
    }, 10_000);
    child.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === 'ENOENT') resolve(`\`${command}\` was not found.`);
      else if (e.code === 'EACCES') resolve(`\`${command}\` is not executable.`);
      else resolve(`\`${command}\` could not be run: ${e.message}`);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) {
        resolve(undefined);
      } else {
        const why = stderr.trim().split('\n')[0] || (signal ? `killed by ${signal}` : `exit code ${code}`);
        resolve(`\`${command} lsp --help\` failed (${why}): is it an mspc with the language server?`);
      }
    });
  });
}

function showStartError(output: vscode.LogOutputChannel, detail: string): void {
  const openSettings = 'Open Settings';
  const showOutput = 'Show Output';
  void vscode.window
    .showErrorMessage(
      `mspc: the language server could not be started. ${detail} Install mspc, or set \`mspc.path\` to the mspc binary.`,
      openSettings,
      showOutput,
    )
    .then((choice) => {
      if (choice === openSettings) {
        void vscode.commands.executeCommand('workbench.action.openSettings', 'mspc.path');
      } else if (choice === showOutput) {
        output.show();
      }
    });
}

/**
 * `mspc.previewTerraform` and `mspc.previewDocs`. From a code lens the server
 * passes `[uri, environment]`; from the palette (no arguments) or an editor
 * menu (the document's URI) the active editor's document and cursor are used.
 */
async function preview(server: Server, previews: PreviewProvider, kind: PreviewKind, args: unknown[]): Promise<void> {
  const what = kind === 'terraform' ? 'Terraform' : 'docs';
  const editor = vscode.window.activeTextEditor;
  const [first, second] = args;

  let target: vscode.Uri | undefined;
  let uri: string | undefined;
  if (typeof first === 'string') {
    uri = first; // the server's own spelling, sent back as is
    target = vscode.Uri.parse(first, true);
  } else if (first instanceof vscode.Uri) {
    target = first;
  } else if (editor?.document.languageId === 'msp') {
    target = editor.document.uri;
  }
  if (target === undefined) {
    void vscode.window.showInformationMessage(`mspc: open an .msp file to preview its ${what}.`);
    return;
  }
  const environment = typeof second === 'string' ? second : undefined;

  const client = await server.running();
  if (client === undefined) {
    void vscode.window.showErrorMessage(`mspc: the language server is not running, so there is no ${what} preview.`);
    return;
  }

  const params: PreviewParams = { uri: uri ?? client.code2ProtocolConverter.asUri(target), kind };
  if (environment !== undefined) {
    params.environment = environment;
  } else if (editor !== undefined && editor.document.uri.toString() === target.toString()) {
    params.position = client.code2ProtocolConverter.asPosition(editor.selection.active);
  }

  let result: PreviewResult;
  try {
    result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `mspc: generating ${what}` },
      () => client.sendRequest<PreviewResult>('mspc/preview', params),
    );
  } catch (e) {
    void vscode.window.showErrorMessage(e instanceof ResponseError ? e.message : `mspc: ${errorMessage(e)}`);
    return;
  }
  if (typeof result?.content !== 'string') {
    void vscode.window.showErrorMessage(`mspc: the server sent no ${what} to preview.`);
    return;
  }

  const language = await knownLanguage(result.language);
  const docUri = previews.put(result.title || what, result.language, result.content);
  let doc = await vscode.workspace.openTextDocument(docUri);
  if (doc.languageId !== language) {
    doc = await vscode.languages.setTextDocumentLanguage(doc, language);
  }
  const open = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === docUri.toString());
  await vscode.window.showTextDocument(doc, {
    viewColumn: open?.viewColumn ?? vscode.ViewColumn.Beside,
    preserveFocus: true,
    preview: false,
  });
}

/** `language` if VS Code knows it (Terraform needs an extension), else plain text. */
async function knownLanguage(language: unknown): Promise<string> {
  if (typeof language !== 'string' || language === '') return 'plaintext';
  const known = await vscode.languages.getLanguages();
  return known.includes(language) ? language : 'plaintext';
}

/**
 * The previews' text, by URI. A preview's URI comes from its title, so
 * previewing the same thing again refreshes the document already open.
 */
class PreviewProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  /** `language` is the server's (`terraform`, `markdown`): it gives the name's extension. */
  put(title: string, language: unknown, content: string): vscode.Uri {
    // A `/` in the title would make folders: use a look-alike.
    let name = title.replace(/[\\/]/g, '\u2215');
    const ext = language === 'terraform' ? '.tf' : language === 'markdown' ? '.md' : '';
    if (ext !== '' && !name.endsWith(ext)) name += ext;
    const uri = vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: `/${name}` });
    this.contents.set(uri.toString(), content);
    this.changed.fire(uri);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? 'This preview is no longer available: run the preview command again.';
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** `mspc-stdlib:` documents, read from the server (`mspc/stdlibFile`). */
class StdlibProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly server: Server) {}

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const client = await this.server.running();
    if (client === undefined) {
      throw new Error(`mspc: the language server is not running, so ${uri.toString()} cannot be read.`);
    }
    const params: StdlibFileParams = { uri: client.code2ProtocolConverter.asUri(uri) };
    return client.sendRequest<string>('mspc/stdlibFile', params, token);
  }
}

/** Stdlib documents are .msp files: make sure they are highlighted as such. */
function useMspForStdlib(doc: vscode.TextDocument): void {
  if (doc.uri.scheme === STDLIB_SCHEME && doc.languageId !== 'msp') {
    void vscode.languages.setTextDocumentLanguage(doc, 'msp');
  }
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
