//! `icr-emulator` is a local ICR server that behaves like ICR for everything
//! in `spec/icr.openapi.yaml`: real HTTP on loopback, real app-JWT and
//! installation-token checks, and the permissions of every operation
//! enforced as the spec lists them.
//!
//! It is the embedded default of the quickstart and the counterpart of every
//! end-to-end test. It is not written yet; `ARCHITECTURE.md` says what exists
//! today.
