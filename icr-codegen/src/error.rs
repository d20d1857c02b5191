//! [`SpecError`]: one problem in a spec, located by file, JSON pointer and
//! operation.

use std::fmt;

use crate::JsonPointer;

/// What kind of problem a [`SpecError`] is, so callers can tell a typo in
/// the document from something the generator cannot express.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file could not be read.
    Io,
    /// The text is not YAML or JSON.
    Syntax,
    /// The document is YAML or JSON but not a valid OpenAPI 3.0 document.
    Structure,
    /// A `$ref` (or discriminator mapping) does not resolve.
    Reference,
    /// A permission extension (`x-icr-permission-catalog` or
    /// `x-icr-permissions`) is malformed or names something unknown.
    Permission,
    /// Valid OpenAPI that this version of the tools does not handle.
    Unsupported,
}

/// One problem in a spec document.
///
/// Its `Display` reads `file#/json/pointer (operation id): message`, which
/// is enough to find the offending node by hand.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct SpecError {
    /// What kind of problem this is.
    pub kind: ErrorKind,
    /// The spec file, as the caller named it.
    pub file: String,
    /// Where in the document the problem is.
    pub pointer: JsonPointer,
    /// The `operationId` of the operation the problem is inside, if any.
    pub operation_id: Option<String>,
    /// What is wrong, and where it helps, how to fix it.
    pub message: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.file, self.pointer)?;
        if let Some(id) = &self.operation_id {
            write!(f, " (operation `{id}`)")?;
        }
        write!(f, ": {}", self.message)
    }
}
