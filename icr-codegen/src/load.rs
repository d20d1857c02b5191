//! The load stage: spec text → [`Document`], the raw JSON tree that every
//! later stage addresses by JSON pointer.
//!
//! The raw tree is the source of truth for locations; the typed
//! [`openapiv3::OpenAPI`] is derived from it on demand, and a shape error in
//! it is reported at the pointer of the node that did not fit.

use std::path::Path;

use serde::Deserialize as _;
use serde_json::Value;

use crate::error::ErrorKind;
use crate::{JsonPointer, SpecError};

/// The HTTP methods an OpenAPI path item may hold, in the order operations
/// are listed.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// A loaded spec: where it came from and its raw JSON tree.
#[derive(Clone, Debug)]
pub struct Document {
    origin: String,
    raw: Value,
}

/// One operation of a [`Document`], found under `paths`.
#[derive(Clone, Debug)]
pub struct OperationRef<'a> {
    /// Where the operation object is.
    pub pointer: JsonPointer,
    /// The path template, e.g. `/projects/{projectId}`.
    pub path: &'a str,
    /// The lower-case HTTP method.
    pub method: &'static str,
    /// The operation object.
    pub value: &'a Value,
}

impl Document {
    /// Reads and parses a spec file; the file name in errors is `path` as given.
    pub fn read(path: &Path) -> Result<Self, SpecError> {
        let origin = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(origin, &text),
            Err(err) => Err(SpecError {
                kind: ErrorKind::Io,
                file: origin,
                pointer: JsonPointer::root(),
                operation_id: None,
                message: format!("cannot read the spec: {err}"),
            }),
        }
    }

    /// Parses spec text, YAML or JSON. JSON (text that starts with `{`) is
    /// read by `serde_json`, many times faster than a YAML parser on the
    /// large descriptions that come as JSON. `origin` names the text in
    /// errors.
    pub fn parse(origin: impl Into<String>, text: &str) -> Result<Self, SpecError> {
        let origin = origin.into();
        if text.trim_start().starts_with('{') {
            return match serde_json::from_str::<Value>(text) {
                Ok(raw) => Ok(Self::from_value(origin, raw)),
                Err(err) => Err(SpecError {
                    kind: ErrorKind::Syntax,
                    file: origin,
                    pointer: JsonPointer::root(),
                    operation_id: None,
                    message: format!(
                        "not valid JSON at line {}, column {}: {err}",
                        err.line(),
                        err.column()
                    ),
                }),
            };
        }
        match serde_norway::from_str::<Value>(text) {
            Ok(raw) => Ok(Self::from_value(origin, raw)),
            Err(err) => {
                let place = err
                    .location()
                    .map(|at| format!(" at line {}, column {}", at.line(), at.column()))
                    .unwrap_or_default();
                Err(SpecError {
                    kind: ErrorKind::Syntax,
                    file: origin,
                    pointer: JsonPointer::root(),
                    operation_id: None,
                    message: format!("not valid YAML or JSON{place}: {err}"),
                })
            }
        }
    }

    /// A document from a JSON tree already in memory.
    pub fn from_value(origin: impl Into<String>, raw: Value) -> Self {
        Self {
            origin: origin.into(),
            raw,
        }
    }

    /// The file name used in errors.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The raw JSON tree.
    pub fn raw(&self) -> &Value {
        &self.raw
    }

    /// An error of this document at `pointer`.
    pub fn error(
        &self,
        kind: ErrorKind,
        pointer: JsonPointer,
        message: impl Into<String>,
    ) -> SpecError {
        SpecError {
            kind,
            file: self.origin.clone(),
            pointer,
            operation_id: None,
            message: message.into(),
        }
    }

    /// The typed OpenAPI document. A node of the wrong shape is reported at
    /// its JSON pointer; a version other than 3.0.x is refused.
    pub fn openapi(&self) -> Result<openapiv3::OpenAPI, SpecError> {
        let version = self.raw.get("openapi").and_then(Value::as_str);
        match version {
            Some(v) if v.starts_with("3.0.") => {}
            Some(v) => {
                return Err(self.error(
                    ErrorKind::Unsupported,
                    JsonPointer::root().join("openapi"),
                    format!("OpenAPI `{v}` is not supported; these tools read OpenAPI 3.0.x"),
                ));
            }
            None => {
                return Err(self.error(
                    ErrorKind::Structure,
                    JsonPointer::root(),
                    "not an OpenAPI document: there is no `openapi` version string",
                ));
            }
        }
        // Read from the tree in place (`&Value` is a deserializer), not
        // from a copy of it.
        openapiv3::OpenAPI::deserialize(&self.raw).map_err(|err| {
            // Find the deepest node that does not fit, and the operation it is in.
            let (pointer, message) = crate::shape::locate(&self.raw)
                .unwrap_or_else(|| (JsonPointer::root(), err.to_string()));
            let message = format!("not a valid OpenAPI 3.0 node: {message}");
            let inside = self.operations().into_iter().find(|op| {
                let prefix = op.pointer.as_str();
                pointer.as_str() == prefix || pointer.as_str().starts_with(&format!("{prefix}/"))
            });
            match inside {
                Some(op) => op.error(self, ErrorKind::Structure, pointer, message),
                None => self.error(ErrorKind::Structure, pointer, message),
            }
        })
    }

    /// Every operation under `paths`, in document order. A path item that is
    /// a `$ref` is followed; one that does not resolve is skipped here and
    /// reported by [`Document::dangling_refs`].
    pub fn operations(&self) -> Vec<OperationRef<'_>> {
        let mut operations = Vec::new();
        let Some(paths) = self.raw.get("paths").and_then(Value::as_object) else {
            return operations;
        };
        let paths_pointer = JsonPointer::root().join("paths");
        for (path, item) in paths {
            let mut item_pointer = paths_pointer.join(path);
            let mut item = item;
            if let Some(reference) = item.get("$ref").and_then(Value::as_str) {
                match self.resolve(reference) {
                    Some((target, value)) => {
                        item_pointer = target;
                        item = value;
                    }
                    None => continue,
                }
            }
            for method in METHODS {
                if let Some(value) = item.get(method).filter(|v| v.is_object()) {
                    operations.push(OperationRef {
                        pointer: item_pointer.join(method),
                        path,
                        method,
                        value,
                    });
                }
            }
        }
        operations
    }
}

