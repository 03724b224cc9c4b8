//! Stack outputs. Each is a Terraform output (read by later stacks through
//! remote state) and is mirrored into a Secret Manager secret
//! `<stack>_<name>` in the environment's project, where operator tools read
//! it without Terraform Cloud access. Outputs are ids and names, never secrets.

use super::ctx::{Ctx, output_secret_id};
use super::hcl::{Blk, Expr, r, s};

pub fn output(ctx: &Ctx<'_>, stack: &str, name: &str, value: Expr, depends_on: Option<&str>) -> Vec<Blk> {
    let secret = format!("output_{name}");
    let secret_ref = format!("google_secret_manager_secret.{secret}.id");
    let mut mirror = Blk::resource("google_secret_manager_secret", &secret)
        .set("project", s(ctx.project_id()))
        .set("secret_id", s(output_secret_id(stack, name)))
        .set("labels", ctx.labels())
        .block(Blk::new("replication").block(Blk::new("auto")));
    if let Some(dep) = depends_on {
        mirror = mirror.set("depends_on", super::hcl::list([r(dep)]));
    }
    vec![
        Blk::labeled("output", &[name]).set("value", value.clone()),
        mirror,
        Blk::resource("google_secret_manager_secret_version", &secret)
            .set("secret", r(secret_ref))
            .set("secret_data", value),
    ]
}
