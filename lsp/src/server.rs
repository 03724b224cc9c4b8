//! The protocol loop's handlers. Edits write salsa inputs synchronously,
//! before any `.await`, so they apply in the order they arrive; reads clone
//! the database under the lock and run on a blocking thread, where a write
//! cancels them (`ContentModified`). Diagnostics are pushed by a debounced
//! task that publishes only if no edit came after it started.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use mspc_compiler::db::{self, load};
use salsa::Database as _;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService};

use crate::convert::{self, Files};
use crate::line_index::LineIndex;
use crate::requests::{self, Ctx, PreviewParams, PreviewResult};
use crate::state::{Alone, Doc, Host, Snapshot, State};

/// Wait this long after an edit before checking: typing stays responsive.
const DEFAULT_DELAY: Duration = Duration::from_millis(150);

#[derive(Clone)]
pub struct Backend {
    client: Client,
    state: Arc<Mutex<State>>,
    config: Arc<Mutex<Config>>,
    /// Set once the workspace folders' hosts are loaded; requests over the
    /// whole workspace wait for it.
    folders_loaded: Arc<tokio::sync::OnceCell<()>>,
}

#[derive(Default)]
struct Config {
    delay: Option<Duration>,
    folders: Vec<PathBuf>,
    dynamic_watch: bool,
}

pub fn service() -> (LspService<Backend>, tower_lsp_server::ClientSocket) {
    LspService::build(|client| Backend {
        client,
        state: Arc::new(Mutex::new(State::default())),
        config: Arc::new(Mutex::new(Config::default())),
        folders_loaded: Arc::default(),
    })
    .custom_method("mspc/preview", Backend::preview)
    .custom_method("mspc/stdlibFile", Backend::stdlib_file)
    .finish()
}

#[derive(serde::Deserialize)]
pub struct StdlibFileParams {
    uri: String,
}

fn content_modified() -> Error {
    Error { code: ErrorCode::ContentModified, message: "content modified".into(), data: None }
}

/// Cancels a snapshot's computation when the request's future is dropped
/// (the client sent `$/cancelRequest`): the blocking thread stops at its
/// next query instead of running to the end.
struct CancelOnDrop(salsa::CancellationToken);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

impl Backend {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave inputs half-written
        // (each write is one salsa setter), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn config(&self) -> MutexGuard<'_, Config> {
        self.config.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on a blocking thread with the snapshot.
    async fn blocking<R, F>(snap: Snapshot, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&Snapshot) -> R + Send + 'static,
    {
        let _guard = CancelOnDrop(snap.db.cancellation_token());
        match tokio::task::spawn_blocking(move || f(&snap)).await {
            Ok(r) => Ok(r),
            Err(e) if e.is_panic() => {
                let payload = e.into_panic();
                if payload.is::<salsa::Cancelled>() {
                    Err(content_modified())
                } else {
                    let what = payload
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    Err(Error {
                        code: ErrorCode::InternalError,
                        message: format!("internal error: {what}").into(),
                        data: None,
                    })
                }
            }
            Err(_) => Err(content_modified()),
        }
    }

    /// Runs a request about one file; `None` when the file is not known.
    async fn on_file<R, F>(&self, uri: &Uri, f: F) -> Result<Option<R>>
    where
        R: Send + 'static,
        F: FnOnce(&Ctx) -> R + Send + 'static,
    {
        let taken = self.state().file_host(uri).map(|(h, file)| (h.snapshot(), file));
        let Some((snap, file)) = taken else { return Ok(None) };
        let uri = uri.clone();
        Backend::blocking(snap, move |s| {
            let c = Ctx { db: &s.db, ws: s.ws, file, root: &s.root, uri: &uri };
            f(&c)
        })
        .await
        .map(Some)
    }

    fn snapshot_of(&self, root: &std::path::Path) -> Option<Snapshot> {
        self.state().hosts.get(root).map(Host::snapshot)
    }

