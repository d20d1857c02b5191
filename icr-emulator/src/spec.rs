//! The operation table, read from `spec/icr.openapi.yaml` when the emulator
//! starts (the file is embedded at build time, so a change to the spec is a
//! change to the emulator): for each operation its method and path, who may
//! call it, the permissions it needs, its parameters, the schema of its
//! request body, its success status and its example answer. Nothing here is
//! a hand-kept list.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use icr_codegen::Document;
use icr_codegen::permissions::{Catalog, Level, Requirement};
use serde_json::Value;

/// The spec the emulator serves.
pub(crate) const SPEC_TEXT: &str = include_str!("../spec/icr.openapi.yaml");
const SPEC_NAME: &str = "spec/icr.openapi.yaml";

/// Who may call an operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    /// The app itself, with its JWT (`/app/...`).
    App,
    /// An installation token meeting the requirement (operations marked
    /// "Works with ICR Apps.").
    Installation(Requirement),
    /// Any valid installation token, without a permission
    /// (`DELETE /installation/token`).
    AnyInstallation,
    /// A person only; installation tokens are refused.
    Person,
}

/// A parameter of an operation.
#[derive(Debug)]
pub(crate) struct Param {
    pub name: String,
    pub location: String,
    pub required: bool,
    /// The parameter's schema, as JSON Schema ready for a validator.
    pub schema: Value,
    /// Its validator, compiled on first use.
    pub validator: OnceLock<Option<jsonschema::Validator>>,
}

impl Param {
    /// Whether `value` is valid for the parameter.
    pub(crate) fn accepts(&self, value: &Value) -> bool {
        self.validator
            .get_or_init(|| compile(&self.schema))
            .as_ref()
            .is_none_or(|validator| validator.is_valid(value))
    }
}

/// One operation of the spec.
#[derive(Debug)]
pub(crate) struct Operation {
    pub id: String,
    pub method: String,
    /// The path template's segments, e.g. `["projects", "{projectId}"]`.
    pub segments: Vec<String>,
    pub template: String,
    pub access: Access,
    pub params: Vec<Param>,
    /// The JSON request body's schema (JSON Schema), and whether it is
    /// required.
    pub body: Option<(Value, bool)>,
    /// Whether the operation takes a body that is not JSON.
    pub raw_body: bool,
    pub success_status: u16,
    /// The success answer's media type and example, when it has a body.
    pub example: Option<(String, Value)>,
    /// The JSON Schema of the success answer's JSON body.
    pub response_schema: Option<Value>,
    pub validators: Validators,
}

/// Validators compiled on first use.
#[derive(Debug, Default)]
pub(crate) struct Validators {
    pub body: OnceLock<Option<jsonschema::Validator>>,
    pub response: OnceLock<Option<jsonschema::Validator>>,
}

/// Why a request matches no operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Miss {
    /// No operation has the path.
    NoPath,
    /// Operations have the path, with other methods: these (`HEAD` with
    /// `GET`).
    WrongMethod(Vec<String>),
}

/// The whole table.
#[derive(Debug)]
pub(crate) struct Spec {
    pub operations: Vec<Operation>,
    pub catalog: Catalog,
    /// What an installation must hold to be sent each webhook event.
    pub events: BTreeMap<String, Requirement>,
    /// `components/examples`, with YAML anchors expanded.
    pub examples: BTreeMap<String, Value>,
    /// `components/schemas/Error` as JSON Schema: the body of every error
    /// answer, which is checked against it like the success answers.
    pub error_schema: Option<Value>,
    pub error_validator: OnceLock<Option<jsonschema::Validator>>,
}

impl Spec {
    /// Reads the embedded spec. It is checked by `cargo xtask spec-check`,
    /// so an error here is a build of the emulator from a broken spec.
    pub(crate) fn load() -> Result<Self, String> {
        let doc = Document::parse(SPEC_NAME, SPEC_TEXT).map_err(|e| e.to_string())?;
        Self::from_document(&doc)
    }

