//! `cargo xtask spec-check`: checks a spec against the rules of
//! `spec/README.md` and reports every problem with the JSON pointer of the
//! node at fault.
//!
//! The rules: the document parses as OpenAPI 3.0; every `$ref` resolves;
//! every operation has a unique `operationId` shaped `tag/verbNoun`; an
//! operation carries the marker sentence if and only if it lists the
//! permissions it needs, and those name permissions and levels of the
//! catalog; every operation declares a `default` (error) answer; every
//! property and parameter has a description of its own; every response
//! body has an example; and every example validates against its schema
//! (with the `jsonschema` crate, after turning OpenAPI's dialect into
//! JSON Schema as OpenAPI 3.0.3 reads it: `nullable` widens only a schema
//! with a `type`, and an `enum` must list `null` to allow it).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::path::Path;

use icr_codegen::error::ErrorKind;
use icr_codegen::permissions::{Catalog, REQUIREMENT_EXTENSION};
use icr_codegen::{Document, JsonPointer, MARKER, SpecError};
use serde_json::{Map, Value};

/// The ICR spec, relative to the workspace root.
pub(crate) const ICR_SPEC: &str = "spec/icr.openapi.yaml";

/// What a check found.
pub(crate) struct Report {
    pub(crate) file: String,
    pub(crate) problems: Vec<SpecError>,
    pub(crate) stats: Stats,
}

/// Counts for the summary line.
#[derive(Default)]
pub(crate) struct Stats {
    pub(crate) operations: usize,
    pub(crate) marked: usize,
    pub(crate) tags: usize,
    pub(crate) permissions: usize,
    pub(crate) examples: usize,
    pub(crate) events: usize,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for problem in &self.problems {
            writeln!(f, "{problem}")?;
        }
        let Stats {
            operations,
            marked,
            tags,
            permissions,
            examples,
            events,
        } = self.stats;
        let share = (marked * 100).checked_div(operations).unwrap_or(0);
        writeln!(
            f,
            "{}: {operations} operations over {tags} tags, {marked} marked \"{MARKER}\" ({share}%), \
             {permissions} permissions in the catalog, {events} webhook events, {examples} examples validated",
            self.file
        )?;
        match self.problems.len() {
            0 => writeln!(f, "no problems"),
            1 => writeln!(f, "1 problem"),
            n => writeln!(f, "{n} problems"),
        }
    }
}

/// Reads and checks the spec at `path`, naming it `shown` in the report.
pub(crate) fn check_file(path: &Path, shown: &str) -> Report {
    match Document::read(path) {
        Ok(doc) => check(&Document::from_value(shown, doc.raw().clone())),
        Err(err) => Report {
            file: shown.to_owned(),
            problems: vec![SpecError {
                file: shown.to_owned(),
                ..err
            }],
            stats: Stats::default(),
        },
    }
}

/// Checks a loaded spec and reports every problem.
pub(crate) fn check(doc: &Document) -> Report {
    let mut problems = Vec::new();
    let mut stats = Stats::default();
    if let Err(err) = doc.openapi() {
        problems.push(err);
    }
    let dangling = doc.dangling_refs();
    let refs_resolve = dangling.is_empty();
    problems.extend(dangling);
    // A broken catalog would make every requirement look wrong: report the
    // catalog and skip the requirements' names rather than cascade.
    let catalog = match Catalog::from_document(doc) {
        Ok(catalog) => Some(catalog),
        Err(errors) => {
            problems.extend(errors);
            None
        }
    };
    stats.permissions = catalog.as_ref().map_or(0, |c| c.permissions.len());
    check_operations(doc, catalog.as_ref(), &mut problems, &mut stats);
    check_webhooks(doc, catalog.as_ref(), &mut problems, &mut stats);
    check_nullable(doc, doc.raw(), &JsonPointer::root(), &mut problems);
    check_descriptions(doc.raw(), &JsonPointer::root(), doc, &mut problems);
    check_examples(doc, refs_resolve, &mut problems, &mut stats);
    Report {
        file: doc.origin().to_owned(),
        problems,
        stats,
    }
}

