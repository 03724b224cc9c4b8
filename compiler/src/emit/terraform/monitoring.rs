//! (being written)

use super::Stack;
use super::ctx::Ctx;
use super::hcl::File;

pub fn build(_ctx: &Ctx<'_>) -> Stack {
    Stack::main(File::new())
}
