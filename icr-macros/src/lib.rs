//! `icr-macros` holds the procedural macros that `icr-api` re-exports.
//!
//! - `permissions!`, which bindings call through a `permissions!` of their
//!   own that supplies their permission catalog: declares what an app was
//!   granted, as a type;
//! - `generate_api!(spec = "path/to/spec.yaml")` generates, at build time
//!   and inside the calling crate, the same bindings `cargo xtask codegen
//!   --spec … --out …` writes for that spec.
//!
//! The macros are one-line entry points over functions of
//! `proc_macro2::TokenStream`, so that their expansion can be tested like
//! any other function; the spec reading and code generation live in
//! `icr-codegen`, because a proc-macro crate can export nothing but macros
//! and `xtask` needs the generator too.

mod generate_api;
mod permissions;

use proc_macro::TokenStream;

/// Generates bindings for an OpenAPI 3.0 spec of one's own, at build time.
///
/// ```text
/// mod icr2027 {
///     icr_api::generate_api!(spec = "specs/icr-2027.yaml", at = crate::icr2027);
/// }
/// icr2027::permissions! { pub Notes { issues: read } }
/// ```
///
/// The path is relative to the calling crate's `Cargo.toml`; `at` is the
/// path of the module the macro is called in (`crate` when left out), which
/// the generated `permissions!` uses to name the `permissions` module. The
/// expansion is a `models` module, a `permissions` module and one module of
/// request functions per tag, as `cargo xtask codegen --spec … --out …`
/// writes them, and a crate-local `permissions!` that knows the spec's
/// catalog; the crate is rebuilt when the spec changes. A problem in the
/// spec is a compile error at the path, naming the JSON pointer and
/// operation at fault.
#[proc_macro]
pub fn generate_api(input: TokenStream) -> TokenStream {
    generate_api::expand(input.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Declares what an ICR App was granted, as a type that request functions
/// check at compile time.
///
/// Called through the `permissions!` of a set of bindings
/// (`icr_api::permissions!`, or that of bindings generated from another
/// spec), which puts its permission catalog in front of the declarations:
///
/// ```text
/// icr_api::permissions! {
///     /// What the release-notes app was granted on ICR.
///     pub ReleaseNotes { projects: write, issues: read }
/// }
/// ```
///
/// Each declaration becomes a unit type implementing
/// `icr_api::grants::Declaration` and the bindings' permission traits it
/// holds. An unknown permission or level, or a permission named twice, is
/// an error at that entry, with a suggestion when a catalog name is close.
#[proc_macro]
pub fn permissions(input: TokenStream) -> TokenStream {
    permissions::expand(input.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