/// The headers every webhook delivery carries (`spec/README.md`).
const DELIVERY_HEADERS: [&str; 3] = ["X-ICR-Event", "X-ICR-Delivery", "X-ICR-Signature-256"];

/// `x-webhooks`: each entry an event, shaped like a path item with one
/// `post`: the permissions an installation needs to be sent it, the
/// delivery headers, and a payload schema (a component) that carries the
/// event's name (signed, unlike the header), `installation.id` and the
/// organization. The event's name is one the
/// API knows (`WebhookEventName`).
fn check_webhooks(
    doc: &Document,
    catalog: Option<&Catalog>,
    problems: &mut Vec<SpecError>,
    stats: &mut Stats,
) {
    let Some(node) = doc.raw().get("x-webhooks") else {
        return;
    };
    let root = JsonPointer::root().join("x-webhooks");
    let Some(events) = node.as_object() else {
        problems.push(doc.error(
            ErrorKind::Structure,
            root,
            "`x-webhooks` must map event names to path items",
        ));
        return;
    };
    let known: Option<HashSet<&str>> = doc
        .raw()
        .pointer("/components/schemas/WebhookEventName/enum")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect());
    for (name, item) in events {
        stats.events += 1;
        let mut found = Vec::new();
        let mut problem = |pointer: JsonPointer, message: String| {
            found.push(doc.error(ErrorKind::Structure, pointer, message));
        };
        let at = root.join(name);
        if known
            .as_ref()
            .is_some_and(|known| !known.contains(name.as_str()))
        {
            problem(
                at.clone(),
                format!("event `{name}` is not one of `WebhookEventName`'s values"),
            );
        }
        let Some(post) = item.get("post").filter(|post| post.is_object()) else {
            problem(
                at,
                format!("event `{name}` must describe its delivery as a `post`"),
            );
            problems.extend(found);
            continue;
        };
        let at = at.join("post");
        match post.get(REQUIREMENT_EXTENSION) {
            None => problem(
                at.clone(),
                format!(
                    "event `{name}` must list the permissions an installation needs to receive it in `{REQUIREMENT_EXTENSION}`"
                ),
            ),
            Some(_) => {
                if let Some(catalog) = catalog {
                    let event = icr_codegen::OperationRef {
                        pointer: at.clone(),
                        path: name,
                        method: "post",
                        value: post,
                    };
                    if let Err(errors) = catalog.requirement(doc, &event) {
                        problems.extend(errors);
                    }
                }
            }
        }
        let headers: HashSet<&str> = post
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(
                |parameter| match parameter.get("$ref").and_then(Value::as_str) {
                    Some(reference) => doc.resolve(reference).map(|(_, target)| target),
                    None => Some(parameter),
                },
            )
            .filter(|parameter| parameter.get("in").and_then(Value::as_str) == Some("header"))
            .filter_map(|parameter| parameter.get("name").and_then(Value::as_str))
            .collect();
        for header in DELIVERY_HEADERS {
            if !headers.contains(header) {
                problem(
                    at.join("parameters"),
                    format!("event `{name}` does not declare the delivery header `{header}`"),
                );
            }
        }
        let schema_at = at
            .join("requestBody")
            .join("content")
            .join("application/json")
            .join("schema");
        let payload = post
            .pointer("/requestBody/content/application~1json/schema/$ref")
            .and_then(Value::as_str)
            .and_then(|reference| doc.resolve(reference));
        let Some((payload_at, payload)) = payload else {
            problem(
                schema_at,
                format!("event `{name}` must give its JSON payload as a `$ref` to a schema"),
            );
            problems.extend(found);
            continue;
        };
        let required: HashSet<&str> = payload
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for property in ["event", "installation", "organization"] {
            if payload
                .pointer(&format!("/properties/{property}"))
                .is_none()
                || !required.contains(property)
            {
                problem(
                    payload_at.clone(),
                    format!("the payload of event `{name}` must require `{property}`"),
                );
            }
        }
        let installation =
            payload
                .pointer("/properties/installation")
                .map(|schema| match reference_of(schema) {
                    Some(reference) => doc.resolve(reference).map(|(_, target)| target),
                    None => Some(schema),
                });
        if let Some(Some(installation)) = installation
            && installation.pointer("/properties/id").is_none()
        {
            problem(
                payload_at.join("properties").join("installation"),
                format!("the `installation` of event `{name}` must have an `id`"),
            );
        }
        problems.extend(found);
    }
}

