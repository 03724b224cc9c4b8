//! Job schedules: valid cron, runs between every 15 minutes and every 8 days.

use super::cron::Cron;
use super::{RuleCtx, diag, env_path};
use crate::diagnostics::Code;
use crate::syntax::literals::format_duration;

pub const MIN_GAP: u64 = 15 * 60;
pub const MAX_GAP: u64 = 8 * 86_400;

pub fn check(ctx: &mut RuleCtx<'_>) {
    let mut places: Vec<(String, String)> = Vec::new();
    if let Some(c) = ctx.spec.schedule.as_ref().and_then(|s| s.cron.clone()) {
        places.push(("schedule.cron".into(), c));
    }
    for (env, e) in ctx.envs() {
        if let Some(c) = e.schedule.as_ref().and_then(|s| s.cron.clone()) {
            places.push((env_path(env, "schedule.cron"), c));
        }
    }
    for (path, cron) in places {
        let at = ctx.at(&path);
        match Cron::parse(&cron) {
            Err(why) => ctx.emit(
                diag(Code::InvalidCron, at, format!("`{cron}` is not a valid cron schedule: {why}"))
                    .with_label("invalid cron")
                    .with_help(
                        "5 fields in UTC: minute hour day-of-month month day-of-week, e.g. `0 * * * *` for hourly",
                    ),
            ),
            Ok(c) => match c.max_gap_seconds() {
                Some(gap) if (MIN_GAP..MAX_GAP).contains(&gap) => {}
                Some(gap) if gap < MIN_GAP => ctx.emit(
                    diag(
                        Code::CronSpacing,
                        at,
                        format!("`{cron}` runs every {}; jobs may run at most every 15 minutes", format_duration(gap)),
                    )
                    .with_label("too frequent")
                    .with_help("for work this frequent, use a service instead of a job"),
                ),
                gap => ctx.emit(
                    diag(
                        Code::CronSpacing,
                        at,
                        match gap {
                            Some(g) => format!(
                                "`{cron}` can go {} between runs; jobs must run at least every 8 days",
                                format_duration(g)
                            ),
                            None => format!("`{cron}` runs at most once a year; jobs must run at least every 8 days"),
                        },
                    )
                    .with_label("too rare")
                    .with_help("run it at least weekly, e.g. `0 0 * * 1`"),
                ),
            },
        }
    }
}
