//! `icr-api` is the crate ICR App authors depend on.
//!
//! An ICR App installed on an organization acts as that installation: it
//! signs a short-lived JWT with its private key, finds the installation's id,
//! trades the JWT for an installation access token, and sends that token on
//! every request. This crate will make that flow one call, and make the
//! permissions an app was granted part of the types, so that calling an
//! endpoint the app may not use does not compile.
//!
//! The crate is being built issue by issue; `ARCHITECTURE.md` at the root of
//! the repository says what exists today. What it will hold:
//!
//! - the runtime, written by hand: app JWTs, installation discovery, the
//!   token cache, HTTP, errors, pagination and webhooks;
//! - the bindings generated from `spec/icr.openapi.yaml` by
//!   `cargo xtask codegen`, checked in under `src/generated/`.
