//! The workspace's integration tests, one module per concern.

#![allow(
    clippy::unwrap_used,
    reason = "in a test, a failed unwrap is a failed test with its location"
)]

mod auth;
mod bindings;
mod capability;
mod emulator;
mod every_function;
mod fleet;
mod golden;
mod hostile_network;
mod least_privilege;
mod pagination;
mod permissions;
mod resilience;
mod tidy;
mod transport;
mod ui;
mod webhooks;
