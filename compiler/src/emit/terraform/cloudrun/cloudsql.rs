//! Cloud SQL for PostgreSQL (reference 2.4 "Cloud SQL"): the instance on the
//! private network, its databases and users, and the roles granted inside
//! PostgreSQL through the `cyrilgdn/postgresql` provider. The workload signs
//! in with IAM (no password), operators get read-only access, and logical
//! replication adds a replication role and publications.

use std::collections::BTreeMap;

use super::Parts;
use super::network::{NETWORK, SERVICE_NETWORKING};
use crate::emit::terraform::ctx::{Ctx, OUTPUT_CLOUDSQL_CONNECTION, OUTPUT_OPERATOR_ACCOUNT, POSTGRES_MAJOR};
use crate::emit::terraform::hcl::{Blk, Expr, b, call, list, lit, n, obj, r, rf, s, strs, tpl};
use crate::emit::terraform::providers::Provider;
use crate::ir::{Postgres, Publication};

const INSTANCE: &str = "google_sql_database_instance.postgresql";
const WORKLOAD_USER: &str = "google_sql_user.workload";
/// The grant the workload needs before it can use its databases.
const WORKLOAD_GRANT: &str = "postgresql_grant_role.workload_cloudsqlsuperuser";
/// The built-in (password) user the PostgreSQL provider signs in as to
/// grant roles: built-in users belong to `cloudsqlsuperuser`.
const ADMIN_USER: &str = "msp-admin";
const REPLICATION_USER: &str = "msp-replicationuser";

pub fn add(ctx: &Ctx<'_>, parts: &mut Parts) {
    let Some(pg) = &ctx.env.postgres else { return };
    let project = s(ctx.project_id());
    let guard = !ctx.env.allow_destroys;
    parts.providers.insert(Provider::Postgresql);

    // Cloud SQL keeps a deleted instance's name reserved for a week, so
    // names carry a random suffix.
    parts.add(
        // As MSP declares it (no prefix), so an instance MSP made keeps its name.
        Blk::resource("random_id", "postgresql_instance").set("byte_length", n(2)),
    );
    parts.add(instance(ctx, pg, guard));

    parts.add(
        Blk::resource("google_sql_database", "databases")
            .set("for_each", call("toset", [strs(&pg.databases)]))
            .set("project", project.clone())
            .set("instance", r(format!("{INSTANCE}.name")))
            .set("name", r("each.value"))
            // Removing a database from the spec must never drop its data.
            .set("deletion_policy", s("ABANDON"))
            .lifecycle(ctx.guard()),
    );

    parts.add(Blk::resource("random_password", "postgresql_admin").set("length", n(32)).set("special", b(false)));
    parts.add(
        Blk::resource("google_sql_user", "admin")
            .set("project", project.clone())
            .set("instance", r(format!("{INSTANCE}.name")))
            .set("name", s(ADMIN_USER))
            .set("password", r("random_password.postgresql_admin.result"))
            .set("deletion_policy", s("ABANDON")),
    );
    parts.add(
        Blk::resource("google_sql_user", "workload")
            .set("project", project.clone())
            .set("instance", r(format!("{INSTANCE}.name")))
            .set("name", s(ctx.workload_db_user()))
            .set("type", s("CLOUD_IAM_SERVICE_ACCOUNT"))
            .set("deletion_policy", s("ABANDON")),
    );
    parts.add(
        Blk::resource("google_sql_user", "operator_access")
            .set("project", project.clone())
            .set("instance", r(format!("{INSTANCE}.name")))
            .set("name", call("trimsuffix", [ctx.remote("iam", OUTPUT_OPERATOR_ACCOUNT), s(".gserviceaccount.com")]))
            .set("type", s("CLOUD_IAM_SERVICE_ACCOUNT"))
            .set("deletion_policy", s("ABANDON")),
    );

    parts.add(
        pg_provider(None)
            .set("username", r("google_sql_user.admin.name"))
            .set("password", r("random_password.postgresql_admin.result")),
    );
    parts.add(
        Blk::resource("postgresql_grant_role", "workload_cloudsqlsuperuser")
            .set("role", r(format!("{WORKLOAD_USER}.name")))
            .set("grant_role", s("cloudsqlsuperuser"))
            .set("with_admin_option", b(true)),
    );
    // Operators read, never write: CONNECT, and SELECT on `public`.
    parts.add(
        Blk::resource("postgresql_grant", "operator_access_connect")
            .set("for_each", r("google_sql_database.databases"))
            .set("database", r("each.value.name"))
            .set("role", r("google_sql_user.operator_access.name"))
            .set("object_type", s("database"))
            .set("privileges", strs(["CONNECT"])),
    );
    parts.add(
        Blk::resource("postgresql_grant", "operator_access_select")
            .set("for_each", r("google_sql_database.databases"))
            .set("database", r("each.value.name"))
            .set("role", r("google_sql_user.operator_access.name"))
            .set("schema", s("public"))
            .set("object_type", s("table"))
            // No objects: every table in the schema.
            .set("objects", list([]))
            .set("privileges", strs(["SELECT"])),
    );

    if let Some(lr) = &pg.logical_replication {
        logical_replication(ctx, parts, &lr.publications);
    }

    parts.env.insert("PGINSTANCE".into(), r(format!("{INSTANCE}.connection_name")));
    parts.env.insert("PGUSER".into(), r(format!("{WORKLOAD_USER}.name")));
    parts.depends_on.push(WORKLOAD_GRANT.into());
    parts.outputs.push((OUTPUT_CLOUDSQL_CONNECTION.into(), r(format!("{INSTANCE}.connection_name"))));
}