/// The component a schema names: a `$ref`, or a one-member `allOf` of one
/// (the form a documented reference takes, since OpenAPI 3.0 ignores what
/// stands beside a `$ref`).
fn reference_of(schema: &Value) -> Option<&str> {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return Some(reference);
    }
    match schema.get("allOf").and_then(Value::as_array)?.as_slice() {
        [only] => only.get("$ref").and_then(Value::as_str),
        _ => None,
    }
}

/// Every property of every schema and every parameter says what it is, in
/// more words than its name: the generated docs carry it (with the
/// schema's default, bounds and values, which the description leaves to the
/// keywords). A property that is a bare `$ref` cannot carry one (OpenAPI
/// 3.0 ignores what stands beside a `$ref`), so it is written as a
/// one-member `allOf` with the description beside it.
fn check_descriptions(
    node: &Value,
    at: &JsonPointer,
    doc: &Document,
    problems: &mut Vec<SpecError>,
) {
    let Value::Object(members) = node else {
        if let Value::Array(items) = node {
            for (index, item) in items.iter().enumerate() {
                check_descriptions(item, &at.join(index), doc, problems);
            }
        }
        return;
    };
    let mut missing = |at: JsonPointer, what: String, node: &Value, name: &str| {
        let text = node
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("");
        let words: String = text.chars().filter(|c| c.is_alphanumeric()).collect();
        let name: String = name.chars().filter(|c| c.is_alphanumeric()).collect();
        let message = if node.get("$ref").is_some() {
            if text.is_empty() {
                format!(
                    "{what} has no description; write it as `{{description: …, allOf: [{{$ref: …}}]}}`, since OpenAPI 3.0 ignores what stands beside a `$ref`"
                )
            } else {
                format!(
                    "{what}'s description stands beside a `$ref`, where OpenAPI 3.0 ignores it; write `{{description: …, allOf: [{{$ref: …}}]}}`"
                )
            }
        } else if text.trim().is_empty() {
            format!("{what} has no description; say what it means (the generated docs carry it)")
        } else if words.eq_ignore_ascii_case(&name) {
            format!("{what}'s description only repeats its name; say what it means")
        } else {
            return;
        };
        problems.push(doc.error(ErrorKind::Structure, at, message));
    };
    if let Some(Value::Object(properties)) = members.get("properties") {
        for (name, property) in properties {
            missing(
                at.join("properties").join(name.as_str()),
                format!("property `{name}`"),
                property,
                name,
            );
        }
    }
    if let (Some(Value::String(name)), Some(Value::String(place)), None) =
        (members.get("name"), members.get("in"), members.get("$ref"))
    {
        missing(
            at.clone(),
            format!("the {place} parameter `{name}`"),
            node,
            name,
        );
    }
    for (key, value) in members {
        match (key.as_str(), value) {
            // Examples are values, not schemas or parameters.
            ("example" | "examples", _) => {}
            // A schema's members are schemas, each read as one: the map
            // itself is not a node (a member may be named `properties`,
            // `name` or `in`).
            ("properties", Value::Object(properties)) => {
                for (name, property) in properties {
                    let at = at.join("properties").join(name.as_str());
                    check_descriptions(property, &at, doc, problems);
                }
            }
            _ => check_descriptions(value, &at.join(key.as_str()), doc, problems),
        }
    }
}

