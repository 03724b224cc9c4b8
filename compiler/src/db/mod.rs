//! The salsa database: inputs (files, the workspace) and tracked queries.
//! Diagnostics are returned as values, never accumulated.

pub mod facts;
pub mod load;
mod queries;
pub mod stored_facts;

use std::sync::{Arc, Mutex};

pub use queries::*;

use crate::diagnostics::FileId;

#[salsa::db]
pub trait Db: salsa::Database {}

/// One file of the workspace: a `.msp` source, or a file a source reads
/// (a service README, a BigQuery table schema).
#[salsa::input(debug)]
pub struct SourceFile {
    /// Relative to the workspace root, with `/` separators.
    #[returns(ref)]
    pub path: String,
    #[returns(ref)]
    pub text: String,
    #[returns(copy)]
    pub id: FileId,
    /// Why the file could not be read as it is, if so (it is then empty, or
    /// decoded lossily); reported as a diagnostic on the file.
    #[returns(ref)]
    pub problem: Option<LoadProblem>,
}

/// A file that could not be read cleanly.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum LoadProblem {
    /// Not UTF-8: the text was decoded with replacement characters; the
    /// first bad byte is at this offset of the decoded text.
    NotUtf8 { at: u32 },
    /// Not readable at all (the I/O error's message).
    Unreadable(String),
    /// A folder, pipe or device named like a workspace file.
    NotAFile,
    /// Larger than `limits::MAX_FILE_BYTES`; not read.
    TooLarge { bytes: u64 },
    /// A link to a file outside the workspace root; not read.
    OutsideWorkspace { target: String },
    /// Set on `platform.msp` when the workspace holds more files or bytes
    /// than the limits allow; the files past them were not loaded.
    WorkspaceTooLarge { files: usize, bytes: u64 },
}

/// The set of files. Changing a file's text does not change this input, so
/// queries that only need the file list are not invalidated by edits.
#[salsa::input(debug)]
pub struct Workspace {
    #[returns(ref)]
    pub files: Vec<SourceFile>,
}

/// Names of queries that ran, recorded when logging is on (tests use it to
/// prove that an edit re-runs only what it must).
pub type ExecutionLog = Arc<Mutex<Vec<String>>>;

#[salsa::db]
#[derive(Clone)]
pub struct Database {
    // salsa requires the storage; keep it last so other fields drop first.
    log: Option<ExecutionLog>,
    storage: salsa::Storage<Self>,
}

impl Default for Database {
    fn default() -> Self {
        Database { log: None, storage: salsa::Storage::new(None) }
    }
}

impl Database {
    /// A database that records each query execution in the returned log.
    pub fn with_execution_log() -> (Self, ExecutionLog) {
        let log: ExecutionLog = Arc::default();
        let sink = log.clone();
        let storage = salsa::Storage::new(Some(Box::new(move |event: salsa::Event| {
            if let salsa::EventKind::WillExecute { database_key } = event.kind {
                sink.lock().unwrap().push(format!("{database_key:?}"));
            }
        })));
        (Database { log: Some(log.clone()), storage }, log)
    }

    pub fn execution_log(&self) -> Option<&ExecutionLog> {
        self.log.as_ref()
    }
}

#[salsa::db]
impl salsa::Database for Database {}

#[salsa::db]
impl Db for Database {}
