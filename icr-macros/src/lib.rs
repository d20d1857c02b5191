//! `icr-macros` holds the procedural macros that `icr-api` re-exports:
//! `permissions!`, the one declaration of what an app was granted, and
//! `generate_api!`, which generates bindings for a spec of one's own at build
//! time.
//!
//! The macros are thin front-ends: the spec reading and code generation live
//! in `icr-codegen`, because a proc-macro crate can export nothing but
//! macros and `xtask` needs the generator too. Neither macro exists yet;
//! they arrive with the issues that introduce them (see `ARCHITECTURE.md`).
