//! Local references: resolving `$ref`s and finding the ones that do not
//! resolve.
//!
//! Only references inside the same document (`#/...`) are supported; a spec
//! split over several files must be bundled first.

use serde_json::Value;

use crate::error::ErrorKind;
use crate::{Document, JsonPointer, SpecError};

/// A reference found in a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// Where the reference is written: the `$ref` member, or the
    /// discriminator mapping entry.
    pub at: JsonPointer,
    /// What it refers to, as written (a mapping entry that is a bare schema
    /// name is turned into `#/components/schemas/<name>`).
    pub target: String,
}

impl Document {
    /// The node a local reference names, with its pointer; `None` when the
    /// reference is not local or names nothing.
    pub fn resolve(&self, reference: &str) -> Option<(JsonPointer, &Value)> {
        let pointer = JsonPointer::from_fragment(reference)?;
        let value = self.raw().pointer(pointer.as_str())?;
        Some((pointer, value))
    }

    /// Every reference in the document, in document order.
    pub fn references(&self) -> Vec<Reference> {
        let mut found = Vec::new();
        walk(
            self.raw(),
            &JsonPointer::root(),
            Context::Keywords,
            &mut found,
        );
        found
    }

    /// One error for each reference that is not local or does not resolve.
    pub fn dangling_refs(&self) -> Vec<SpecError> {
        self.references()
            .into_iter()
            .filter_map(|reference| {
                let message = if JsonPointer::from_fragment(&reference.target).is_none() {
                    format!(
                        "`{}` is not a reference inside this document; only `#/...` references are supported",
                        reference.target
                    )
                } else if self.resolve(&reference.target).is_none() {
                    format!("`{}` does not resolve: nothing is at that pointer", reference.target)
                } else {
                    return None;
                };
                Some(self.error(ErrorKind::Reference, reference.at, message))
            })
            .collect()
    }
}

/// How the members of the object being walked are to be read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    /// Members are OpenAPI keywords.
    Keywords,
    /// Members are names chosen by the spec's author (`properties`, and
    /// other maps of named things): never skipped as keywords.
    Names,
    /// The object is an Example object: its `value` is data.
    Example,
}

fn walk(node: &Value, at: &JsonPointer, context: Context, found: &mut Vec<Reference>) {
    match node {
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                walk(item, &at.join(index), Context::Keywords, found);
            }
        }
        Value::Object(members) => {
            for (key, value) in members {
                let here = at.join(key);
                if context == Context::Names {
                    walk(value, &here, Context::Keywords, found);
                    continue;
                }
                match key.as_str() {
                    "$ref" => {
                        if let Some(target) = value.as_str() {
                            found.push(Reference {
                                at: here,
                                target: target.to_owned(),
                            });
                        }
                    }
                    // Data, not document structure.
                    "example" | "default" | "enum" => {}
                    "value" if context == Context::Example => {}
                    key if key.starts_with("x-") => {}
                    "discriminator" => mapping_refs(value, &here, found),
                    "examples" => {
                        if let Some(examples) = value.as_object() {
                            for (name, example) in examples {
                                walk(example, &here.join(name), Context::Example, found);
                            }
                        }
                    }
                    "properties" => walk(value, &here, Context::Names, found),
                    _ => walk(value, &here, Context::Keywords, found),
                }
            }
        }
        _ => {}
    }
}

/// The targets of a discriminator's `mapping`: each a reference, or a bare
/// schema name that stands for `#/components/schemas/<name>`.
fn mapping_refs(discriminator: &Value, at: &JsonPointer, found: &mut Vec<Reference>) {
    let Some(mapping) = discriminator.get("mapping").and_then(Value::as_object) else {
        return;
    };
    let at = at.join("mapping");
    for (key, target) in mapping {
        let Some(target) = target.as_str() else {
            continue;
        };
        let target = if target.contains('#') || target.contains('/') {
            target.to_owned()
        } else {
            format!("#/components/schemas/{target}")
        };
        found.push(Reference {
            at: at.join(key),
            target,
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::Document;
    use serde_json::json;

    #[test]
    fn dangling_and_external_references_are_reported_where_they_are_written() {
        let doc = Document::from_value(
            "refs.json",
            json!({
                "components": {"schemas": {
                    "Ok": {"type": "object"},
                    "UsesBoth": {"properties": {
                        "good": {"$ref": "#/components/schemas/Ok"},
                        "bad": {"$ref": "#/components/schemas/Missing"},
                        "$ref": {"type": "string"},
                    }},
                    "Far": {"$ref": "other.yaml#/components/schemas/Ok"},
                    "Union": {
                        "oneOf": [{"$ref": "#/components/schemas/Ok"}],
                        "discriminator": {"propertyName": "kind", "mapping": {"ok": "Ok", "gone": "Gone"}},
                    },
                    "WithExample": {"example": {"$ref": "just data"}},
                }},
                "x-vendor": {"$ref": "#/not/checked"},
            }),
        );
        let found: Vec<(String, String)> = doc
            .dangling_refs()
            .into_iter()
            .map(|err| (err.pointer.to_string(), err.message))
            .collect();
        assert_eq!(found.len(), 3, "{found:#?}");
        assert_eq!(
            found[0].0,
            "/components/schemas/UsesBoth/properties/bad/$ref"
        );
        assert!(found[0].1.contains("does not resolve"));
        assert_eq!(found[1].0, "/components/schemas/Far/$ref");
        assert!(found[1].1.contains("only `#/...` references"));
        assert_eq!(
            found[2].0,
            "/components/schemas/Union/discriminator/mapping/gone"
        );
        assert!(found[2].1.contains("#/components/schemas/Gone"));
    }
}