impl Document {
    /// The webhook events under `x-webhooks`, each as the `post` that
    /// delivers it: `path` holds the event's name (`issues`), `method` is
    /// `post`. An entry without a `post` object is left out (the spec check
    /// reports it).
    pub fn webhooks(&self) -> Vec<OperationRef<'_>> {
        let Some(events) = self.raw.get("x-webhooks").and_then(Value::as_object) else {
            return Vec::new();
        };
        let root = JsonPointer::root().join("x-webhooks");
        events
            .iter()
            .filter_map(|(name, item)| {
                let value = item.get("post").filter(|v| v.is_object())?;
                Some(OperationRef {
                    pointer: root.join(name).join("post"),
                    path: name,
                    method: "post",
                    value,
                })
            })
            .collect()
    }
}

impl<'a> OperationRef<'a> {
    /// The `operationId`, if the operation has one.
    pub fn operation_id(&self) -> Option<&'a str> {
        self.value.get("operationId").and_then(Value::as_str)
    }

    /// The `description`, if any.
    pub fn description(&self) -> Option<&'a str> {
        self.value.get("description").and_then(Value::as_str)
    }

    /// The operation's tags, in order.
    pub fn tags(&self) -> Vec<&'a str> {
        self.value
            .get("tags")
            .and_then(Value::as_array)
            .map(|tags| tags.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    /// Whether the description carries the marker sentence
    /// ([`MARKER`](crate::MARKER)).
    pub fn is_marked(&self) -> bool {
        self.description().is_some_and(crate::is_marked)
    }

    /// An error inside this operation: it names the operation's id.
    pub fn error(
        &self,
        doc: &Document,
        kind: ErrorKind,
        pointer: JsonPointer,
        message: impl Into<String>,
    ) -> SpecError {
        SpecError {
            operation_id: self.operation_id().map(str::to_owned),
            ..doc.error(kind, pointer, message)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Document;
    use crate::error::ErrorKind;

    #[test]
    fn syntax_errors_name_file_line_and_column() {
        let err = Document::parse("broken.yaml", "openapi: 3.0.3\npaths: [unclosed\n").unwrap_err();
        assert_eq!(err.kind, ErrorKind::Syntax);
        assert_eq!(err.file, "broken.yaml");
        assert!(err.message.contains("line 3"), "{err}");
        // JSON is read as JSON, and its errors say where too.
        let json =
            Document::parse("spec.json", "{\"openapi\": \"3.0.3\",\n \"paths\": {}}").unwrap();
        assert_eq!(json.raw()["openapi"], "3.0.3");
        let err =
            Document::parse("broken.json", "{\"openapi\": \"3.0.3\",\n \"paths\": }").unwrap_err();
        assert_eq!(err.kind, ErrorKind::Syntax);
        assert!(err.message.contains("not valid JSON at line 2"), "{err}");
    }

    #[test]
    fn shape_errors_point_at_the_node() {
        let doc = Document::parse(
            "shape.yaml",
            "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      operationId: a/getA\n      responses: 42\n",
        )
        .unwrap();
        let err = doc.openapi().unwrap_err();
        assert_eq!(err.kind, ErrorKind::Structure);
        assert_eq!(err.pointer.as_str(), "/paths/~1a/get/responses");
        assert_eq!(err.operation_id.as_deref(), Some("a/getA"));
        assert!(
            err.to_string()
                .starts_with("shape.yaml#/paths/~1a/get/responses (operation `a/getA`): "),
            "{err}"
        );
    }

    #[test]
    fn other_openapi_versions_are_refused() {
        let doc = Document::parse(
            "v31.yaml",
            "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n",
        )
        .unwrap();
        let err = doc.openapi().unwrap_err();
        assert_eq!(err.kind, ErrorKind::Unsupported);
        assert_eq!(err.pointer.as_str(), "/openapi");
    }

    #[test]
    fn operations_follow_path_item_references() {
        let doc = Document::parse(
            "refs.yaml",
            r##"
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /direct:
    get: {operationId: a/getDirect, responses: {'204': {description: x}}}
    post: {operationId: a/postDirect, responses: {'204': {description: x}}}
  /shared:
    $ref: '#/x-shared-items/item'
  /missing:
    $ref: '#/x-shared-items/nothing'
x-shared-items:
  item:
    delete: {operationId: a/deleteShared, responses: {'204': {description: x}}}
"##,
        )
        .unwrap();
        let found: Vec<_> = doc
            .operations()
            .iter()
            .map(|op| {
                (
                    op.path,
                    op.method,
                    op.operation_id(),
                    op.pointer.to_string(),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                (
                    "/direct",
                    "get",
                    Some("a/getDirect"),
                    "/paths/~1direct/get".to_owned()
                ),
                (
                    "/direct",
                    "post",
                    Some("a/postDirect"),
                    "/paths/~1direct/post".to_owned()
                ),
                (
                    "/shared",
                    "delete",
                    Some("a/deleteShared"),
                    "/x-shared-items/item/delete".to_owned()
                ),
            ]
        );
    }
}