    /// The embedded spec, read once per process and shared by every
    /// emulator (with the validators compiled so far).
    pub(crate) fn shared() -> Result<std::sync::Arc<Self>, String> {
        static SHARED: OnceLock<Result<std::sync::Arc<Spec>, String>> = OnceLock::new();
        SHARED
            .get_or_init(|| Self::load().map(std::sync::Arc::new))
            .clone()
    }

    pub(crate) fn from_document(doc: &Document) -> Result<Self, String> {
        let catalog = Catalog::from_document(doc).map_err(|errors| joined(&errors))?;
        let components = icr_codegen::json_schema::components(doc);
        let mut operations = Vec::new();
        for op in doc.operations() {
            let requirement = catalog
                .requirement(doc, &op)
                .map_err(|errors| joined(&errors))?;
            let security: Vec<String> = op
                .value
                .get("security")
                .or_else(|| doc.raw().get("security"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_object)
                .flat_map(|scheme| scheme.keys().cloned())
                .collect();
            let access = match requirement {
                Some(requirement) if op.is_marked() => Access::Installation(requirement),
                _ if security.iter().any(|s| s == "appJwt") => Access::App,
                _ if security.iter().any(|s| s == "installationToken") => Access::AnyInstallation,
                _ => Access::Person,
            };
            let id = op.operation_id().unwrap_or_default().to_owned();
            let mut params = Vec::new();
            let path_item = doc.raw().get("paths").and_then(|paths| paths.get(op.path));
            let declared = path_item
                .and_then(|item| item.get("parameters"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .chain(
                    op.value
                        .get("parameters")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten(),
                );
            for param in declared {
                let param = resolve(doc, param);
                let (Some(name), Some(location)) = (
                    param.get("name").and_then(Value::as_str),
                    param.get("in").and_then(Value::as_str),
                ) else {
                    continue;
                };
                let schema = param
                    .get("schema")
                    .and_then(|s| {
                        icr_codegen::json_schema::standalone(resolve(doc, s), &components)
                    })
                    .unwrap_or(Value::Bool(true));
                params.push(Param {
                    name: name.to_owned(),
                    location: location.to_owned(),
                    required: param
                        .get("required")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                    schema,
                    validator: OnceLock::new(),
                });
            }
            let (body, raw_body) = match op.value.get("requestBody").map(|b| resolve(doc, b)) {
                Some(request) => {
                    let required = request
                        .get("required")
                        .and_then(Value::as_bool)
                        .unwrap_or(false);
                    match request.pointer("/content/application~1json/schema") {
                        Some(schema) => (
                            icr_codegen::json_schema::standalone(schema, &components)
                                .map(|schema| (schema, required)),
                            false,
                        ),
                        None => (None, true),
                    }
                }
                None => (None, false),
            };
            let (success_status, example, response_schema) = success(doc, op.value, &components);
            operations.push(Operation {
                id,
                method: op.method.to_uppercase(),
                segments: segments(op.path),
                template: op.path.to_owned(),
                access,
                params,
                body,
                raw_body,
                success_status,
                example,
                response_schema,
                validators: Validators::default(),
            });
        }
        let examples = doc
            .raw()
            .pointer("/components/examples")
            .and_then(Value::as_object)
            .map(|examples| {
                examples
                    .iter()
                    .filter_map(|(name, e)| Some((name.clone(), e.get("value")?.clone())))
                    .collect()
            })
            .unwrap_or_default();
        let error_schema = icr_codegen::json_schema::standalone(
            &serde_json::json!({"$ref": "#/components/schemas/Error"}),
            &components,
        );
        let mut events = BTreeMap::new();
        for event in doc.webhooks() {
            if let Some(requirement) = catalog
                .requirement(doc, &event)
                .map_err(|errors| joined(&errors))?
            {
                events.insert(event.path.to_owned(), requirement);
            }
        }
        Ok(Self {
            operations,
            catalog,
            events,
            examples,
            error_schema,
            error_validator: OnceLock::new(),
        })
    }

    /// A copy of the example named `name` in `components/examples`.
    pub(crate) fn example(&self, name: &str) -> Value {
        self.examples.get(name).cloned().unwrap_or(Value::Null)
    }

    /// The levels a permission of the catalog has.
    pub(crate) fn levels(&self, permission: &str) -> Option<&[Level]> {
        self.catalog.get(permission).map(|p| p.levels.as_slice())
    }

    /// The operation whose template matches `method` and `path`, with the
    /// path parameters.
    pub(crate) fn route(
        &self,
        method: &str,
        path: &str,
    ) -> Result<(&Operation, BTreeMap<String, String>), Miss> {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        // `HEAD` is `GET` without the body, wherever there is a `GET`.
        let method = if method == "HEAD" { "GET" } else { method };
        let mut allowed: Vec<String> = Vec::new();
        // Literal segments win over parameters (`/user/emails` before
        // `/users/{username}`), so the most literal match is taken.
        let mut best: Option<(&Operation, BTreeMap<String, String>, usize)> = None;
        for op in &self.operations {
            let Some((values, literal)) = matches(&op.segments, &parts) else {
                continue;
            };
            if !allowed.contains(&op.method) {
                allowed.push(op.method.clone());
            }
            if op.method != method {
                continue;
            }
            if best.as_ref().is_none_or(|(_, _, l)| literal > *l) {
                best = Some((op, values, literal));
            }
        }
        if allowed.iter().any(|m| m == "GET") {
            allowed.push("HEAD".to_owned());
        }
        best.map(|(op, values, _)| (op, values))
            .ok_or(if !allowed.is_empty() {
                Miss::WrongMethod(allowed)
            } else {
                Miss::NoPath
            })
    }
}

fn matches(template: &[String], parts: &[&str]) -> Option<(BTreeMap<String, String>, usize)> {
    if template.len() != parts.len() {
        return None;
    }
    let mut values = BTreeMap::new();
    let mut literal = 0;
    for (segment, part) in template.iter().zip(parts) {
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) if !part.is_empty() => {
                values.insert(
                    name.to_owned(),
                    percent_encoding::percent_decode_str(part)
                        .decode_utf8_lossy()
                        .into_owned(),
                );
            }
            Some(_) => return None,
            None if segment == part => literal += 1,
            None => return None,
        }
    }
    Some((values, literal))
}

fn segments(path: &str) -> Vec<String> {
    path.trim_matches('/')
        .split('/')
        .map(str::to_owned)
        .collect()
}

fn resolve<'a>(doc: &'a Document, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => doc.resolve(reference).map_or(value, |(_, target)| target),
        None => value,
    }
}

