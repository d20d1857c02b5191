//! OpenAPI 3.0 schemas as JSON Schema 2020-12, so that a validator can
//! check values against them: examples in `cargo xtask spec-check`, request
//! bodies and parameters in the emulator. The reading is the standard's
//! (3.0.3), so that what passes here passes the third-party tools too.
//!
//! [`components`] converts a document's component schemas once; a schema
//! converted with [`to_json_schema`] and given those components beside it
//! (`{"components": …}` at its root) resolves its `$ref`s.

use serde_json::{Map, Value, json};

use crate::Document;

/// The document's component schemas, converted, as `{"schemas": {…}}`.
pub fn components(doc: &Document) -> Value {
    let schemas: Map<String, Value> = match doc.raw().pointer("/components/schemas") {
        Some(Value::Object(schemas)) => schemas
            .iter()
            .map(|(name, schema)| (name.clone(), to_json_schema(schema)))
            .collect(),
        _ => Map::new(),
    };
    json!({ "schemas": schemas })
}

/// `schema` converted, with the document's converted components at its
/// root, ready for a validator; `None` when the schema is not an object.
pub fn standalone(schema: &Value, components: &Value) -> Option<Value> {
    let Value::Object(mut root) = to_json_schema(schema) else {
        return None;
    };
    root.insert("components".to_owned(), components.clone());
    Some(Value::Object(root))
}

/// Turns an OpenAPI 3.0 schema into JSON Schema 2020-12: `nullable` adds
/// `null` to the schema's `type` (and does nothing without one, as OpenAPI
/// 3.0.3 says; an `enum` must list `null` itself), `format: int32`/`int64`
/// become bounds, boolean `exclusiveMinimum`/`exclusiveMaximum` become numbers,
/// and keywords that only annotate (`discriminator`, `example`, `x-…`) are
/// dropped. References are kept; they resolve against `components` placed
/// at the root beside the schema.
pub fn to_json_schema(schema: &Value) -> Value {
    let Value::Object(members) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in members {
        let converted = match key.as_str() {
            "properties" => match value {
                Value::Object(properties) => Value::Object(
                    properties
                        .iter()
                        .map(|(name, s)| (name.clone(), to_json_schema(s)))
                        .collect(),
                ),
                other => other.clone(),
            },
            "items" | "additionalProperties" | "not" => to_json_schema(value),
            "allOf" | "oneOf" | "anyOf" => match value {
                Value::Array(schemas) => Value::Array(schemas.iter().map(to_json_schema).collect()),
                other => other.clone(),
            },
            "nullable" | "discriminator" | "example" | "xml" | "externalDocs" | "deprecated"
            | "readOnly" | "writeOnly" => continue,
            key if key.starts_with("x-") => continue,
            _ => value.clone(),
        };
        out.insert(key.clone(), converted);
    }
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(Value::Bool(flag)) = out.remove(exclusive)
            && flag
            && let Some(limit) = out.remove(bound)
        {
            out.insert(exclusive.to_owned(), limit);
        }
    }
    // `format: int32`/`int64` bound an integer in OpenAPI; JSON Schema has
    // no such format, so the bounds are written out.
    let bounds = match members.get("format").and_then(Value::as_str) {
        Some("int32") => Some((json!(i32::MIN), json!(i32::MAX))),
        Some("int64") => Some((json!(i64::MIN), json!(i64::MAX))),
        _ => None,
    };
    if let Some((low, high)) = bounds {
        if !out.contains_key("minimum") && !out.contains_key("exclusiveMinimum") {
            out.insert("minimum".to_owned(), low);
        }
        if !out.contains_key("maximum") && !out.contains_key("exclusiveMaximum") {
            out.insert("maximum".to_owned(), high);
        }
    }
    if let Some(discriminated) = discriminated(members) {
        out.remove("oneOf");
        out.remove("anyOf");
        out.extend(discriminated);
    }
    // OpenAPI 3.0.3's reading of `nullable`, as the standard validators
    // have it: it adds `null` to the schema's `type`, and does nothing where
    // there is no `type`. An `enum` must list `null` itself to allow it.
    if members.get("nullable") == Some(&Value::Bool(true))
        && let Some(Value::String(ty)) = out.get("type").cloned()
    {
        out.insert("type".to_owned(), json!([ty, "null"]));
    }
    Value::Object(out)
}

/// OpenAPI's `discriminator` picks the variant of a `oneOf`/`anyOf` by the
/// value of one property. Said in JSON Schema: the property is required and
/// one of the mapping's keys, and each key's value brings in its schema. A
/// bad example then fails with the chosen variant's own complaint rather than
/// "matches none of the variants".
fn discriminated(members: &Map<String, Value>) -> Option<Map<String, Value>> {
    let property = members
        .get("discriminator")?
        .get("propertyName")?
        .as_str()?;
    let variants = members
        .get("oneOf")
        .or_else(|| members.get("anyOf"))?
        .as_array()?;
    let mut mapping: Vec<(String, String)> = match members["discriminator"]
        .get("mapping")
        .and_then(Value::as_object)
    {
        Some(mapping) => mapping
            .iter()
            .filter_map(|(key, target)| {
                let target = target.as_str()?;
                let target = if target.contains('/') {
                    target.to_owned()
                } else {
                    format!("#/components/schemas/{target}")
                };
                Some((key.clone(), target))
            })
            .collect(),
        None => Vec::new(),
    };
    // Without a mapping, a variant is chosen by its schema's name.
    for variant in variants {
        if let Some(target) = variant.get("$ref").and_then(Value::as_str)
            && !mapping.iter().any(|(_, t)| t == target)
            && let Some(name) = target.strip_prefix("#/components/schemas/")
        {
            mapping.push((name.to_owned(), target.to_owned()));
        }
    }
    let keys: Vec<&str> = mapping.iter().map(|(key, _)| key.as_str()).collect();
    let choices: Vec<Value> = mapping
        .iter()
        .map(|(key, target)| {
            json!({
                "if": { "properties": { property: { "const": key } }, "required": [property] },
                "then": { "$ref": target },
            })
        })
        .collect();
    let Value::Object(out) = json!({
        "type": "object",
        "required": [property],
        "properties": { property: { "enum": keys } },
        "allOf": choices,
    }) else {
        return None;
    };
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::to_json_schema;
    use serde_json::json;

    #[test]
    fn openapi_nullable_is_read_as_the_standard_reads_it() {
        // With a type: `null` is allowed, but an enum must list it.
        assert_eq!(
            to_json_schema(&json!({"type": "string", "nullable": true, "enum": ["a"]})),
            json!({"type": ["string", "null"], "enum": ["a"]})
        );
        assert_eq!(
            to_json_schema(&json!({"type": "string", "nullable": true, "enum": ["a", null]})),
            json!({"type": ["string", "null"], "enum": ["a", null]})
        );
        // Without a type it does nothing, beside a reference or not.
        assert_eq!(
            to_json_schema(
                &json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/X"}]})
            ),
            json!({"allOf": [{"$ref": "#/components/schemas/X"}]})
        );
        assert_eq!(
            to_json_schema(
                &json!({"type": "integer", "minimum": 1, "exclusiveMinimum": true, "x-note": 1})
            ),
            json!({"type": "integer", "exclusiveMinimum": 1})
        );
        assert_eq!(
            to_json_schema(&json!({"type": "integer", "format": "int64", "minimum": 1})),
            json!({"type": "integer", "format": "int64", "minimum": 1, "maximum": i64::MAX})
        );
    }
}
