//! Number, duration and size literals, and string escapes: lexed loosely by
//! the grammar, validated here so errors can name the unit that was wrong.

use super::ast::{ExprKind, F64};

pub const DURATION_UNITS: &[(&str, u64)] = &[("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)];
pub const SIZE_UNITS: &[(&str, u64)] = &[("Ki", 1 << 10), ("Mi", 1 << 20), ("Gi", 1 << 30), ("Ti", 1 << 40)];

#[derive(Debug, PartialEq)]
pub struct LiteralError {
    pub message: String,
    pub help: Option<String>,
}

fn err(message: impl Into<String>, help: Option<&str>) -> LiteralError {
    LiteralError { message: message.into(), help: help.map(str::to_string) }
}

const UNIT_HELP: &str = "durations take s, m, h or d (`30s`, `10m`); sizes take Ki, Mi, Gi or Ti (`512Mi`)";

pub fn parse_number(text: &str) -> Result<ExprKind, LiteralError> {
    let split = text.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(text.len());
    let (num, unit) = text.split_at(split);
    let digits: String = num.chars().filter(|&c| c != '_').collect();
    if unit.is_empty() {
        if digits.contains('.') {
            return digits
                .parse::<f64>()
                .map(|f| ExprKind::Float(F64(f)))
                .map_err(|_| err(format!("`{text}` is not a number"), None));
        }
        return digits
            .parse::<i64>()
            .map(ExprKind::Int)
            .map_err(|_| err(format!("`{text}` does not fit in a 64-bit integer"), None));
    }
    let scaled = |units: &[(&str, u64)]| -> Option<Result<u64, LiteralError>> {
        let factor = units.iter().find(|(u, _)| *u == unit)?.1;
        if digits.starts_with('-') {
            return Some(Err(err(format!("`{text}` is negative"), Some("durations and sizes cannot be negative"))));
        }
        let value = if let Some((whole, frac)) = digits.split_once('.') {
            let whole: u128 = whole.parse().ok()?;
            let scale = 10u128.pow(frac.len() as u32);
            let frac: u128 = frac.parse().ok()?;
            let total = (whole * scale + frac) * factor as u128;
            if !total.is_multiple_of(scale) {
                return Some(Err(err(
                    format!("`{text}` is not a whole number of the smallest unit"),
                    Some("write it in a smaller unit, e.g. `90s` rather than `1.5m` is fine, `1.25s` is not"),
                )));
            }
            u64::try_from(total / scale).ok()
        } else {
            digits.parse::<u64>().ok().and_then(|v| v.checked_mul(factor))
        };
        Some(value.ok_or_else(|| err(format!("`{text}` is too large"), None)))
    };
    if let Some(v) = scaled(DURATION_UNITS) {
        return v.map(ExprKind::Duration);
    }
    if let Some(v) = scaled(SIZE_UNITS) {
        return v.map(ExprKind::Size);
    }
    let hint = match unit {
        "ms" => "durations have a resolution of one second: write `1s`".to_string(),
        "min" | "mins" => format!("did you mean `{num}m`?"),
        "sec" | "secs" => format!("did you mean `{num}s`?"),
        "hr" | "hrs" => format!("did you mean `{num}h`?"),
        "Mb" | "MB" | "MiB" | "M" => format!("sizes use Kubernetes units: did you mean `{num}Mi`?"),
        "Gb" | "GB" | "GiB" | "G" => format!("sizes use Kubernetes units: did you mean `{num}Gi`?"),
        _ => UNIT_HELP.to_string(),
    };
    Err(LiteralError { message: format!("unknown unit `{unit}` in `{text}`"), help: Some(hint) })
}

/// The character an escape stands for, from the text after the backslash.
pub fn unescape(c: char) -> Option<char> {
    Some(match c {
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        '"' => '"',
        '\\' => '\\',
        '$' => '$',
        _ => return None,
    })
}

/// The body of a string literal that reads back as `text`: quotes,
/// backslashes and line breaks escaped, and `${` kept from starting an
/// interpolation. (The one character no literal holds is NUL.)
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out
}

/// `text` as a string literal: `"…"`, escaped as `escape` does.
pub fn quote(text: &str) -> String {
    format!("\"{}\"", escape(text))
}

pub fn format_duration(secs: u64) -> String {
    for (unit, factor) in DURATION_UNITS.iter().rev() {
        if secs != 0 && secs.is_multiple_of(*factor) {
            return format!("{}{unit}", secs / factor);
        }
    }
    format!("{secs}s")
}

pub fn format_size(bytes: u64) -> String {
    for (unit, factor) in SIZE_UNITS.iter().rev() {
        if bytes != 0 && bytes.is_multiple_of(*factor) {
            return format!("{}{unit}", bytes / factor);
        }
    }
    format!("{bytes}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(parse_number("10m"), Ok(ExprKind::Duration(600)));
        assert_eq!(parse_number("1.5h"), Ok(ExprKind::Duration(5400)));
        assert_eq!(parse_number("512Mi"), Ok(ExprKind::Size(512 << 20)));
        assert_eq!(parse_number("1_000"), Ok(ExprKind::Int(1000)));
        assert_eq!(parse_number("-3"), Ok(ExprKind::Int(-3)));
        assert_eq!(parse_number("0.25"), Ok(ExprKind::Float(F64(0.25))));
        assert!(parse_number("10min").unwrap_err().help.unwrap().contains("`10m`"));
        assert!(parse_number("-5s").is_err());
        assert!(parse_number("1.2345s").is_err());
        assert!(parse_number("99999999999999999999").is_err());
        assert!(parse_number("99999999999Ti").is_err());
    }

    #[test]
    fn quoted_text_reads_back_as_itself() {
        let texts = [
            "",
            "plain",
            "${service.id}",
            "$${x} and \\${y} and $ alone and a { brace",
            "\"quoted\" and \\ and \\\" and ends with \\",
            "lines\nand\ttabs\r\nand a blank line\n\n",
            "é, 🎉, 日本語, and \u{7f}",
            "ends with $",
        ];
        for text in texts {
            let source = format!("let x = {}\n", quote(text));
            let parsed = crate::syntax::parse(&source);
            assert!(parsed.errors.is_empty(), "{source:?}: {:?}", parsed.errors);
            let Some(crate::syntax::Item::Let(l)) = parsed.ast.items.first() else { panic!("{source:?}") };
            assert_eq!(l.value.as_plain_str().as_deref(), Some(text), "{source:?}");
        }
        assert_eq!(quote("a \"b\" ${c}"), "\"a \\\"b\\\" \\${c}\"");
    }

    #[test]
    fn formatting_round_trips() {
        assert_eq!(format_duration(600), "10m");
        assert_eq!(format_duration(90), "90s");
        assert_eq!(format_size(4 << 30), "4Gi");
        assert_eq!(format_size(1536 << 20), "1536Mi");
    }
}