    /// Loads the workspace of each folder the client opened (once).
    async fn load_folders(&self) {
        self.folders_loaded
            .get_or_init(|| async {
                let folders = self.config().folders.clone();
                for folder in folders {
                    let Ok(Some(root)) = tokio::task::spawn_blocking(move || load::find_root(&folder)).await else {
                        continue;
                    };
                    if self.state().hosts.contains_key(&root) {
                        continue;
                    }
                    let loaded_root = root.clone();
                    if let Ok(host) = tokio::task::spawn_blocking(move || Host::load(&loaded_root)).await {
                        let mut st = self.state();
                        st.hosts.entry(root).or_insert(host);
                        st.generation += 1;
                    }
                }
            })
            .await;
    }

    fn schedule_diagnostics(&self) {
        let this = self.clone();
        let delay = self.config().delay.unwrap_or(DEFAULT_DELAY);
        let generation = self.state().generation;
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            this.publish_diagnostics(generation).await;
        });
    }

    async fn publish_diagnostics(&self, generation: u64) {
        let roots: Vec<PathBuf> = {
            let st = self.state();
            if st.generation != generation {
                return;
            }
            st.hosts.keys().cloned().collect()
        };
        let mut computed: BTreeMap<Uri, Vec<Diagnostic>> = BTreeMap::new();
        for root in roots {
            // One snapshot at a time, each on its blocking thread: a snapshot
            // waiting here would hold up an edit's write to its host.
            let Some(snap) = self.snapshot_of(&root) else { continue };
            let Ok(found) = Backend::blocking(snap, diagnostics_by_uri).await else { return };
            for (uri, mut diags) in found {
                computed.entry(uri).or_default().append(&mut diags);
            }
        }
        let mut sends = Vec::new();
        {
            let mut st = self.state();
            if st.generation != generation {
                return;
            }
            let open: HashMap<Uri, i32> = st.docs.iter().map(|(u, d)| (u.clone(), d.version)).collect();
            let uris: HashSet<Uri> = computed.keys().chain(st.published.keys()).chain(open.keys()).cloned().collect();
            for uri in uris {
                let new = computed.remove(&uri).unwrap_or_default();
                let old = st.published.get(&uri);
                if open.contains_key(&uri) || old != Some(&new) {
                    sends.push((uri.clone(), new.clone(), open.get(&uri).copied()));
                }
                if new.is_empty() {
                    st.published.remove(&uri);
                } else {
                    st.published.insert(uri, new);
                }
            }
        }
        sends.sort_by(|a, b| a.0.cmp(&b.0));
        for (uri, diags, version) in sends {
            self.client.publish_diagnostics(uri, diags, version).await;
        }
    }

    /// Applies a change on disk to the host holding the path; open documents
    /// keep their editor text.
    fn file_changed(&self, st: &mut State, uri: &Uri, deleted: bool) -> bool {
        if st.docs.contains_key(uri) {
            return false;
        }
        let Some(path) = uri.to_file_path() else { return false };
        // The folder's real path, but the file's own name: a link is the
        // workspace's file, which the loader then refuses to follow out.
        let path = crate::state::canonical_folder(&path);
        let Some(host) = st.hosts.values_mut().find(|h| path.starts_with(&h.root)) else { return false };
        let Some(rel) = host.relative(&path) else { return false };
        if deleted {
            // A deleted folder: every file below it.
            let below: Vec<String> =
                host.files.keys().filter(|k| **k == rel || k.starts_with(&format!("{rel}/"))).cloned().collect();
            return below.iter().fold(false, |changed, k| host.remove(k) | changed);
        }
        let name = rel.rsplit('/').next().unwrap_or(&rel);
        if !load::is_workspace_file(name) {
            return false;
        }
        host.reload(&rel)
    }

    async fn preview(&self, params: PreviewParams) -> Result<PreviewResult> {
        let uri = params.uri.clone();
        match self.on_file(&uri, move |c| requests::preview(c, &params)).await? {
            Some(Ok(r)) => Ok(r),
            Some(Err(message)) => Err(Error::invalid_params(message)),
            None => Err(Error::invalid_params(format!("{} is not part of an mspc workspace", uri.as_str()))),
        }
    }

    async fn stdlib_file(&self, params: StdlibFileParams) -> Result<String> {
        convert::stdlib_text(&params.uri)
            .map(str::to_string)
            .ok_or_else(|| Error::invalid_params(format!("no stdlib file {}", params.uri)))
    }
}

