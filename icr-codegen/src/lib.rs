//! `icr-codegen` reads an OpenAPI 3.0 description of the ICR REST API and
//! turns it into Rust.
//!
//! The crate is a pipeline of stages, one module each, with no knowledge of
//! where its input comes from beyond the one spec file it is asked to read,
//! nor of where its output goes:
//!
//! - [`load`]: text → a [`Document`] (the raw JSON tree, kept for JSON
//!   pointers) and, on demand, the typed [`openapiv3::OpenAPI`];
//! - [`refs`]: local `$ref` resolution, and the list of references that do
//!   not resolve;
//! - [`permissions`]: ICR's own extensions: the marker sentence, the
//!   permission catalog and the permissions each operation needs;
//! - [`lower`]: the document → [`model::Api`], our own model of operations,
//!   parameters, bodies, answers, types and permission sets, with Rust names
//!   beside the API's names ([`naming`]);
//! - [`emit`]: the model → a tree of modules of Rust tokens (`quote!`);
//! - [`mod@format`]: the tree → `prettyplease`-formatted files, or one token
//!   stream for a macro to expand.
//!
//! [`generate`] runs the stages after loading. [`json_schema`] is beside
//! the pipeline: it turns the document's schemas into JSON Schema for the
//! tools that validate values against them.
//!
//! Every problem found in a spec is a [`SpecError`] that names the file, the
//! JSON pointer of the offending node and, inside an operation, its
//! `operationId`. Nothing here panics on spec data.
//!
//! ```
//! use icr_codegen::{Document, permissions::Catalog};
//!
//! let doc = Document::parse("inline.yaml", r#"
//! openapi: 3.0.3
//! info: {title: Example, version: '1'}
//! x-icr-permission-catalog:
//!   issues: {description: Issues., levels: [read, write]}
//! paths:
//!   /issues:
//!     get:
//!       operationId: issues/listIssues
//!       description: Lists issues. Works with ICR Apps.
//!       x-icr-permissions:
//!         - {issues: read}
//!       responses:
//!         '204': {description: Nothing.}
//! "#)?;
//! let catalog = Catalog::from_document(&doc).map_err(|mut errors| errors.remove(0))?;
//! let operation = &doc.operations()[0];
//! assert!(operation.is_marked());
//! let needs = catalog.requirement(&doc, operation).map_err(|mut errors| errors.remove(0))?;
//! assert_eq!(needs.expect("listed").to_string(), "issues: read");
//! # Ok::<(), icr_codegen::SpecError>(())
//! ```

pub mod emit;
pub mod error;
pub mod format;
pub mod json_schema;
pub mod load;
pub mod lower;
pub mod model;
pub mod naming;
pub mod permissions;
pub mod pointer;
pub mod refs;
mod shape;

pub use error::SpecError;
pub use load::{Document, OperationRef};
pub use pointer::JsonPointer;

/// The whole pipeline after loading: the model of `doc`, and its Rust as a
/// module tree ready to be written as files or expanded inline, as
/// `options` say.
pub fn generate(doc: &Document, options: &emit::Options) -> Result<Generated, Vec<SpecError>> {
    let api = lower::lower(doc)?;
    let root = emit::emit(&api, options);
    Ok(Generated { api, root })
}

/// What [`generate`] produces.
#[derive(Clone, Debug)]
pub struct Generated {
    /// The model, with the summary of what was generated and skipped.
    pub api: model::Api,
    /// The generated modules.
    pub root: emit::Module,
}

/// The sentence by which the API reference marks an operation that accepts an
/// installation access token.
pub const MARKER: &str = "Works with ICR Apps.";

/// Whether a description carries [`MARKER`], however its lines were wrapped.
pub fn is_marked(description: &str) -> bool {
    let folded: Vec<&str> = description.split_whitespace().collect();
    folded.join(" ").contains(MARKER)
}

#[cfg(test)]
mod tests {
    use super::is_marked;

    #[test]
    fn marker_survives_line_wrapping_and_nothing_else_counts() {
        assert!(is_marked("Lists issues. Works with ICR Apps."));
        assert!(is_marked("Lists issues.\nWorks with\n  ICR Apps."));
        assert!(!is_marked("Lists issues. Works with ICR apps."));
        assert!(!is_marked("Works with ICR Apps"));
        assert!(!is_marked(""));
    }
}
