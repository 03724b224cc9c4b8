//! Every resource bound the compiler enforces, in one place. Each is far
//! above what a real workspace needs and low enough that hostile input
//! (from a file, an editor or an imported YAML) is refused with a diagnostic
//! before it can exhaust the stack, the memory or the user's patience. The
//! code each one reports is named beside it; `tests/hostile.rs` proves each.

/// A size for messages: `4 MiB`, `4.8 MiB`, `512 KiB`, `300 bytes`.
pub fn size(bytes: u64) -> String {
    let (unit, name) = if bytes >= 1 << 20 {
        (1u64 << 20, "MiB")
    } else if bytes >= 1 << 10 {
        (1 << 10, "KiB")
    } else {
        return format!("{bytes} bytes");
    };
    let tenths = (bytes * 10 + unit / 2) / unit;
    if tenths.is_multiple_of(10) {
        format!("{} {name}", tenths / 10)
    } else {
        format!("{}.{} {name}", tenths / 10, tenths % 10)
    }
}

/// Bytes of one source file (`.msp`, README, BigQuery schema, MSP YAML).
/// Real ones are a few KiB; ranges are `u32`, so this also keeps offsets
/// exact. `E0009`.
pub const MAX_FILE_BYTES: usize = 4 << 20;

/// What E0009 says of a file of `bytes`, its message and help: the same
/// whether the loader refuses to read it or the parser is handed its text
/// (by an editor).
pub fn file_too_large(bytes: u64) -> (String, &'static str) {
    (
        format!("this file is {}; files over {} are not read", size(bytes), size(MAX_FILE_BYTES as u64)),
        "split it: a service per file, shared values in files of `let`s",
    )
}

/// Files of a workspace, and their bytes together: a thousand services use
/// a few thousand files and a few MiB. `E0010`.
pub const MAX_FILES: usize = 20_000;
pub const MAX_WORKSPACE_BYTES: usize = 256 << 20;

/// Brackets (`{`, `[`, `(`) open at once in one file. The parser recurses
/// per level, so this is what keeps it off the end of its stack. `E0006`.
pub const MAX_NESTING: usize = 32;

/// `let`s one value may lead through (`let a = b`, `let b = "${c}"`, …):
/// also bounds interpolation through names. `E0006`.
pub const MAX_LET_DEPTH: usize = 32;

/// Levels of a value once its `let`s are expanded, for the type checker's
/// recursion. `E0006`.
pub const MAX_VALUE_DEPTH: usize = 64;

/// Bytes of one string literal as written. `E0011`.
pub const MAX_STRING_BYTES: usize = 64 << 10;

/// Size of the values one declaration (or one file's `let`s) may build by
/// reusing names: every use of a `let` or of `defaults` copies its value,
/// and `let b = [a, a]` chains double at each step. Counted in values plus
/// string bytes. `E0012`.
pub const MAX_EXPANSION: usize = 1 << 18;

/// MSP YAML (`mspc import`): values after alias expansion, nesting, and
/// scalar bytes after alias expansion. `E0401`.
pub const MAX_YAML_NODES: usize = 100_000;
pub const MAX_YAML_DEPTH: usize = 64;
pub const MAX_YAML_BYTES: usize = 16 << 20;