fn instance(ctx: &Ctx<'_>, pg: &Postgres, guard: bool) -> Blk {
    let mut flags: Vec<(&str, String)> = vec![
        ("cloudsql.iam_authentication", "on".into()),
        // Connection, lock and temp-file logging for audits and tuning;
        // statement text is logged only for DDL, so row data stays out of logs.
        ("log_checkpoints", "on".into()),
        ("log_connections", "on".into()),
        ("log_disconnections", "on".into()),
        ("log_lock_waits", "on".into()),
        ("log_min_error_statement", "error".into()),
        ("log_min_messages", "warning".into()),
        ("log_min_duration_statement", "-1".into()),
        ("log_statement", "ddl".into()),
        ("log_temp_files", "0".into()),
    ];
    if let Some(max) = pg.max_connections {
        flags.push(("max_connections", max.to_string()));
    }
    if pg.logical_replication.is_some() {
        flags.push(("cloudsql.logical_decoding", "on".into()));
    }

    let settings = Blk::new("settings")
        .set("tier", s(format!("db-custom-{}-{}", pg.cpu, pg.memory_gb * 1024)))
        // Custom machine tiers exist only in the Enterprise edition.
        .set("edition", s("ENTERPRISE"))
        .set("availability_type", s(if pg.high_availability { "REGIONAL" } else { "ZONAL" }))
        .set("disk_type", s("PD_SSD"))
        .set("disk_size", n(10))
        .set("disk_autoresize", b(true))
        .set("disk_autoresize_limit", n(0))
        .set("deletion_protection_enabled", b(guard))
        .set("user_labels", ctx.labels())
        .blocks(
            flags
                .into_iter()
                .map(|(name, value)| Blk::new("database_flags").set("name", s(name)).set("value", s(value))),
        )
        .block(
            Blk::new("backup_configuration")
                .set("enabled", b(true))
                .set("start_time", s("10:00"))
                .set("point_in_time_recovery_enabled", b(pg.high_availability))
                .set("transaction_log_retention_days", n(7))
                // 90 daily backups, as SOC 2 requires.
                .block(
                    Blk::new("backup_retention_settings")
                        .set("retained_backups", n(90))
                        .set("retention_unit", s("COUNT")),
                ),
        )
        .block(
            Blk::new("ip_configuration")
                // The public IP admits no network (no authorized_networks):
                // only IAM-authorized Cloud SQL connectors, such as the
                // PostgreSQL provider on Terraform Cloud, reach it.
                .set("ipv4_enabled", b(true))
                .set("private_network", r(format!("{NETWORK}.id")))
                .set("ssl_mode", s("TRUSTED_CLIENT_CERTIFICATE_REQUIRED"))
                .set("enable_private_path_for_google_cloud_services", b(true)),
        )
        .block(Blk::new("maintenance_window").set("day", n(1)).set("hour", n(15)).set("update_track", s("stable")))
        .block(
            Blk::new("insights_config")
                .set("query_insights_enabled", b(true))
                .set("query_string_length", n(4096))
                .set("record_application_tags", b(true))
                .set("record_client_address", b(true)),
        );

    Blk::resource("google_sql_database_instance", "postgresql")
        .comment("checkov:skip=CKV_GCP_79:the platform pins PostgreSQL 15; a major upgrade is a planned migration, not a default")
        .comment("checkov:skip=CKV_GCP_60:the public IP has no authorized networks; only IAM-authorized Cloud SQL connectors (Terraform Cloud's PostgreSQL provider) can use it")
        .comment("checkov:skip=CKV_GCP_108:log_hostname does a reverse DNS lookup per connection; client addresses are already logged")
        .comment("checkov:skip=CKV2_GCP_13:log_duration logs every statement; Query Insights already records query latency")
        .comment("checkov:skip=CKV_GCP_110:pgAudit needs per-database extension and role setup the platform does not manage; DDL is logged by log_statement")
        .set("project", s(ctx.project_id()))
        .set("region", s(ctx.region()))
        .set("name", tpl([lit("postgresql-"), rf("random_id.postgresql_instance.hex")]))
        .set("database_version", s(format!("POSTGRES_{POSTGRES_MAJOR}")))
        .set("deletion_protection", b(guard))
        .block(settings)
        // Private IP needs the peering in place first.
        .set("depends_on", list([r(SERVICE_NETWORKING)]))
        .lifecycle(
            Blk::new("lifecycle")
                .set("prevent_destroy", b(guard))
                // Autoresize grows the disk; Terraform must not shrink it back.
                .set("ignore_changes", list([r("settings[0].disk_size")])),
        )
}

