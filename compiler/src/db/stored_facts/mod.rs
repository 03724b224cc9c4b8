//! Facts that outlive the process, for `mspc lint FILE`: each `.msp` file's
//! `FileFacts` written with paths instead of `FileId`s (ids follow load
//! order), under keys that say what they were computed from; and
//! `check_files`, which checks the named files afresh and takes every other
//! file's facts from the stored ones whose keys still match.
//!
//! No I/O here: the front end reads and writes the stored facts (`serde`).
//! The keys are 64-bit std hashes; the front end must discard facts written
//! by another build of mspc, whose stdlib, rules or hasher may differ.

mod convert;
mod keys;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::facts::aggregate;
use super::queries::{FileIndex, WorkspaceResult, check_platform, file_facts, file_index, load_problems};
use super::{Db, SourceFile, Workspace};
use convert::Ids;
use keys::Keys;

/// A hash of what some facts were computed from.
pub type Key = u64;

/// The facts of every `.msp` file, by path.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StoredFacts {
    pub files: BTreeMap<String, StoredFile>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredFile {
    /// Of the file's text (and load problem): the key of `names`.
    text: Key,
    names: StoredNames,
    /// Of everything checking the file reads (`Keys::context`): the key of `checked`.
    context: Key,
    checked: StoredChecked,
}

/// What the file imports and uses of its imports: a function of its text and
/// path. Its own `let`s and which of its names it uses are left out: they
/// only decide its own unused-binding warnings, which, like its other own
/// diagnostics, are shown only when it is named, and then it is parsed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct StoredNames {
    /// Each import: its alias, and the path it resolves to when it is one.
    imports: Vec<(String, Option<String>)>,
    /// The `alias.member` pairs it reads through its imports (a set as
    /// `FileRefs` holds them, built while the cache is parsed).
    uses: BTreeSet<(String, String)>,
    /// Whether it declares services or jobs (which read the files beside it).
    has_decls: bool,
}

/// The file's and its declarations' diagnostics, only those whose primary
/// span is in another file: its own are shown only when it is named, and
/// then it is checked afresh.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct StoredChecked {
    /// The files the spans below point into.
    files: Vec<String>,
    diagnostics: Vec<StoredDiagnostic>,
    has_error: bool,
    decls: Vec<StoredDecl>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct StoredDecl {
    summary: StoredSummary,
    diagnostics: Vec<StoredDiagnostic>,
    has_error: bool,
    complete: bool,
    internal_error: Option<String>,
}

type Range = (u32, u32);

/// (file, start, end): the file is an index into the entry's `files`, or
/// a stdlib file's reserved id (fixed in a build of mspc, and far above any
/// index: a workspace holds at most `limits::MAX_FILES`).
type StoredSpan = (u32, u32, u32);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct StoredSummary {
    id: Option<(String, StoredSpan)>,
    project_ids: Vec<(String, StoredSpan, String, StoredSpan)>,
    domains: Vec<(String, StoredSpan, String, StoredSpan)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct StoredDiagnostic {
    code: String,
    error: bool,
    message: String,
    primary: (StoredSpan, String),
    secondary: Vec<(StoredSpan, String)>,
    notes: Vec<String>,
    help: Option<String>,
    fix: Option<StoredFix>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct StoredFix {
    message: String,
    edits: Vec<(StoredSpan, String)>,
    entry: bool,
}

/// What `check_files` found, and the facts to store for the next run.
pub struct FilesChecked {
    /// Diagnostics are complete only for the named files (facts taken from
    /// `stored` carry only what points outside their file); `services` is
    /// empty (stored facts hold no IR).
    pub result: WorkspaceResult,
    /// The facts to store, when some other than the named files' had to be
    /// computed (or a file is gone). A named file's entry alone is not worth
    /// a write: it is checked afresh whenever it is named, and otherwise
    /// costs one file's check.
    pub facts: Option<StoredFacts>,
}

/// Checks the `named` files as `workspace_result` does, and every other
/// `.msp` file too, but for those takes the facts in `stored` when their keys
/// match. The diagnostics of the named files are exactly those of
/// `workspace_result`, in the same order.
///
/// `warm` is given the files about to be checked afresh first: a front end
/// may run their queries on several threads (they are memoized), which this
/// function, walking the files in order on one, cannot.
pub fn check_files(
    db: &dyn Db,
    ws: Workspace,
    named: &[SourceFile],
    mut stored: StoredFacts,
    warm: impl FnOnce(&[SourceFile]),
) -> FilesChecked {
    let index = file_index(db, ws);
    let named: BTreeSet<&str> = named.iter().map(|f| f.path(db).as_str()).collect();
    let ids = Ids { db, ws, index };
    // Which stored entries still hold, before taking any apart.
    let plan: Vec<(&String, SourceFile, Key, Key, bool)> = {
        let keys = Keys::new(db, ws, index, &named, &stored);
        sources(index)
            .map(|(path, file)| {
                let (text, context) = (keys.content[path.as_str()], keys.context(path));
                let hit = !named.contains(path.as_str())
                    && stored.files.get(path).is_some_and(|s| s.text == text && s.context == context && ids.usable(s));
                (path, *file, text, context, hit)
            })
            .collect()
    };
    let gone = stored.files.keys().any(|p| !index.by_path.contains_key(p));
    let write = gone || plan.iter().any(|(path, _, _, _, hit)| !hit && !named.contains(path.as_str()));
    warm(&plan.iter().filter(|(_, _, _, _, hit)| !hit).map(|(_, file, _, _, _)| *file).collect::<Vec<_>>());
    let mut facts = Vec::new();
    let mut store = StoredFacts::default();
    for (path, file, text, context, hit) in plan {
        let reused = stored.files.remove(path).filter(|_| hit).and_then(|e| match write {
            true => Some((ids.file_facts(path, e.clone())?, Some(e))),
            // Taken apart: it need not be written again.
            false => Some((ids.file_facts(path, e)?, None)),
        });
        let (f, entry) = reused.map(|(f, e)| (Cow::Owned(f), e)).unwrap_or_else(|| {
            let fresh = file_facts(db, ws, file);
            (Cow::Borrowed(fresh), write.then(|| ids.entry(file, text, context, fresh)))
        });
        facts.push(f);
        store.files.extend(entry.map(|e| (path.clone(), e)));
    }
    let result = aggregate(check_platform(db, ws), load_problems(db, ws), facts);
    FilesChecked {
        result: WorkspaceResult { services: Vec::new(), checked_services: Vec::new(), ..result },
        facts: write.then_some(store),
    }
}

/// The facts of every source of a workspace just checked whole (the
/// queries are memoized), or `None` when they are `stored`.
pub fn store_all(db: &dyn Db, ws: Workspace, stored: &StoredFacts) -> Option<StoredFacts> {
    let index = file_index(db, ws);
    let keys = Keys::new(db, ws, index, &BTreeSet::new(), stored);
    let ids = Ids { db, ws, index };
    let files: BTreeMap<String, StoredFile> = sources(index)
        .map(|(path, file)| {
            let fresh = file_facts(db, ws, *file);
            (path.clone(), ids.entry(*file, keys.content[path.as_str()], keys.context(path), fresh))
        })
        .collect();
    (files != stored.files).then_some(StoredFacts { files })
}

fn sources(index: &FileIndex) -> impl Iterator<Item = (&String, &SourceFile)> {
    index.by_path.iter().filter(|(p, _)| p.ends_with(".msp"))
}
