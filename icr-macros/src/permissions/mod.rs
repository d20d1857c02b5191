//! `permissions!`: a user's declaration of what their ICR App was granted,
//! checked against the catalog of the spec the bindings came from.
//!
//! Users never call this macro directly. Each set of generated bindings
//! defines a `permissions!` of its own (a `macro_rules!`) that puts its
//! catalog in front of the user's declarations and calls this one:
//!
//! ```text
//! @runtime ($crate::__icr_api)
//! @catalog ($crate::permissions) { metadata: [read], issues: [read, write], … }
//! /// What the release-notes app was granted on ICR.
//! pub ReleaseNotes { projects: write, issues: read }
//! ```
//!
//! The runtime path is the bindings' own re-export of `icr_api`, so that an
//! expansion works in a crate that renamed `icr-api` or reached it through
//! a facade.
//!
//! The stages are one module each: [`ast`] parses, [`check`] holds the
//! declarations against the catalog (collecting every error, each at its
//! token, a declaration name used twice), [`expand`] writes the types and
//! what they state. A declaration
//! with errors is still expanded with the entries that were right, so that
//! its uses do not add errors of their own.

mod ast;
mod check;
mod expand;

use proc_macro2::TokenStream;

/// Expands the input of `permissions!`: a catalog header and declarations.
pub(crate) fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let input: ast::Input = syn::parse2(input)?;
    let catalog = check::Catalog::from_ast(&input.catalog)?;
    let (declarations, errors) = check::declarations(&catalog, &input.declarations);
    let mut out = expand::declarations(&catalog, &declarations);
    if let Some(errors) = errors {
        out.extend(errors.into_compile_error());
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
