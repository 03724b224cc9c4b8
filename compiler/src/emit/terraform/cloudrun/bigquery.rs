//! The BigQuery dataset and its tables (reference 2.4 "BigQuery"). Each
//! table's schema is written to a file beside `main.tf`, so the JSON stays
//! readable and is never re-quoted into HCL.

use super::Parts;
use crate::emit::terraform::ctx::Ctx;
use crate::emit::terraform::hcl::{Blk, b, call, list, lit, obj, r, rf, s, tpl};

const DATASET: &str = "google_bigquery_dataset.dataset";
const GRANT: &str = "google_bigquery_dataset_iam_member.workload";

pub fn add(ctx: &Ctx<'_>, parts: &mut Parts) {
    let Some(bq) = &ctx.env.bigquery else { return };
    let project = s(bq.project_id.clone());
    let guard = !ctx.env.allow_destroys;

    parts.add(
        Blk::resource("google_bigquery_dataset", "dataset")
            .comment(
                "checkov:skip=CKV_GCP_81:datasets use Google-managed encryption; the platform provisions no KMS keys",
            )
            .set("project", project.clone())
            .set("dataset_id", s(bq.dataset_id.clone()))
            .set("friendly_name", s(ctx.display_name()))
            .set("location", s(location(&bq.location)))
            .set("labels", ctx.labels())
            // Tables may hold data written outside Terraform.
            .set("delete_contents_on_destroy", b(false)),
    );
    parts.add(
        Blk::resource("google_bigquery_dataset_iam_member", "workload")
            .set("project", project.clone())
            .set("dataset_id", r(format!("{DATASET}.dataset_id")))
            .set("role", s("roles/bigquery.dataEditor"))
            .set("member", ctx.workload_member()),
    );

    if !bq.tables.is_empty() {
        // Table name → its schema file.
        let files = bq.tables.iter().map(|t| (t.name.clone(), s(Ctx::bigquery_schema_file(&t.name))));
        let mut table = Blk::resource("google_bigquery_table", "tables").comment(
            "checkov:skip=CKV_GCP_80:tables use Google-managed encryption; the platform provisions no KMS keys",
        );
        if !guard {
            table = table.comment("checkov:skip=CKV_GCP_121:allow_destroys is set: this environment may be torn down");
        }
        parts.add(
            table
                .set("for_each", obj(files))
                .set("project", project.clone())
                .set("dataset_id", r(format!("{DATASET}.dataset_id")))
                .set("table_id", r("each.key"))
                .set("schema", call("file", [tpl([rf("path.module"), lit("/"), rf("each.value")])]))
                .set("labels", ctx.labels())
                .set("deletion_protection", b(guard))
                // The workload must be able to write as soon as a table exists.
                .set("depends_on", list([r(GRANT)])),
        );
        for t in &bq.tables {
            let mut json = t.schema_json.clone();
            if !json.ends_with('\n') {
                json.push('\n');
            }
            parts.files.push((Ctx::bigquery_schema_file(&t.name), json));
        }
        parts.depends_on.push("google_bigquery_table.tables".into());
    }

    parts.env.insert("BIGQUERY_PROJECT_ID".into(), s(bq.project_id.clone()));
    parts.env.insert("BIGQUERY_DATASET_ID".into(), s(bq.dataset_id.clone()));
}

/// BigQuery's name for a multi-region: `US`, `EU`.
fn location(region: &str) -> String {
    match region.to_ascii_lowercase().as_str() {
        "us" => "US".into(),
        "europe" | "eu" => "EU".into(),
        other => other.to_ascii_uppercase(),
    }
}