/// `provider "postgresql"`, signed in through the Cloud SQL connector.
fn pg_provider(alias: Option<&str>) -> Blk {
    Blk::labeled("provider", &["postgresql"])
        .set_opt("alias", alias.map(s))
        .set("scheme", s("gcppostgres"))
        .set("host", r(format!("{INSTANCE}.connection_name")))
        .set("port", n(5432))
        .set("superuser", b(false))
}

/// The `cloudsql.logical_decoding` flag is set by `instance`; here: a role
/// that may replicate, and the publications it reads.
fn logical_replication(ctx: &Ctx<'_>, parts: &mut Parts, publications: &[Publication]) {
    parts.add(Blk::resource("random_password", "postgresql_replication").set("length", n(32)).set("special", b(false)));
    // REPLICATION is not inherited through roles, so the admin's
    // cloudsqlsuperuser cannot replicate; this role can.
    parts.add(
        Blk::resource("postgresql_role", "replication")
            .set("name", s(REPLICATION_USER))
            .set("login", b(true))
            .set("replication", b(true))
            .set("password", r("random_password.postgresql_replication.result"))
            .set("depends_on", list([r("google_sql_user.admin")])),
    );
    if publications.is_empty() {
        return;
    }

    // Tables are created, and so owned, by the workload: publishing them and
    // granting SELECT on them must be done as the workload.
    parts.add(
        pg_provider(Some("workload"))
            .set("username", r(format!("{WORKLOAD_USER}.name")))
            .set("gcp_iam_impersonate_service_account", s(ctx.workload_email())),
    );

    let mut pubs = Vec::new();
    // (database, schema) → tables, for the SELECT and USAGE grants.
    let mut by_schema: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for p in publications {
        let mut tables = Vec::new();
        for t in &p.tables {
            let (schema, table) = t.split_once('.').unwrap_or(("public", t.as_str()));
            tables.push(format!("{schema}.{table}"));
            by_schema.entry((p.database.clone(), schema.to_string())).or_default().push(table.to_string());
        }
        // Qualified names: PostgreSQL reports them so, and bare names would drift.
        pubs.push((p.name.clone(), obj([("database", s(p.database.clone())), ("tables", strs(&tables))])));
    }
    let depends: Expr = list([r("google_sql_database.databases"), r(WORKLOAD_GRANT)]);
    parts.add(
        Blk::resource("postgresql_publication", "publications")
            .set("provider", r("postgresql.workload"))
            .set("for_each", obj(pubs))
            .set("name", r("each.key"))
            .set("database", r("each.value.database"))
            .set("tables", r("each.value.tables"))
            .set("depends_on", depends.clone()),
    );

    let mut usage = Vec::new();
    let mut select = Vec::new();
    for ((database, schema), mut tables) in by_schema {
        tables.sort();
        tables.dedup();
        let key = format!("{database}/{schema}");
        usage.push((key.clone(), obj([("database", s(database.clone())), ("schema", s(schema.clone()))])));
        select.push((key, obj([("database", s(database)), ("schema", s(schema)), ("tables", strs(&tables))])));
    }
    parts.add(
        Blk::resource("postgresql_grant", "replication_usage")
            .set("for_each", obj(usage))
            .set("database", r("each.value.database"))
            .set("schema", r("each.value.schema"))
            .set("role", r("postgresql_role.replication.name"))
            .set("object_type", s("schema"))
            .set("privileges", strs(["USAGE"]))
            .set("depends_on", list([r("google_sql_database.databases")])),
    );
    parts.add(
        Blk::resource("postgresql_grant", "replication_select")
            .set("provider", r("postgresql.workload"))
            .set("for_each", obj(select))
            .set("database", r("each.value.database"))
            .set("schema", r("each.value.schema"))
            .set("role", r("postgresql_role.replication.name"))
            .set("object_type", s("table"))
            .set("objects", r("each.value.tables"))
            .set("privileges", strs(["SELECT"]))
            .set("depends_on", depends),
    );
}
