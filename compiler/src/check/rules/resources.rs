//! Compute and data backends: Cloud Run CPU/memory pairs, scaling bounds,
//! PostgreSQL sizing and publications, BigQuery table schemas.

use super::{RuleCtx, diag, env_path};
use crate::diagnostics::Code;
use crate::syntax::literals::format_size;

const GI: u64 = 1 << 30;

/// Cloud Run's CPU/memory coupling: the CPU each memory size needs, and the
/// memory each CPU count needs.
pub fn cpu_memory_problem(cpu: u32, memory: u64) -> Option<String> {
    let needs_cpu = [(24 * GI, 8), (16 * GI, 6), (8 * GI, 4), (4 * GI, 2)];
    for (over, min_cpu) in needs_cpu {
        if memory > over && cpu < min_cpu {
            return Some(format!("{} of memory needs at least {min_cpu} CPUs, found {cpu}", format_size(memory)));
        }
    }
    let needs_mem = [(6, 4 * GI), (4, 2 * GI)];
    for (over, min_mem) in needs_mem {
        if cpu > over && memory < min_mem {
            return Some(format!(
                "{cpu} CPUs need at least {} of memory, found {}",
                format_size(min_mem),
                format_size(memory)
            ));
        }
    }
    None
}

pub fn check(ctx: &mut RuleCtx<'_>) {
    for (env, e) in ctx.envs() {
        if let Some(problem) = cpu_memory_problem(e.instances.cpu, e.instances.memory) {
            let mem = ctx.at(&env_path(env, "instances.memory"));
            let cpu = ctx.at(&env_path(env, "instances.cpu"));
            let mut d =
                diag(Code::CpuMemory, mem, problem).with_label("memory").with_help("raise `cpu` or lower `memory`");
            if cpu != mem {
                d = d.with_secondary(cpu, "cpu");
            }
            d = d.with_secondary(ctx.env_label(env), format!("in environment `{env}`"));
            ctx.emit(d);
        }
        if let Some(s) = &e.instances.scaling
            && s.min > s.max
        {
            let at = ctx.at(&env_path(env, "instances.scaling.min"));
            let max_path = env_path(env, "instances.scaling.max");
            let d = diag(Code::ScalingBounds, at, format!("`min` ({}) is greater than `max` ({})", s.min, s.max))
                .with_label("above max");
            let d = match ctx.spans.value(&max_path) {
                Some(max_at) => d.with_secondary(max_at, "max"),
                None => d.with_note(format!("`max` is not set, so it is the default, {}", s.max)),
            };
            ctx.emit(d.with_help("raise `max` or lower `min`"));
        }
        if let Some(pg) = &e.postgres {
            let cpu_at = ctx.at(&env_path(env, "postgres.cpu"));
            if pg.cpu != 1 && pg.cpu % 2 != 0 {
                ctx.emit(
                    diag(
                        Code::PostgresCpu,
                        cpu_at,
                        format!("PostgreSQL CPU must be 1 or an even number, found {}", pg.cpu),
                    )
                    .with_label("odd CPU count")
                    .with_help(format!("use {} or {}", pg.cpu - 1, pg.cpu + 1)),
                );
            }
            let gb = pg.memory / GI;
            let mem_at = ctx.at(&env_path(env, "postgres.memory"));
            let bad = if gb < pg.cpu as u64 {
                Some(format!(
                    "PostgreSQL needs at least 1Gi of memory per CPU: {} CPUs need {}Gi, found {gb}Gi",
                    pg.cpu, pg.cpu
                ))
            } else if gb > 6 * pg.cpu as u64 {
                Some(format!(
                    "PostgreSQL allows at most 6Gi of memory per CPU: {} CPUs allow {}Gi, found {gb}Gi",
                    pg.cpu,
                    6 * pg.cpu
                ))
            } else {
                None
            };
            if let Some(msg) = bad {
                ctx.emit(diag(Code::PostgresMemory, mem_at, msg).with_label("memory").with_secondary(cpu_at, "cpu"));
            }
            if let Some(lr) = &pg.logical_replication {
                for (i, p) in lr.publications.iter().enumerate() {
                    if !pg.databases.contains(&p.database) {
                        let at =
                            ctx.at(&env_path(env, &format!("postgres.logical_replication.publications[{i}].database")));
                        ctx.emit(
                            diag(
                                Code::PublicationDatabase,
                                at,
                                format!(
                                    "publication `{}` uses database `{}`, which is not created",
                                    p.name, p.database
                                ),
                            )
                            .with_label("not in `databases`")
                            .with_help_opt(crate::diagnostics::suggest::did_you_mean(
                                &p.database,
                                pg.databases.iter().map(String::as_str),
                            ))
                            .with_note(format!("databases: {}", pg.databases.join(", "))),
                        );
                    }
                }
            }
        }
        if let Some(bq) = &e.bigquery {
            for (i, table) in bq.tables.iter().enumerate() {
                let file = schema_path(ctx.spec_dir, table);
                let at = ctx.at(&env_path(env, &format!("bigquery.tables[{i}]")));
                match (ctx.read)(&file) {
                    None => ctx.emit(
                        diag(Code::BigQuerySchema, at, format!("table `{table}` has no schema file `{file}`"))
                            .with_label("no schema")
                            .with_help(format!(
                                "add `{table}.bigquerytable.json` beside the spec: a JSON array of columns"
                            )),
                    ),
                    Some(text) => {
                        if let Err(why) = table_schema(&text) {
                            ctx.emit(
                                diag(Code::BigQuerySchema, at, format!("`{file}` is not a valid table schema: {why}"))
                                    .with_label("invalid schema")
                                    .with_help("the file must be a JSON array of columns: `[{\"name\": \"id\", \"type\": \"STRING\"}]`"),
                            );
                        }
                    }
                }
            }
        }
    }
}

pub fn schema_path(dir: &str, table: &str) -> String {
    if dir.is_empty() { format!("{table}.bigquerytable.json") } else { format!("{dir}/{table}.bigquerytable.json") }
}

/// Validates a table schema file and re-prints it with 2-space indentation.
pub fn table_schema(text: &str) -> Result<String, String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let cols = v.as_array().ok_or("it is not a JSON array")?;
    if cols.is_empty() {
        return Err("it has no columns".into());
    }
    for (i, c) in cols.iter().enumerate() {
        let name = c.get("name").and_then(|n| n.as_str());
        let ty = c.get("type").and_then(|n| n.as_str());
        if name.is_none() || ty.is_none() {
            return Err(format!("column {} needs a string `name` and `type`", i + 1));
        }
    }
    serde_json::to_string_pretty(&v).map_err(|e| e.to_string())
}