/// Every diagnostic of a workspace, by document: each in its primary file,
/// mirrored into the other files it names.
fn diagnostics_by_uri(s: &Snapshot) -> BTreeMap<Uri, Vec<Diagnostic>> {
    let files = Files::new(&s.db, s.ws, &s.root);
    let mut out: BTreeMap<Uri, Vec<Diagnostic>> = BTreeMap::new();
    if let Some(why) = s.alone {
        // Said on each file, at its top: what `mspc check` would say of it.
        for f in s.ws.files(&s.db) {
            if let Some(uri) = Uri::from_file_path(s.root.join(f.path(&s.db))) {
                out.entry(uri).or_default().push(alone_diagnostic(why));
            }
        }
    }
    let result = db::workspace_result(&s.db, s.ws);
    for d in &result.diagnostics {
        let Some(primary) = files.diagnostic(d) else { continue };
        for (uri, diag) in files.mirrors(d, &primary) {
            out.entry(uri).or_default().push(diag);
        }
        let (uri, diag) = primary;
        out.entry(uri).or_default().push(diag);
    }
    out
}

/// Why a file is checked alone, and what to do about it.
fn alone_diagnostic(why: Alone) -> Diagnostic {
    let (severity, code, message) = match why {
        Alone::NoWorkspace => (
            DiagnosticSeverity::WARNING,
            "mspc::no_workspace",
            "no `platform.msp` in this file's folder or any folder above it, so this file is not in an mspc \
             workspace: it is checked alone, without the organisation's settings or its imports' workspace, and \
             `mspc check` refuses it (exit 2). A workspace is the folder holding `platform.msp`: create one at \
             the workspace's root, or open the folder that has it.",
        ),
        Alone::OutsideFolders => (
            DiagnosticSeverity::INFORMATION,
            "mspc::outside_folders",
            "this file is outside the folders open in the editor, so it is checked alone: nothing around it is \
             read. Open its workspace's folder to check it with the rest of its workspace.",
        ),
    };
    Diagnostic {
        range: Range::default(),
        severity: Some(severity),
        code: Some(NumberOrString::String(code.into())),
        source: Some("mspc".into()),
        message: message.into(),
        ..Default::default()
    }
}

