//! Health probe timings (reference 1.3, `healthProbes`).

use super::{RuleCtx, diag, env_path};
use crate::diagnostics::Code;
use crate::syntax::literals::format_duration;

pub fn check(ctx: &mut RuleCtx<'_>) {
    for (env, e) in ctx.envs() {
        let Some(hp) = &e.health_probes else {
            continue;
        };
        let (healthz, timeout, startup, liveness) = (hp.healthz, hp.timeout, hp.startup_interval, hp.liveness_interval);
        let base = env_path(env, "health_probes");
        if !healthz {
            for f in ["timeout", "startup_interval", "liveness_interval"] {
                let p = format!("{base}.{f}");
                if ctx.spans.is_set(&p) {
                    ctx.emit(
                        diag(
                            Code::ProbeHealthzDisabled,
                            ctx.key_at(&p),
                            format!("`{f}` has no effect with `healthz = false`"),
                        )
                        .with_label("ignored")
                        .with_secondary(ctx.at(&format!("{base}.healthz")), "healthz probes are disabled here")
                        .with_help(format!("remove `{f}`, or enable healthz probes")),
                    );
                }
            }
            continue;
        }
        for (f, v) in [("startup_interval", startup), ("liveness_interval", liveness)] {
            if let Some(v) = v
                && v < timeout
            {
                let p = format!("{base}.{f}");
                ctx.emit(
                    diag(
                        Code::ProbeInterval,
                        ctx.at(&p),
                        format!(
                            "`{f}` ({}) is shorter than `timeout` ({})",
                            format_duration(v),
                            format_duration(timeout)
                        ),
                    )
                    .with_label("shorter than the timeout")
                    .with_secondary(ctx.at(&format!("{base}.timeout")), "timeout")
                    .with_help("an interval must be at least the probe's timeout"),
                );
            }
        }
        // An unset `liveness_interval` is 10 × timeout, capped at 1h: never
        // shorter than the timeout (at most 240s), so nothing to report.
    }
}