/// `nullable: true` beside no `type` says nothing in OpenAPI 3.0.3 (it
/// widens only a typed schema), so the standard tools ignore it: where it
/// is meant, it is written another way (`spec/README.md`).
fn check_nullable(doc: &Document, node: &Value, at: &JsonPointer, problems: &mut Vec<SpecError>) {
    match node {
        Value::Object(members) => {
            if members.get("nullable") == Some(&Value::Bool(true)) && !members.contains_key("type")
            {
                problems.push(doc.error(
                    ErrorKind::Structure,
                    at.join("nullable"),
                    "`nullable: true` without a `type` allows nothing more in OpenAPI 3.0.3; give the schema its `type`, or for a reference write `anyOf: [{$ref: …}, {$ref: '#/components/schemas/NullValue'}]`".to_owned(),
                ));
            }
            for (key, value) in members {
                // Examples are values, not schemas.
                if key != "example" && key != "examples" {
                    check_nullable(doc, value, &at.join(key.as_str()), problems);
                }
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                check_nullable(doc, item, &at.join(index), problems);
            }
        }
        _ => {}
    }
}

fn check_operations(
    doc: &Document,
    catalog: Option<&Catalog>,
    problems: &mut Vec<SpecError>,
    stats: &mut Stats,
) {
    let declared: HashSet<&str> = doc
        .raw()
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|tag| tag.get("name").and_then(Value::as_str))
        .collect();
    let mut used_tags = BTreeSet::new();
    let mut ids: HashMap<&str, JsonPointer> = HashMap::new();
    for op in doc.operations() {
        stats.operations += 1;
        let mut problem = |pointer: JsonPointer, kind: ErrorKind, message: String| {
            problems.push(op.error(doc, kind, pointer, message));
        };
        let tags = op.tags();
        if tags.is_empty() {
            problem(
                op.pointer.clone(),
                ErrorKind::Structure,
                "the operation has no tags".to_owned(),
            );
        }
        for (index, tag) in tags.iter().enumerate() {
            used_tags.insert(*tag);
            if !declared.contains(tag) {
                problem(
                    op.pointer.join("tags").join(index),
                    ErrorKind::Structure,
                    format!("tag `{tag}` is not declared in the document's `tags`"),
                );
            }
        }
        match op.operation_id() {
            None => problem(
                op.pointer.clone(),
                ErrorKind::Structure,
                format!(
                    "{} {} has no operationId; every operation needs one shaped `tag/verbNoun`",
                    op.method, op.path
                ),
            ),
            Some(id) => {
                let at = op.pointer.join("operationId");
                if let Some(first) = ids.get(id) {
                    problem(
                        at.clone(),
                        ErrorKind::Structure,
                        format!("operationId `{id}` is already used at {first}"),
                    );
                } else {
                    ids.insert(id, op.pointer.clone());
                }
                if let Some(message) = operation_id_shape(id, tags.first().copied()) {
                    problem(at, ErrorKind::Structure, message);
                }
            }
        }
        // Every error an operation can give is declared: a `default`
        // answer (the shared `Error`) covers those it does not list.
        if op
            .value
            .get("responses")
            .is_some_and(|responses| responses.get("default").is_none())
        {
            problem(
                op.pointer.join("responses"),
                ErrorKind::Structure,
                "the operation declares no `default` answer; add `default: {$ref: '#/components/responses/Error'}` so that every error it can give is declared".to_owned(),
            );
        }
        let marked = op.is_marked();
        let lists_permissions = op.value.get(REQUIREMENT_EXTENSION).is_some();
        if marked {
            stats.marked += 1;
        }
        match (marked, lists_permissions) {
            (true, false) => problem(
                op.pointer.join("description"),
                ErrorKind::Permission,
                format!(
                    "the description says \"{MARKER}\" but the operation lists no `{REQUIREMENT_EXTENSION}`"
                ),
            ),
            (false, true) => problem(
                op.pointer.join(REQUIREMENT_EXTENSION),
                ErrorKind::Permission,
                format!(
                    "the operation lists `{REQUIREMENT_EXTENSION}` but its description lacks the marker \"{MARKER}\""
                ),
            ),
            _ => {}
        }
        if let Some(catalog) = catalog
            && let Err(errors) = catalog.requirement(doc, &op)
        {
            problems.extend(errors);
        }
    }
    stats.tags = used_tags.len();
}

