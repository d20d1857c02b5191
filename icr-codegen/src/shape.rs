//! Finding where a document fails to be OpenAPI.
//!
//! `openapiv3` reads references and extension maps through untagged and
//! flattened serde types, which buffer their input and so lose the path of
//! an error inside them: a wrong type deep in an operation surfaces as an
//! error at `/paths`. This module re-reads the document node by node, typed
//! by where each node sits, deepest first, and reports the deepest node that
//! does not fit.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::JsonPointer;
use crate::load::METHODS;

/// What an OpenAPI node is, by its position in the document.
#[derive(Clone, Copy)]
enum Kind {
    Document,
    PathItem,
    Operation,
    Parameter,
    RequestBody,
    Response,
    Header,
    Schema,
}

/// The deepest node of `raw` that is not of the type its position asks for,
/// with the reader's complaint; `None` when every node fits.
pub(crate) fn locate(raw: &Value) -> Option<(JsonPointer, String)> {
    check(Kind::Document, raw, &JsonPointer::root())
}

fn check(kind: Kind, value: &Value, at: &JsonPointer) -> Option<(JsonPointer, String)> {
    // A reference is checked where it points.
    if value.get("$ref").is_some_and(Value::is_string) {
        return None;
    }
    for (child_kind, child, child_at) in children(kind, value, at) {
        if let Some(found) = check(child_kind, child, &child_at) {
            return Some(found);
        }
    }
    match kind {
        Kind::Document => probe::<openapiv3::OpenAPI>(value, at),
        Kind::PathItem => probe::<openapiv3::PathItem>(value, at),
        Kind::Operation => probe::<openapiv3::Operation>(value, at),
        Kind::Parameter => probe::<openapiv3::Parameter>(value, at),
        Kind::RequestBody => probe::<openapiv3::RequestBody>(value, at),
        Kind::Response => probe::<openapiv3::Response>(value, at),
        Kind::Header => probe::<openapiv3::Header>(value, at),
        Kind::Schema => probe::<openapiv3::Schema>(value, at),
    }
}

fn probe<T: DeserializeOwned>(value: &Value, at: &JsonPointer) -> Option<(JsonPointer, String)> {
    let err = serde_path_to_error::deserialize::<_, T>(value).err()?;
    let mut pointer = at.clone();
    for segment in err.path().iter() {
        match segment {
            serde_path_to_error::Segment::Map { key } => pointer = pointer.join(key),
            serde_path_to_error::Segment::Seq { index } => pointer = pointer.join(index),
            serde_path_to_error::Segment::Enum { .. } | serde_path_to_error::Segment::Unknown => {}
        }
    }
    Some((pointer, err.into_inner().to_string()))
}

/// The nodes inside `value` whose type its kind decides.
fn children<'a>(
    kind: Kind,
    value: &'a Value,
    at: &JsonPointer,
) -> Vec<(Kind, &'a Value, JsonPointer)> {
    let mut out = Vec::new();
    match kind {
        Kind::Document => {
            out.extend(children_under(
                value,
                "paths",
                Container::Map,
                Kind::PathItem,
                at,
            ));
            if let Some(components) = value.get("components") {
                let at = at.join("components");
                for (key, child_kind) in [
                    ("schemas", Kind::Schema),
                    ("parameters", Kind::Parameter),
                    ("requestBodies", Kind::RequestBody),
                    ("responses", Kind::Response),
                    ("headers", Kind::Header),
                ] {
                    out.extend(children_under(
                        components,
                        key,
                        Container::Map,
                        child_kind,
                        &at,
                    ));
                }
            }
        }
        Kind::PathItem => {
            for method in METHODS {
                if let Some(operation) = value.get(method) {
                    out.push((Kind::Operation, operation, at.join(method)));
                }
            }
            out.extend(children_under(
                value,
                "parameters",
                Container::List,
                Kind::Parameter,
                at,
            ));
        }
        Kind::Operation => {
            out.extend(children_under(
                value,
                "parameters",
                Container::List,
                Kind::Parameter,
                at,
            ));
            if let Some(body) = value.get("requestBody") {
                out.push((Kind::RequestBody, body, at.join("requestBody")));
            }
            out.extend(children_under(
                value,
                "responses",
                Container::Map,
                Kind::Response,
                at,
            ));
        }
        Kind::Parameter | Kind::Header => {
            if let Some(schema) = value.get("schema") {
                out.push((Kind::Schema, schema, at.join("schema")));
            }
            out.extend(content_schemas(value, at));
        }
        Kind::RequestBody => out.extend(content_schemas(value, at)),
        Kind::Response => {
            out.extend(children_under(
                value,
                "headers",
                Container::Map,
                Kind::Header,
                at,
            ));
            out.extend(content_schemas(value, at));
        }
        Kind::Schema => {
            out.extend(children_under(
                value,
                "properties",
                Container::Map,
                Kind::Schema,
                at,
            ));
            for key in ["items", "not", "additionalProperties"] {
                if let Some(child @ Value::Object(_)) = value.get(key) {
                    out.push((Kind::Schema, child, at.join(key)));
                }
            }
            for key in ["allOf", "oneOf", "anyOf"] {
                out.extend(children_under(
                    value,
                    key,
                    Container::List,
                    Kind::Schema,
                    at,
                ));
            }
        }
    }
    out
}