/// The first 2xx answer: its status, its example (media type and value) and
/// its JSON schema.
fn success(
    doc: &Document,
    operation: &Value,
    components: &Value,
) -> (u16, Option<(String, Value)>, Option<Value>) {
    let Some(responses) = operation.get("responses").and_then(Value::as_object) else {
        return (200, None, None);
    };
    for (status, response) in responses {
        let Ok(code) = status.parse::<u16>() else {
            continue;
        };
        if !(200..300).contains(&code) {
            continue;
        }
        let response = resolve(doc, response);
        let Some((media, content)) = response
            .get("content")
            .and_then(Value::as_object)
            .and_then(|c| c.iter().next())
        else {
            return (code, None, None);
        };
        let example = content.get("example").cloned().or_else(|| {
            content
                .get("examples")
                .and_then(Value::as_object)
                .and_then(|e| e.values().next())
                .map(|e| resolve(doc, e))
                .and_then(|e| e.get("value").cloned())
        });
        let schema = (media == "application/json")
            .then(|| content.get("schema"))
            .flatten()
            .and_then(|s| icr_codegen::json_schema::standalone(s, components));
        return (code, example.map(|e| (media.clone(), e)), schema);
    }
    (200, None, None)
}

fn joined(errors: &[icr_codegen::SpecError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Compiles a JSON Schema; `None` if it does not compile (then nothing is
/// checked against it, and the spec check is where that shows).
pub(crate) fn compile(schema: &Value) -> Option<jsonschema::Validator> {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(schema)
        .ok()
}

/// Where a schema error is, as a field name: `/labels/0` → `labels[0]`.
pub(crate) fn field_of(pointer: &str) -> String {
    let mut field = String::new();
    for part in pointer.split('/').filter(|p| !p.is_empty()) {
        let part = part.replace("~1", "/").replace("~0", "~");
        if part.chars().all(|c| c.is_ascii_digit()) {
            field.push_str(&format!("[{part}]"));
        } else {
            if !field.is_empty() {
                field.push('.');
            }
            field.push_str(&part);
        }
    }
    field
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The checks are only as good as their validators: every schema the
    /// emulator checks requests and answers against must compile.
    #[test]
    fn every_schema_of_the_table_compiles() {
        let spec = Spec::load().unwrap();
        let mut checked = 0;
        for op in &spec.operations {
            let schemas = op
                .body
                .iter()
                .map(|(schema, _)| schema)
                .chain(&op.response_schema)
                .chain(op.params.iter().map(|p| &p.schema));
            for schema in schemas {
                assert!(compile(schema).is_some(), "{}: {schema}", op.id);
                checked += 1;
            }
        }
        assert!(checked > 200, "{checked}");
        let error = spec.error_schema.as_ref().unwrap();
        assert!(compile(error).is_some(), "{error}");
    }

    #[test]
    fn every_operation_is_found_by_its_own_path_and_literal_segments_win() {
        let spec = Spec::load().unwrap();
        for op in &spec.operations {
            let path: String = op
                .segments
                .iter()
                .map(|s| if s.starts_with('{') { "7" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            let (found, params) = spec.route(&op.method, &format!("/{path}")).unwrap();
            assert_eq!(found.template, op.template, "{}", op.id);
            assert!(params.values().all(|v| v == "7"));
        }
        let (_, params) = spec
            .route("GET", "/projects/7/labels/good%20first%20issue")
            .unwrap();
        assert_eq!(params["labelName"], "good first issue");
        let (op, _) = spec.route("GET", "/installation/projects").unwrap();
        assert_eq!(op.id, "apps/listInstallationProjects");
        assert_eq!(
            spec.route("PUT", "/meta").unwrap_err(),
            Miss::WrongMethod(vec!["GET".to_owned(), "HEAD".to_owned()])
        );
        assert_eq!(
            spec.route("HEAD", "/meta")
                .map(|(op, _)| op.method.as_str()),
            Ok("GET")
        );
        assert_eq!(spec.route("GET", "/nowhere").unwrap_err(), Miss::NoPath);
    }

    #[test]
    fn access_follows_the_marker_and_the_security_schemes() {
        let spec = Spec::load().unwrap();
        let access = |id: &str| {
            spec.operations
                .iter()
                .find(|op| op.id == id)
                .map(|op| op.access.clone())
                .unwrap()
        };
        assert_eq!(access("apps/createInstallationAccessToken"), Access::App);
        assert_eq!(
            access("apps/revokeInstallationAccessToken"),
            Access::AnyInstallation
        );
        assert_eq!(access("users/listEmails"), Access::Person);
        let Access::Installation(requirement) = access("labels/listProjectLabels") else {
            panic!("labels are marked");
        };
        assert_eq!(requirement.to_string(), "issues: read or projects: read");
    }

    #[test]
    fn schema_error_paths_read_as_fields() {
        assert_eq!(field_of("/labels/0"), "labels[0]");
        assert_eq!(field_of("/rename/from"), "rename.from");
        assert_eq!(field_of(""), "");
    }
}