/// Why `id` is not shaped `tag/verbNoun` with the operation's first tag, if
/// it is not.
fn operation_id_shape(id: &str, first_tag: Option<&str>) -> Option<String> {
    let Some((tag, name)) = id.split_once('/') else {
        return Some(format!("operationId `{id}` is not shaped `tag/verbNoun`"));
    };
    if Some(tag) != first_tag {
        return Some(format!(
            "operationId `{id}` starts with `{tag}` but the operation's first tag is `{}`",
            first_tag.unwrap_or("(none)")
        ));
    }
    let verb_then_noun = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric())
        && name.chars().any(|c| c.is_ascii_uppercase());
    (!verb_then_noun).then(|| {
        format!(
            "`{name}` in operationId `{id}` is not a camelCase verb and noun such as `listIssues`"
        )
    })
}

/// Validates examples and checks that every response body has one.
struct ExampleChecker<'a> {
    doc: &'a Document,
    /// `components`, turned into JSON Schema, for `$ref`s to resolve in.
    components: Value,
    /// Whether every reference resolves; when not, schemas that cannot be
    /// built are already explained by the reference check.
    refs_resolve: bool,
    problems: Vec<SpecError>,
    reported: HashSet<(String, String)>,
    complaints: HashSet<(JsonPointer, String)>,
    validated: HashSet<(JsonPointer, String)>,
}

fn check_examples(
    doc: &Document,
    refs_resolve: bool,
    problems: &mut Vec<SpecError>,
    stats: &mut Stats,
) {
    let mut checker = ExampleChecker {
        doc,
        components: icr_codegen::json_schema::components(doc),
        refs_resolve,
        problems: Vec::new(),
        reported: HashSet::new(),
        complaints: HashSet::new(),
        validated: HashSet::new(),
    };
    checker.walk(doc.raw(), &JsonPointer::root(), false);
    checker.response_examples();
    stats.examples = checker.validated.len();
    problems.append(&mut checker.problems);
}

