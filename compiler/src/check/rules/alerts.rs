//! Response-code and custom alerts (reference 1.5).

use std::collections::HashMap;

use super::{RuleCtx, diag};
use crate::diagnostics::{Code, Span};

/// A custom alert's id: its name, lowercased, spaces as `-`.
pub fn custom_alert_id(name: &str) -> String {
    name.to_lowercase().replace(' ', "-")
}

pub fn check(ctx: &mut RuleCtx<'_>) {
    let spec = ctx.spec;
    for (i, a) in spec.monitoring.response_code_alerts.iter().enumerate() {
        let (code, class) = (a.code.is_some(), a.code_class.is_some());
        if code == class {
            let at = ctx.at(&format!("monitoring.response_code_alerts[{i}]"));
            let msg =
                if code { "set only one of `code` and `code_class`" } else { "set one of `code` or `code_class`" };
            ctx.emit(
                diag(Code::ResponseCodeChoice, at, msg.to_string())
                    .with_label(if code { "both are set" } else { "neither is set" })
                    .with_help("`code = 404` for one status, or `code_class = \"5xx\"` for a class"),
            );
        }
    }
    let mut seen: HashMap<String, Span> = HashMap::new();
    for (i, alert) in spec.monitoring.custom_alerts.iter().enumerate() {
        let name = &alert.name;
        let id = custom_alert_id(name);
        let at = ctx.at(&format!("monitoring.custom_alerts[{i}].name"));
        if let Some(first) = seen.get(&id) {
            ctx.emit(
                diag(Code::DuplicateAlert, at, format!("custom alert `{name}` has the id `{id}`, already used"))
                    .with_label("same id")
                    .with_secondary(*first, "first used here")
                    .with_note("a custom alert's id is its name, lowercased, with spaces as `-`"),
            );
        } else {
            seen.insert(id, at);
        }
    }
}
