//! (being written)

use super::Parts;
use crate::emit::terraform::ctx::Ctx;

pub fn add(_ctx: &Ctx<'_>, _parts: &mut Parts) {}