impl ExampleChecker<'_> {
    /// Finds every place that holds a schema beside examples (media types,
    /// parameters, headers) and every schema with an `example` of its own.
    fn walk(&mut self, node: &Value, at: &JsonPointer, in_names: bool) {
        match node {
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    self.walk(item, &at.join(index), false);
                }
            }
            Value::Object(members) => {
                if !in_names {
                    self.site(members, at);
                }
                for (key, value) in members {
                    if !in_names
                        && (matches!(key.as_str(), "example" | "examples" | "default" | "enum")
                            || key.starts_with("x-"))
                    {
                        continue;
                    }
                    self.walk(value, &at.join(key), !in_names && key == "properties");
                }
            }
            _ => {}
        }
    }

    fn site(&mut self, members: &Map<String, Value>, at: &JsonPointer) {
        let schema_at = at.join("schema");
        let schema = match members.get("schema") {
            Some(schema @ Value::Object(_)) => Some(schema),
            _ => None,
        };
        let is_schema = members.contains_key("type")
            || members.contains_key("allOf")
            || members.contains_key("oneOf")
            || members.contains_key("anyOf")
            || members.contains_key("properties");
        if let Some(example) = members.get("example") {
            match (schema, is_schema) {
                (Some(schema), _) => self.validate(example, at.join("example"), schema, &schema_at),
                (None, true) => self.validate(
                    example,
                    at.join("example"),
                    &Value::Object(members.clone()),
                    at,
                ),
                (None, false) => {}
            }
        }
        let (Some(schema), Some(Value::Object(examples))) = (schema, members.get("examples"))
        else {
            return;
        };
        for (name, example) in examples {
            let mut here = at.join("examples").join(name);
            let mut example = example;
            if let Some(reference) = example.get("$ref").and_then(Value::as_str) {
                // A dangling reference is reported by the reference check.
                let Some((target, value)) = self.doc.resolve(reference) else {
                    continue;
                };
                here = target;
                example = value;
            }
            match example.get("value") {
                Some(value) => self.validate(value, here.join("value"), schema, &schema_at),
                None => self.report(
                    here,
                    "an Example object needs a `value` (external values are not supported)"
                        .to_owned(),
                ),
            }
        }
    }

    fn validate(
        &mut self,
        example: &Value,
        at: JsonPointer,
        schema: &Value,
        schema_at: &JsonPointer,
    ) {
        // A schema that is only a reference is named by its target, so one
        // example shared by many responses is validated and reported once.
        let schema_name = match schema.get("$ref").and_then(Value::as_str) {
            Some(reference) if schema.as_object().is_some_and(|s| s.len() == 1) => {
                reference.to_owned()
            }
            _ => schema_at.to_string(),
        };
        if !self.validated.insert((at.clone(), schema_name.clone())) {
            return;
        }
        let Some(root) = icr_codegen::json_schema::standalone(schema, &self.components) else {
            return self.report(
                schema_at.clone(),
                format!("a schema must be an object, not {schema}"),
            );
        };
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&root);
        let validator = match validator {
            Ok(validator) => validator,
            Err(_) if !self.refs_resolve => return,
            Err(err) => {
                return self.report(
                    schema_at.clone(),
                    format!("the schema cannot be used to validate examples: {err}"),
                );
            }
        };
        let errors: Vec<(JsonPointer, String)> = validator
            .iter_errors(example)
            .map(|err| {
                let pointer = at
                    .concat(err.instance_path().as_str())
                    .unwrap_or_else(|| at.clone());
                (pointer, readable(&err))
            })
            .collect();
        for (pointer, complaint) in errors {
            // One bad value is reported once, however many responses share
            // the example; the first schema it was checked against is named.
            if self.complaints.insert((pointer.clone(), complaint.clone())) {
                self.report(
                    pointer,
                    format!("the example does not match the schema `{schema_name}`: {complaint}"),
                );
            }
        }
    }

    /// Every response body of every operation has an example.
    fn response_examples(&mut self) {
        let doc = self.doc;
        let mut seen = HashSet::new();
        for op in doc.operations() {
            let Some(responses) = op.value.get("responses").and_then(Value::as_object) else {
                continue;
            };
            for (status, response) in responses {
                let mut at = op.pointer.join("responses").join(status);
                let mut response = response;
                if let Some(reference) = response.get("$ref").and_then(Value::as_str) {
                    let Some((target, value)) = doc.resolve(reference) else {
                        continue;
                    };
                    at = target;
                    response = value;
                }
                let Some(content) = response.get("content").and_then(Value::as_object) else {
                    continue;
                };
                for (media_type, body) in content {
                    let here = at.join("content").join(media_type);
                    let has_example = body.get("example").is_some()
                        || body
                            .get("examples")
                            .and_then(Value::as_object)
                            .is_some_and(|e| !e.is_empty());
                    if !has_example && seen.insert(here.clone()) {
                        let message = "the response body has no `example`; the emulator and the docs need one".to_owned();
                        self.problems
                            .push(op.error(doc, ErrorKind::Structure, here, message));
                    }
                }
            }
        }
    }

    fn report(&mut self, pointer: JsonPointer, message: String) {
        if self.reported.insert((pointer.to_string(), message.clone())) {
            self.problems
                .push(self.doc.error(ErrorKind::Structure, pointer, message));
        }
    }
}

/// A validator's message, with a large quoted value replaced by "the value"
/// (the pointer already says which value it is).
fn readable(err: &jsonschema::ValidationError<'_>) -> String {
    let message = err.to_string();
    let quoted = err.instance().to_string();
    match message.strip_prefix(&quoted) {
        Some(rest) if quoted.len() > 40 => format!("the value{rest}"),
        _ => message,
    }
}

#[cfg(test)]
mod tests;