fn position_of(params: &TextDocumentPositionParams) -> (Uri, Position) {
    (params.text_document.uri.clone(), params.position)
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        {
            let mut cfg = self.config();
            if let Some(ms) =
                params.initialization_options.as_ref().and_then(|o| o.get("diagnosticsDelay")).and_then(|v| v.as_u64())
            {
                cfg.delay = Some(Duration::from_millis(ms.min(10_000)));
            }
            #[allow(deprecated)] // `root_uri` for clients without workspace folders.
            let roots: Vec<Uri> = match (&params.workspace_folders, &params.root_uri) {
                (Some(folders), _) => folders.iter().map(|f| f.uri.clone()).collect(),
                (None, Some(root)) => vec![root.clone()],
                (None, None) => Vec::new(),
            };
            cfg.folders = roots.iter().filter_map(|u| u.to_file_path().map(|p| p.into_owned())).collect();
            if !cfg.folders.is_empty() {
                let mut readable: Vec<PathBuf> = Vec::new();
                for folder in &cfg.folders {
                    readable.push(crate::state::canonical(folder));
                    readable.extend(load::find_root(folder));
                }
                self.state().readable = Some(readable);
            }
            cfg.dynamic_watch = params
                .capabilities
                .workspace
                .as_ref()
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|d| d.dynamic_registration)
                .unwrap_or(false);
        }
        Ok(InitializeResult {
            server_info: Some(ServerInfo { name: "mspc".into(), version: Some(env!("CARGO_PKG_VERSION").into()) }),
            capabilities: ServerCapabilities {
                position_encoding: Some(PositionEncodingKind::UTF16),
                text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::INCREMENTAL),
                    ..Default::default()
                })),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(vec![".".into(), "\"".into(), "{".into(), "/".into(), "=".into()]),
                    ..Default::default()
                }),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                definition_provider: Some(OneOf::Left(true)),
                references_provider: Some(OneOf::Left(true)),
                rename_provider: Some(OneOf::Right(RenameOptions {
                    prepare_provider: Some(true),
                    work_done_progress_options: Default::default(),
                })),
                document_symbol_provider: Some(OneOf::Left(true)),
                workspace_symbol_provider: Some(OneOf::Left(true)),
                document_formatting_provider: Some(OneOf::Left(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                    code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                    ..Default::default()
                })),
                semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
                    SemanticTokensOptions {
                        legend: requests::semantic_legend(),
                        full: Some(SemanticTokensFullOptions::Bool(true)),
                        range: None,
                        work_done_progress_options: Default::default(),
                    },
                )),
                inlay_hint_provider: Some(OneOf::Left(true)),
                folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
                code_lens_provider: Some(CodeLensOptions { resolve_provider: Some(false) }),
                ..Default::default()
            },
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        self.load_folders().await;
        let dynamic = self.config().dynamic_watch;
        if dynamic {
            let watchers = ["**/*.msp", "**/README.md", "**/*.bigquerytable.json"]
                .into_iter()
                .map(|glob| FileSystemWatcher { glob_pattern: GlobPattern::String(glob.into()), kind: None })
                .collect();
            let options = DidChangeWatchedFilesRegistrationOptions { watchers };
            let registration = Registration {
                id: "mspc-watched-files".into(),
                method: "workspace/didChangeWatchedFiles".into(),
                register_options: serde_json::to_value(options).ok(),
            };
            // A client that refuses still gets didOpen/didChange for what it
            // edits. Not awaited here: a client that shuts down before it
            // answers would leave `initialized` pending, and the server, which
            // finishes its handlers before it exits, would never exit.
            let client = self.client.clone();
            tokio::spawn(async move {
                let _ = client.register_capability(vec![registration]).await;
            });
        }
        self.schedule_diagnostics();
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        let Some(path) = doc.uri.to_file_path().map(|p| p.into_owned()) else { return };
        {
            let mut st = self.state();
            let (host, rel) = st.host_for(&path);
            host.set_text(&rel, doc.text, None);
            let root = host.root.clone();
            st.docs.insert(doc.uri, Doc { version: doc.version, root, rel });
            st.generation += 1;
        }
        self.schedule_diagnostics();
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let version = params.text_document.version;
        {
            let mut st = self.state();
            let Some(doc) = st.docs.get(&uri) else { return };
            // Out of order or repeated: the editor's newer text already applied.
            if version <= doc.version {
                return;
            }
            let (root, rel) = (doc.root.clone(), doc.rel.clone());
            let Some(host) = st.hosts.get_mut(&root) else { return };
            let Some(file) = host.file(&rel) else { return };
            let mut text = file.text(&host.db).clone();
            for change in params.content_changes {
                match change.range {
                    Some(range) => {
                        let r = LineIndex::new(&text).text_range(range);
                        text.replace_range(r.as_usize(), &change.text);
                    }
                    None => text = change.text,
                }
            }
            host.set_text(&rel, text, None);
            if let Some(doc) = st.docs.get_mut(&uri) {
                doc.version = version;
            }
            st.generation += 1;
        }
        self.schedule_diagnostics();
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        {
            let mut st = self.state();
            let Some(doc) = st.docs.remove(&params.text_document.uri) else { return };
            let still_open = st.docs.values().any(|d| d.root == doc.root);
            match st.hosts.get_mut(&doc.root) {
                // A file served alone is forgotten with its last document, and
                // its database with it: a long session opening files from
                // everywhere does not keep one per folder it ever saw.
                Some(host) if host.alone.is_some() && !still_open => {
                    st.hosts.remove(&doc.root);
                }
                Some(host) => {
                    host.reload(&doc.rel);
                }
                None => {}
            }
            st.generation += 1;
        }
        self.schedule_diagnostics();
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        // A change that arrives while the folders' workspaces load would find
        // no host, and the load may have read the disk before it: wait for
        // the load, then apply it. (Disk events need no ordering with edits:
        // open documents ignore them.)
        self.load_folders().await;
        let changed = {
            let mut st = self.state();
            let mut changed = false;
            for ev in params.changes {
                changed |= self.file_changed(&mut st, &ev.uri, ev.typ == FileChangeType::DELETED);
            }
            if changed {
                st.generation += 1;
            }
            changed
        };
        if changed {
            self.schedule_diagnostics();
        }
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let (uri, pos) = position_of(&params.text_document_position);
        let items = self.on_file(&uri, move |c| requests::completion(c, pos)).await?;
        Ok(items.map(CompletionResponse::Array))
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let (uri, pos) = position_of(&params.text_document_position_params);
        Ok(self.on_file(&uri, move |c| requests::hover(c, pos)).await?.flatten())
    }

    async fn goto_definition(&self, params: GotoDefinitionParams) -> Result<Option<GotoDefinitionResponse>> {
        let (uri, pos) = position_of(&params.text_document_position_params);
        let found = self.on_file(&uri, move |c| requests::definition(c, pos)).await?;
        Ok(found.filter(|l| !l.is_empty()).map(GotoDefinitionResponse::Array))
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let (uri, pos) = position_of(&params.text_document_position);
        let include = params.context.include_declaration;
        self.on_file(&uri, move |c| requests::references(c, pos, include)).await
    }

    async fn prepare_rename(&self, params: TextDocumentPositionParams) -> Result<Option<PrepareRenameResponse>> {
        let (uri, pos) = position_of(&params);
        match self.on_file(&uri, move |c| requests::prepare_rename(c, pos)).await? {
            Some(Ok(r)) => Ok(Some(r)),
            Some(Err(why)) => Err(Error::invalid_params(why)),
            None => Ok(None),
        }
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let (uri, pos) = position_of(&params.text_document_position);
        let name = params.new_name;
        match self.on_file(&uri, move |c| requests::rename(c, pos, &name)).await? {
            Some(Ok(edit)) => Ok(Some(edit)),
            Some(Err(why)) => Err(Error::invalid_params(why)),
            None => Ok(None),
        }
    }

    async fn document_symbol(&self, params: DocumentSymbolParams) -> Result<Option<DocumentSymbolResponse>> {
        let found = self.on_file(&params.text_document.uri, requests::document_symbols).await?;
        Ok(found.map(DocumentSymbolResponse::Nested))
    }

    async fn symbol(&self, params: WorkspaceSymbolParams) -> Result<Option<WorkspaceSymbolResponse>> {
        self.load_folders().await;
        let roots: Vec<PathBuf> = self.state().hosts.keys().cloned().collect();
        let mut all = Vec::new();
        for root in roots {
            let Some(snap) = self.snapshot_of(&root) else { continue };
            let query = params.query.clone();
            let mut found =
                Backend::blocking(snap, move |s| requests::workspace_symbols(&s.db, s.ws, &s.root, &query)).await?;
            all.append(&mut found);
        }
        Ok(Some(WorkspaceSymbolResponse::Nested(all)))
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        self.on_file(&params.text_document.uri, requests::formatting).await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let range = params.range;
        self.on_file(&params.text_document.uri, move |c| requests::code_actions(c, range)).await
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        self.on_file(&params.text_document.uri, requests::code_lenses).await
    }

    async fn semantic_tokens_full(&self, params: SemanticTokensParams) -> Result<Option<SemanticTokensResult>> {
        let found = self.on_file(&params.text_document.uri, requests::semantic_tokens).await?;
        Ok(found.map(SemanticTokensResult::Tokens))
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        let range = params.range;
        self.on_file(&params.text_document.uri, move |c| requests::inlay_hints(c, range)).await
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        self.on_file(&params.text_document.uri, requests::folding_ranges).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mspc_compiler::db::{Database, SourceFile, Workspace};
    use salsa::Setter;

    fn snapshot() -> (Database, Workspace, SourceFile) {
        let db = Database::default();
        let file =
            SourceFile::builder("a.msp".into(), "service x {}".into(), mspc_compiler::diagnostics::FileId(0), None)
                .new(&db);
        let ws = Workspace::new(&db, vec![file]);
        (db, ws, file)
    }

    /// The queries that run, by name, when the diagnostics of a generated
    /// workspace of `services` are computed again after the first and after
    /// the second edit of one service (`max = 5` → `6` → `7`), the way the
    /// server does it.
    fn executed_after_edits(services: usize) -> [BTreeMap<String, usize>; 2] {
        let (db, log) = Database::with_execution_log();
        let w = mspc_bench::workload::generate(services, 1);
        let focus = w.focus.clone();
        let files: Vec<(String, String)> = w.files.into_iter().collect();
        let text = files.iter().find(|(p, _)| *p == focus).map(|(_, t)| t.clone()).unwrap();
        let loaded = mspc_compiler::db::load::Loaded::from_files(db, PathBuf::from("/ws"), files);
        let mut host = crate::state::Host::from_loaded(loaded);
        assert!(diagnostics_by_uri(&host.snapshot()).is_empty());
        ["max = 6", "max = 7"].map(|max| {
            log.lock().unwrap().clear();
            assert!(host.set_text(&focus, text.replacen("max = 5", max, 1), None));
            assert!(diagnostics_by_uri(&host.snapshot()).is_empty());
            let mut by_query = BTreeMap::new();
            for e in log.lock().unwrap().iter() {
                *by_query.entry(e.split('(').next().unwrap_or(e).to_string()).or_insert(0) += 1;
            }
            by_query
        })
    }

    /// An edit of one service re-runs that file's queries and the
    /// workspace's summing up, once each, whatever the size of the
    /// workspace. From the second edit of a file on (its text is then a
    /// volatile input), the workspace-wide rules are not run again either
    /// when the service's summary and bindings did not change.
    #[test]
    fn an_edit_reruns_only_the_edited_services_queries() {
        let [first, second] = executed_after_edits(30);
        assert_eq!([first.clone(), second.clone()], executed_after_edits(120), "the work grows with the workspace");
        for run in [&first, &second] {
            assert_eq!(run.get("parse"), Some(&1), "{run:?}");
            assert_eq!(run.get("check_service"), Some(&1), "{run:?}");
            for (query, n) in run {
                assert!(*n <= 1, "`{query}` ran {n} times: {run:?}");
            }
        }
        // The edited file's rule facts are gathered again, found equal, and
        // the rules over all files are kept.
        assert_eq!(second.get("rule_facts"), Some(&1), "{second:?}");
        assert_eq!(second.get("workspace_rule_diagnostics"), None, "{second:?}");
        assert_eq!(second.get("workspace_result"), Some(&1), "{second:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_cancelled_request_answers_content_modified() {
        let (db, ws, _) = snapshot();
        let snap = Snapshot { db: db.clone(), ws, root: PathBuf::from("/"), alone: None };
        snap.db.cancellation_token().cancel();
        let r = Backend::blocking(snap, |s| db::workspace_result(&s.db, s.ws).diagnostics.len()).await;
        assert_eq!(r.unwrap_err().code, ErrorCode::ContentModified);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_edit_cancels_a_running_request_which_answers_content_modified() {
        let (mut db, ws, file) = snapshot();
        let snap = Snapshot { db: db.clone(), ws, root: PathBuf::from("/"), alone: None };
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        // The request keeps asking (as a long computation would) until the
        // edit cancels it, or gives up after a while, which fails the test.
        let request = tokio::spawn(Backend::blocking(snap, move |s| {
            let _ = go_rx.recv();
            let start = std::time::Instant::now();
            while start.elapsed() < std::time::Duration::from_secs(20) {
                db::workspace_result(&s.db, s.ws);
                std::thread::yield_now();
            }
        }));
        go_tx.send(()).unwrap();
        let writer = std::thread::spawn(move || {
            // Blocks until the request's snapshot is gone.
            file.set_text(&mut db).to("service y {}".into());
            db
        });
        let answer = request.await.unwrap();
        assert_eq!(answer.unwrap_err().code, ErrorCode::ContentModified);
        let db = writer.join().unwrap();
        assert_eq!(file.text(&db), "service y {}");
    }
}