/// Whether OpenAPI holds the children under a key by name or by position.
#[derive(Clone, Copy)]
enum Container {
    Map,
    List,
}

/// The entries under `key`, all of one kind. Entries of the other container
/// are not children: the node itself is then of the wrong shape, and the
/// probe of the node reports it.
fn children_under<'a>(
    value: &'a Value,
    key: &str,
    container: Container,
    kind: Kind,
    at: &JsonPointer,
) -> Vec<(Kind, &'a Value, JsonPointer)> {
    let at = at.join(key);
    match (container, value.get(key)) {
        (Container::Map, Some(Value::Object(entries))) => entries
            .iter()
            .map(|(name, child)| (kind, child, at.join(name)))
            .collect(),
        (Container::List, Some(Value::Array(items))) => items
            .iter()
            .enumerate()
            .map(|(index, child)| (kind, child, at.join(index)))
            .collect(),
        _ => Vec::new(),
    }
}

/// The schemas of a `content` map's media types.
fn content_schemas<'a>(value: &'a Value, at: &JsonPointer) -> Vec<(Kind, &'a Value, JsonPointer)> {
    let Some(Value::Object(content)) = value.get("content") else {
        return Vec::new();
    };
    content
        .iter()
        .filter_map(|(media_type, body)| {
            let schema = body.get("schema")?;
            Some((
                Kind::Schema,
                schema,
                at.join("content").join(media_type).join("schema"),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::locate;
    use serde_json::json;

    #[test]
    fn wrong_types_are_found_at_the_deepest_node() {
        let check = |doc: serde_json::Value, expected: &str| {
            let (pointer, message) = locate(&doc).expect("a shape error");
            assert_eq!(pointer.as_str(), expected, "{message}");
        };
        let base = |paths: serde_json::Value| json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths});
        check(
            base(json!({"/a": {"get": {"responses": 42}}})),
            "/paths/~1a/get/responses",
        );
        check(
            base(
                json!({"/a": {"get": {"responses": {"200": {"description": "ok", "content": {
                    "application/json": {"schema": {"type": "object", "properties": {"n": {"type": "integer", "minimum": "one"}}}}
                }}}}}}),
            ),
            // Schema keywords are flattened in `openapiv3`: the schema is the deepest node.
            "/paths/~1a/get/responses/200/content/application~1json/schema/properties/n",
        );
        check(
            base(
                json!({"/a": {"get": {"parameters": [{"name": "q", "in": "nowhere"}], "responses": {}}}}),
            ),
            "/paths/~1a/get/parameters/0/in",
        );
        check(
            base(json!({"/a": {"get": {"responses": {}, "tags": "one"}}})),
            "/paths/~1a/get/tags",
        );
        assert!(
            locate(&base(
                json!({"/a": {"get": {"responses": {"204": {"description": "x"}}}}})
            ))
            .is_none()
        );
    }
}
