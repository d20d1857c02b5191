//! The model stage: a loaded [`Document`] → [`Api`], our own model of the
//! operations to generate and the types they use.
//!
//! Component schemas are lowered when an operation first uses one, so the
//! model holds only the types that generated code needs; their names are
//! reserved up front so that an inline type never takes a component's name.
//! Every problem is collected as a [`SpecError`] with its pointer and
//! operation; nothing panics on spec data.

use std::collections::{HashMap, HashSet};

use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, IntegerFormat, NumberFormat, Parameter, ParameterSchemaOrContent,
    QueryStyle, ReferenceOr, RequestBody, Response, Schema, SchemaKind, StatusCode, StringFormat,
    Type, VariantOrUnknownOrEmpty,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ErrorKind;
use crate::model::{
    Api, ArrayStyle, Body, ClientKind, Encoding, EnumVariant, Field, Location, Operation, Options,
    Paging, Param, Prim, ResponseShape, ResponseVariant, Summary, Ty, TypeDef, TypeKind,
    UnionVariant,
};
use crate::naming::{Names, pascal, snake};
use crate::permissions::Catalog;
use crate::{Document, JsonPointer, OperationRef, SpecError};

/// The reason recorded for operations that are neither marked nor take the
/// app's JWT.
pub const SKIPPED_UNMARKED: &str =
    "not marked \"Works with ICR Apps.\" and not an app (JWT) endpoint";

/// The reason recorded for operations that answer nothing a typed
/// function can return: no `2XX` and no `default` answer, only a redirect
/// to elsewhere (`302` to a download), a protocol switch (`101`) or errors.
pub const SKIPPED_NO_SUCCESS: &str =
    "no success (2xx or default) answer to return (only redirects, protocol switches or errors)";

const COMPONENT_SCHEMAS: &str = "#/components/schemas/";

/// The module of the webhook events, and of the models only they use.
pub const EVENTS_MODULE: &str = "events";

mod events;
mod merge;

/// Lowers `doc` into the model of what to generate.
pub fn lower(doc: &Document) -> Result<Api, Vec<SpecError>> {
    let openapi = doc.openapi().map_err(|err| vec![err])?;
    let dangling = doc.dangling_refs();
    if !dangling.is_empty() {
        return Err(dangling);
    }
    let catalog = Catalog::from_document(doc)?;
    let mut lowerer = Lowerer::new(doc, &openapi, catalog);
    for operation in doc.operations() {
        lowerer.operation(&operation);
    }
    for event in doc.webhooks() {
        lowerer.event(&event);
    }
    if !lowerer.errors.is_empty() {
        return Err(lowerer.errors);
    }
    lowerer.mark_recursion();
    lowerer.settle_type_names();
    merge::identical_types(
        &mut lowerer.types,
        &mut lowerer.operations,
        &mut lowerer.events,
    );
    Ok(Api {
        title: openapi.info.title.clone(),
        platform: platform(doc, &openapi.info.title),
        operations: lowerer.operations,
        types: lowerer.types,
        events: lowerer.events,
        catalog: lowerer.catalog,
        summary: lowerer.summary,
    })
}

/// A schema as written: a reference or inline.
enum SchemaRef<'s> {
    Ref(&'s str),
    Inline(&'s Schema),
}

impl<'s> From<&'s ReferenceOr<Schema>> for SchemaRef<'s> {
    fn from(schema: &'s ReferenceOr<Schema>) -> Self {
        match schema {
            ReferenceOr::Reference { reference } => SchemaRef::Ref(reference),
            ReferenceOr::Item(schema) => SchemaRef::Inline(schema),
        }
    }
}

impl<'s> From<&'s ReferenceOr<Box<Schema>>> for SchemaRef<'s> {
    fn from(schema: &'s ReferenceOr<Box<Schema>>) -> Self {
        match schema {
            ReferenceOr::Reference { reference } => SchemaRef::Ref(reference),
            ReferenceOr::Item(schema) => SchemaRef::Inline(schema),
        }
    }
}

/// What lowering one schema gives: a type that needs no definition of its
/// own, or the kind of a type to define.
enum Lowered {
    Type(Ty),
    Def(TypeKind, Option<String>),
}

/// The properties of an object schema, gathered across `allOf` parts.
#[derive(Default)]
struct ObjectParts {
    properties: IndexMap<String, (ReferenceOr<Box<Schema>>, JsonPointer)>,
    required: HashSet<String>,
    additional: Option<(AdditionalProperties, JsonPointer)>,
}

impl ObjectParts {
    /// The parts of one object schema at `at`.
    fn of(
        properties: &IndexMap<String, ReferenceOr<Box<Schema>>>,
        required: &[String],
        additional: Option<&AdditionalProperties>,
        at: &JsonPointer,
    ) -> Self {
        let mut parts = Self::default();
        add_properties(&mut parts, properties, required, additional, at);
        parts
    }
}

struct Lowerer<'a> {
    doc: &'a Document,
    openapi: &'a openapiv3::OpenAPI,
    catalog: Catalog,
    operations: Vec<Operation>,
    types: Vec<TypeDef>,
    events: Vec<crate::model::Event>,
    /// Component schema name → its type, once lowered.
    components: HashMap<String, usize>,
    /// Function names taken, by module.
    function_names: HashMap<String, Names>,
    /// Type names taken in each tag module (the calls, options structs and
    /// answer enums of its functions).
    type_names: HashMap<String, Names>,
    /// The module of each tag, and the module names taken (`models` and `permissions` are).
    tag_modules: HashMap<String, String>,
    module_names: Names,
    summary: Summary,
    errors: Vec<SpecError>,
    /// The operation being lowered, for errors.
    operation_id: Option<String>,
    /// The module new types go to.
    module: String,
    /// Inline schemas already lowered, by pointer: one node of the spec is
    /// one Rust type, however many places use it.
    inline_types: HashMap<JsonPointer, (Ty, bool)>,
}

impl<'a> Lowerer<'a> {
    fn new(doc: &'a Document, openapi: &'a openapiv3::OpenAPI, catalog: Catalog) -> Self {
        Self {
            doc,
            openapi,
            catalog,
            operations: Vec::new(),
            types: Vec::new(),
            events: Vec::new(),
            components: HashMap::new(),
            function_names: HashMap::new(),
            type_names: HashMap::new(),
            tag_modules: HashMap::new(),
            // `rt` is how generated modules import the runtime.
            module_names: Names::with_reserved(["models", "permissions", "rt", EVENTS_MODULE]),
            summary: Summary::default(),
            errors: Vec::new(),
            operation_id: None,
            module: String::new(),
            inline_types: HashMap::new(),
        }
    }

    fn error(&mut self, kind: ErrorKind, pointer: JsonPointer, message: impl Into<String>) {
        let error = SpecError {
            operation_id: self.operation_id.clone(),
            ..self.doc.error(kind, pointer, message)
        };
        self.errors.push(error);
    }

    /// Reads a node of the raw document as a typed OpenAPI object.
    fn parse<T: DeserializeOwned>(&mut self, value: &Value, at: &JsonPointer) -> Option<T> {
        // Read from the tree in place (`&Value` is a deserializer).
        match T::deserialize(value) {
            Ok(parsed) => Some(parsed),
            Err(err) => {
                self.error(
                    ErrorKind::Structure,
                    at.clone(),
                    format!("not a valid OpenAPI 3.0 node: {err}"),
                );
                None
            }
        }
    }

    /// Follows `reference` to a typed object and its pointer.
    fn follow<T: DeserializeOwned>(
        &mut self,
        reference: &str,
        at: &JsonPointer,
    ) -> Option<(T, JsonPointer)> {
        let Some((target, value)) = self.doc.resolve(reference) else {
            self.error(
                ErrorKind::Reference,
                at.clone(),
                format!("`{reference}` does not resolve"),
            );
            return None;
        };
        let parsed = self.parse(value, &target)?;
        Some((parsed, target))
    }

    /// An object that may be a reference, followed to the object itself.
    fn item<T: DeserializeOwned + Clone>(
        &mut self,
        node: &ReferenceOr<T>,
        at: &JsonPointer,
    ) -> Option<(T, JsonPointer)> {
        match node {
            ReferenceOr::Item(item) => Some((item.clone(), at.clone())),
            ReferenceOr::Reference { reference } => self.follow(reference, at),
        }
    }

    // ---- Operations ---------------------------------------------------

    fn operation(&mut self, operation_ref: &OperationRef<'_>) {
        self.summary.read += 1;
        let label = match operation_ref.operation_id() {
            Some(id) => id.to_owned(),
            None => format!(
                "{} {}",
                operation_ref.method.to_uppercase(),
                operation_ref.path
            ),
        };
        self.operation_id = operation_ref.operation_id().map(str::to_owned);
        let at = operation_ref.pointer.clone();
        let Some(operation) = self.parse::<openapiv3::Operation>(operation_ref.value, &at) else {
            return;
        };
        let marked = operation_ref.is_marked();
        if marked {
            self.summary.marked += 1;
        }
        let client = if marked {
            ClientKind::Installation
        } else if self.takes_app_jwt(&operation) {
            ClientKind::App
        } else {
            self.summary
                .skipped
                .entry(SKIPPED_UNMARKED.to_owned())
                .or_default()
                .push(label);
            return;
        };
        // Decided before anything of it is lowered, so that a skipped
        // operation leaves no types and takes no names.
        let answers_something = operation.responses.default.is_some()
            || operation.responses.responses.keys().any(|code| match code {
                StatusCode::Code(code) => (200..300).contains(code),
                StatusCode::Range(range) => *range == 2,
            });
        if !answers_something {
            self.summary
                .skipped
                .entry(SKIPPED_NO_SUCCESS.to_owned())
                .or_default()
                .push(label);
            return;
        }
        let requirement = if marked {
            match self.catalog.requirement(self.doc, operation_ref) {
                Ok(Some(requirement)) => Some(requirement),
                // A marked operation's function states what it needs when it
                // sends; with nothing listed it could only send unchecked.
                Ok(None) => {
                    self.errors.push(operation_ref.error(
                        self.doc,
                        ErrorKind::Permission,
                        at.clone(),
                        format!(
                            "the operation is marked \"{}\" but lists no permissions; add `{}`",
                            crate::MARKER,
                            crate::permissions::REQUIREMENT_EXTENSION
                        ),
                    ));
                    return;
                }
                Err(errors) => {
                    self.errors.extend(errors);
                    return;
                }
            }
        } else {
            None
        };

        let tag = operation.tags.first().map_or("default", String::as_str);
        let module = match self.tag_modules.get(tag) {
            Some(module) => module.clone(),
            None => {
                let module = self.module_names.unique(snake(tag));
                self.tag_modules.insert(tag.to_owned(), module.clone());
                module
            }
        };
        let base_name = match &operation.operation_id {
            Some(id) => snake(id.rsplit('/').next().unwrap_or(id)),
            None => snake(&format!("{} {}", operation_ref.method, operation_ref.path)),
        };
        let name = self
            .function_names
            .entry(module.clone())
            .or_default()
            .unique(base_name);
        self.module = module.clone();
        let hint = operation_hint(operation_ref);

        let errors_before = self.errors.len();
        let (args, options) = self.parameters(operation_ref, &operation, &hint);
        let body = match &operation.request_body {
            Some(body) => self.request_body(body, &at.join("requestBody"), &hint),
            None => None,
        };
        let mut response = self.responses(&operation, &at.join("responses"), &hint);
        let server = self.operation_server(operation_ref, &operation);
        if self.errors.len() > errors_before {
            return;
        }
        // The options struct and answer enum sit beside the function in its
        // tag's module, so they take its name, unique there.
        // `P` is the functions' type parameter: no type of theirs takes it.
        let type_names = self
            .type_names
            .entry(module.clone())
            .or_insert_with(|| Names::with_reserved(["P"]));
        let options = options.map(|options| Options {
            call: type_names.unique(pascal(&name)),
            name: type_names.unique(format!("{}Options", pascal(&name))),
            ..options
        });
        if let ResponseShape::Enum {
            name: enum_name, ..
        } = &mut response
        {
            *enum_name = type_names.unique(format!("{}Response", pascal(&name)));
        }
        // A list is read with GETs of its pages: one that takes a body is
        // not paged here.
        let paging = body
            .is_none()
            .then(|| self.paging(&at, options.as_ref(), &response))
            .flatten();
        match client {
            ClientKind::Installation => self.summary.installation += 1,
            ClientKind::App => self.summary.app += 1,
        }
        self.operations.push(Operation {
            api_name: operation.operation_id.clone(),
            name,
            module,
            pointer: at,
            method: operation_ref.method.to_uppercase(),
            path: operation_ref.path.to_owned(),
            summary: operation.summary.clone(),
            description: operation.description.clone(),
            deprecated: operation.deprecated,
            client,
            requirement,
            args,
            options,
            body,
            response,
            paging,
            server,
        });
    }

    /// The server an operation goes to when it or its path names one
    /// (`servers`, the operation's before the path's): the first listed,
    /// its variables at their defaults. `None` for the API's own servers.
    fn operation_server(
        &mut self,
        operation_ref: &OperationRef<'_>,
        operation: &openapiv3::Operation,
    ) -> Option<String> {
        let (server, at) = match operation.servers.first() {
            Some(server) => (
                server.clone(),
                operation_ref.pointer.join("servers").join(0),
            ),
            None => {
                let path_item = operation_ref.pointer.parent()?;
                let servers = path_item.join("servers");
                let first = self.doc.raw().pointer(servers.as_str())?.get(0)?.clone();
                let at = servers.join(0);
                (self.parse::<openapiv3::Server>(&first, &at)?, at)
            }
        };
        let url = with_defaults(&server);
        if url.contains('{') {
            self.error(
                ErrorKind::Structure,
                at.join("url"),
                format!(
                    "the server URL `{}` has a variable without a default",
                    server.url
                ),
            );
            return None;
        }
        if let Err(problem) = check_server_url(&url) {
            self.error(ErrorKind::Structure, at.join("url"), problem);
            return None;
        }
        // The API's own server, repeated: the client's base URL (which an
        // emulator or a proxy may replace), not a server of its own.
        let roots: Vec<String> = self.openapi.servers.iter().map(with_defaults).collect();
        let same = |root: &String| root.trim_end_matches('/') == url.trim_end_matches('/');
        if roots.iter().any(same) {
            return None;
        }
        // A token sent over plain HTTP where the API's own server is HTTPS.
        if url.starts_with("http://") && roots.iter().any(|root| root.starts_with("https://")) {
            self.error(
                ErrorKind::Structure,
                at.join("url"),
                format!(
                    "the server `{url}` is plain HTTP while the API's server is HTTPS; the installation token would travel unencrypted"
                ),
            );
            return None;
        }
        Some(url)
    }

    /// How the operation pages: it takes `perPage` and `page` in the query,
    /// answers a JSON array, and declares a `Link` header on its success
    /// answer (the spec's pagination convention).
    fn paging(
        &self,
        at: &JsonPointer,
        options: Option<&Options>,
        response: &ResponseShape,
    ) -> Option<Paging> {
        let param = |name: &str| {
            options?
                .params
                .iter()
                .find(|p| p.api_name == name && p.location == Location::Query)
        };
        let per_page = param("perPage")?;
        param("page")?;
        // One JSON array answer; other success answers only without a body
        // (an empty list's 204), which read as an empty page.
        let is_list = match response {
            ResponseShape::Single {
                ty: Ty::Vec(_),
                encoding: Encoding::Json,
                ..
            } => true,
            ResponseShape::Enum { variants, .. } => {
                let arrays = variants
                    .iter()
                    .filter(|v| matches!((&v.ty, &v.encoding), (Ty::Vec(_), Encoding::Json)))
                    .count();
                arrays == 1
                    && variants.iter().all(|v| {
                        matches!(
                            (&v.ty, &v.encoding),
                            (Ty::Vec(_), Encoding::Json) | (_, Encoding::Empty)
                        )
                    })
            }
            ResponseShape::Single { .. } => false,
        };
        if !is_list {
            return None;
        }
        let responses = self.doc.raw().pointer(at.join("responses").as_str())?;
        let links = responses.as_object()?.iter().any(|(status, answer)| {
            status.starts_with('2') && {
                let answer = self.followed(answer);
                answer
                    .get("headers")
                    .and_then(Value::as_object)
                    .is_some_and(|headers| headers.keys().any(|h| h.eq_ignore_ascii_case("link")))
            }
        });
        links.then(|| Paging {
            per_page_max: per_page
                .maximum
                .map(|most| (per_page.api_name.clone(), most)),
        })
    }

    /// `node`, or what its `$ref` names (a few references deep).
    fn followed<'v>(&'v self, mut node: &'v Value) -> &'v Value {
        for _ in 0..16 {
            match node.get("$ref").and_then(Value::as_str) {
                Some(reference) => match self.doc.resolve(reference) {
                    Some((_, target)) => node = target,
                    None => break,
                },
                None => break,
            }
        }
        node
    }

    /// What the schema at `at` says of its values, for the docs: its
    /// default, its bounds, its allowed values (an array's, of its items).
    fn facts(&self, at: &JsonPointer) -> (Option<String>, Option<i64>) {
        let Some(schema) = self
            .doc
            .raw()
            .pointer(at.as_str())
            .map(|s| self.followed(s))
        else {
            return (None, None);
        };
        let shown = |value: &Value| match value {
            Value::String(text) => format!("`{text}`"),
            other => format!("`{other}`"),
        };
        let mut facts = Vec::new();
        let values = schema
            .get("enum")
            .or_else(|| {
                schema
                    .get("items")
                    .map(|i| self.followed(i))
                    .and_then(|i| i.get("enum"))
            })
            .and_then(Value::as_array);
        if let Some(values) = values {
            let listed: Vec<String> = values.iter().filter(|v| !v.is_null()).map(shown).collect();
            facts.push(format!("one of {}", listed.join(", ")));
        }
        let number = |name: &str| {
            schema
                .get(name)
                .filter(|v| v.is_number())
                .map(ToString::to_string)
        };
        match (number("minimum"), number("maximum")) {
            (Some(min), Some(max)) => facts.push(format!("from {min} to {max}")),
            (Some(min), None) => facts.push(format!("at least {min}")),
            (None, Some(max)) => facts.push(format!("at most {max}")),
            (None, None) => {}
        }
        match (number("minLength"), number("maxLength")) {
            (Some(min), Some(max)) if min != "0" => {
                facts.push(format!("from {min} to {max} characters"))
            }
            (_, Some(max)) => facts.push(format!("at most {max} characters")),
            (Some(min), None) if min != "0" => facts.push(format!("at least {min} characters")),
            _ => {}
        }
        if let Some(items) = schema.get("items").map(|i| self.followed(i)) {
            let item_number = |name: &str| {
                items
                    .get(name)
                    .filter(|v| v.is_number())
                    .map(ToString::to_string)
            };
            match (item_number("minimum"), item_number("maximum")) {
                (Some(min), Some(max)) => facts.push(format!("each from {min} to {max}")),
                (Some(min), None) => facts.push(format!("each at least {min}")),
                (None, Some(max)) => facts.push(format!("each at most {max}")),
                (None, None) => {}
            }
            if let Some(max) = items.get("maxLength").filter(|v| v.is_number()) {
                facts.push(format!("each at most {max} characters"));
            }
        }
        match (number("minItems"), number("maxItems")) {
            (Some(min), Some(max)) if min != "0" => {
                facts.push(format!("from {min} to {max} values"))
            }
            (_, Some(max)) => facts.push(format!("at most {max} values")),
            (Some(min), None) if min != "0" => facts.push(format!("at least {min} values")),
            _ => {}
        }
        if let Some(default) = schema.get("default") {
            facts.push(format!(
                "default {} (the server's, when left out)",
                shown(default)
            ));
        }
        let maximum = schema.get("maximum").and_then(Value::as_i64);
        let text = (!facts.is_empty()).then(|| {
            let text = facts.join("; ");
            let mut chars = text.chars();
            let first = chars
                .next()
                .map(|c| c.to_uppercase().to_string())
                .unwrap_or_default();
            format!("{first}{}.", chars.as_str())
        });
        (text, maximum)
    }

    /// Whether the operation's security asks for a JWT bearer token, which
    /// is how a spec says "the app's JWT".
    fn takes_app_jwt(&self, operation: &openapiv3::Operation) -> bool {
        let Some(requirements) = operation
            .security
            .as_ref()
            .or(self.openapi.security.as_ref())
        else {
            return false;
        };
        let schemes = self
            .openapi
            .components
            .as_ref()
            .map(|c| &c.security_schemes);
        requirements.iter().flat_map(|requirement| requirement.keys()).any(|name| {
            matches!(
                schemes.and_then(|s| s.get(name)),
                Some(ReferenceOr::Item(openapiv3::SecurityScheme::HTTP { scheme, bearer_format: Some(format), .. }))
                    if scheme.eq_ignore_ascii_case("bearer") && format.eq_ignore_ascii_case("jwt")
            )
        })
    }

    /// The operation's parameters, path-level ones first, an operation-level
    /// one replacing a path-level one of the same name and place.
    fn parameters(
        &mut self,
        operation_ref: &OperationRef<'_>,
        operation: &openapiv3::Operation,
        hint: &str,
    ) -> (Vec<Param>, Option<Options>) {
        let mut all: Vec<(Parameter, JsonPointer)> = Vec::new();
        let item_pointer = operation_ref.pointer.parent().unwrap_or_default();
        let item_parameters = self
            .doc
            .raw()
            .pointer(item_pointer.as_str())
            .and_then(|item| item.get("parameters"))
            .cloned();
        let path_level: Vec<ReferenceOr<Parameter>> = match item_parameters {
            Some(value) => self
                .parse(&value, &item_pointer.join("parameters"))
                .unwrap_or_default(),
            None => Vec::new(),
        };
        for (index, parameter) in path_level.iter().enumerate() {
            if let Some(found) = self.item(parameter, &item_pointer.join("parameters").join(index))
            {
                all.push(found);
            }
        }
        // A parameter shared through `components/parameters` names its types
        // after itself, not after the first operation that uses it.
        for (index, parameter) in operation.parameters.iter().enumerate() {
            let Some((parameter, at)) = self.item(
                parameter,
                &operation_ref.pointer.join("parameters").join(index),
            ) else {
                continue;
            };
            let key = (
                parameter.parameter_data_ref().name.clone(),
                std::mem::discriminant(&parameter),
            );
            all.retain(|(p, _)| {
                (
                    p.parameter_data_ref().name.clone(),
                    std::mem::discriminant(p),
                ) != key
            });
            all.push((parameter, at));
        }

        let mut names = Names::with_reserved(["client", "body", "options", "request", "response"]);
        // The call's own methods are not an option's setter.
        let mut option_names = Names::with_reserved(["options", "pages", "into_future"]);
        let mut args = Vec::new();
        let mut optional = Vec::new();
        for (parameter, at) in all {
            let data = parameter.parameter_data_ref();
            let (location, style) = match &parameter {
                Parameter::Path { .. } => (Location::Path, ArrayStyle::Join(",")),
                Parameter::Header { .. } => (Location::Header, ArrayStyle::Join(",")),
                Parameter::Query { style, .. } => {
                    let style = match (
                        style,
                        data.explode.unwrap_or(matches!(style, QueryStyle::Form)),
                    ) {
                        (QueryStyle::Form, true) => ArrayStyle::Repeat,
                        (QueryStyle::Form, false) => ArrayStyle::Join(","),
                        (QueryStyle::SpaceDelimited, _) => ArrayStyle::Join(" "),
                        (QueryStyle::PipeDelimited, _) => ArrayStyle::Join("|"),
                        (QueryStyle::DeepObject, _) => {
                            self.error(
                                ErrorKind::Unsupported,
                                at.join("style"),
                                format!("query parameter `{}` uses `deepObject`, which is not supported", data.name),
                            );
                            continue;
                        }
                    };
                    (Location::Query, style)
                }
                Parameter::Cookie { .. } => {
                    self.error(
                        ErrorKind::Unsupported,
                        at,
                        format!("cookie parameter `{}` is not supported", data.name),
                    );
                    continue;
                }
            };
            let ParameterSchemaOrContent::Schema(schema) = &data.format else {
                self.error(
                    ErrorKind::Unsupported,
                    at.join("content"),
                    format!(
                        "parameter `{}` is described by `content`; only `schema` is supported",
                        data.name
                    ),
                );
                continue;
            };
            let type_hint = if at.as_str().starts_with("/components/") {
                pascal(&at.last().unwrap_or_default())
            } else {
                format!("{hint}{}", pascal(&data.name))
            };
            let Some((ty, nullable)) =
                self.schema(SchemaRef::from(schema), &at.join("schema"), &type_hint)
            else {
                continue;
            };
            let ty = if nullable {
                Ty::Option(Box::new(ty))
            } else {
                ty
            };
            let required = data.required || location == Location::Path;
            let name = if required {
                names.unique(snake(&data.name))
            } else {
                option_names.unique(snake(&data.name))
            };
            let (facts, maximum) = self.facts(&at.join("schema"));
            let param = Param {
                api_name: data.name.clone(),
                name,
                location,
                ty,
                style,
                doc: data.description.clone(),
                facts,
                maximum,
            };
            if required {
                args.push(param)
            } else {
                optional.push(param)
            }
        }
        let options = (!optional.is_empty()).then(|| Options {
            // named after the function, below
            name: String::new(),
            call: String::new(),
            params: optional,
        });
        (args, options)
    }

    fn request_body(
        &mut self,
        body: &ReferenceOr<RequestBody>,
        at: &JsonPointer,
        hint: &str,
    ) -> Option<Body> {
        let (body, at) = self.item(body, at)?;
        let chosen = body
            .content
            .iter()
            .min_by_key(|(media_type, _)| media_rank(media_type))
            .filter(|(media_type, _)| media_rank(media_type) < 4);
        let Some((media_type, media)) = chosen else {
            let types: Vec<&str> = body.content.keys().map(String::as_str).collect();
            self.error(
                ErrorKind::Unsupported,
                at.join("content"),
                format!(
                    "no supported request media type among [{}]",
                    types.join(", ")
                ),
            );
            return None;
        };
        let media_at = at.join("content").join(media_type);
        let (ty, encoding) = self.body_type(
            media_type,
            media.schema.as_ref(),
            &media_at,
            &format!("{hint}Body"),
        )?;
        // JSON sent under a type of its own (`application/merge-patch+json`)
        // says so: a server may refuse it as plain `application/json`.
        let encoding = match encoding {
            Encoding::Json if !media_type.eq_ignore_ascii_case("application/json") => {
                Encoding::VendorJson(media_type.clone())
            }
            other => other,
        };
        Some(Body {
            ty,
            encoding,
            required: body.required,
        })
    }

    /// The type and encoding of a body of `media_type`.
    /// Whether a schema describes a structure (an object, a list, a
    /// composition of schemas, a component that is one) rather than a
    /// string of bytes.
    fn is_structured(&self, schema: &ReferenceOr<Schema>) -> bool {
        let schema = match schema {
            ReferenceOr::Item(schema) => schema,
            ReferenceOr::Reference { reference } => {
                let target = self
                    .doc
                    .resolve(reference)
                    .map(|(_, node)| self.followed(node));
                return match target.map(<Schema as serde::Deserialize>::deserialize) {
                    Some(Ok(schema)) => self.is_structured(&ReferenceOr::Item(schema)),
                    _ => false,
                };
            }
        };
        matches!(
            schema.schema_kind,
            SchemaKind::Type(Type::Object(_) | Type::Array(_))
                | SchemaKind::AllOf { .. }
                | SchemaKind::OneOf { .. }
                | SchemaKind::AnyOf { .. }
        ) || matches!(&schema.schema_kind, SchemaKind::Any(any) if !any.properties.is_empty())
    }

    fn body_type(
        &mut self,
        media_type: &str,
        schema: Option<&ReferenceOr<Schema>>,
        at: &JsonPointer,
        hint: &str,
    ) -> Option<(Ty, Encoding)> {
        let encoding = match media_rank(media_type) {
            0 => Encoding::Json,
            1 => Encoding::Form,
            2 => Encoding::Text(media_type.to_owned()),
            // A media type of the API's own (`application/vnd.x.object`)
            // whose schema is a structure is JSON by another name.
            3 if schema.is_some_and(|schema| self.is_structured(schema)) => {
                Encoding::VendorJson(media_type.to_owned())
            }
            _ => {
                return Some((
                    Ty::Prim(Prim::Bytes),
                    Encoding::Binary(media_type.to_owned()),
                ));
            }
        };
        let ty = match (&encoding, schema) {
            (Encoding::Text(_), _) => Ty::Prim(Prim::String),
            (_, Some(schema)) => {
                let (ty, nullable) =
                    self.schema(SchemaRef::from(schema), &at.join("schema"), hint)?;
                if nullable {
                    Ty::Option(Box::new(ty))
                } else {
                    ty
                }
            }
            (_, None) => Ty::Prim(Prim::Json),
        };
        Some((ty, encoding))
    }

    fn responses(
        &mut self,
        operation: &openapiv3::Operation,
        at: &JsonPointer,
        hint: &str,
    ) -> ResponseShape {
        /// A success answer: its statuses, their name, the response, where it is.
        type Answer = ((u16, u16), String, ReferenceOr<Response>, JsonPointer);
        let mut answers: Vec<Answer> = Vec::new();
        for (code, response) in &operation.responses.responses {
            let (statuses, key) = match code {
                StatusCode::Code(code) if (200..300).contains(code) => {
                    ((*code, *code), code.to_string())
                }
                StatusCode::Range(2) => ((200, 299), "2XX".to_owned()),
                _ => continue,
            };
            answers.push((
                statuses,
                status_name(statuses),
                response.clone(),
                at.join(key),
            ));
        }
        if answers.is_empty()
            && let Some(default) = &operation.responses.default
        {
            answers.push((
                (200, 299),
                "Success".to_owned(),
                default.clone(),
                at.join("default"),
            ));
        }

        let mut variants: Vec<ResponseVariant> = Vec::new();
        let mut accept: Vec<String> = Vec::new();
        let mut variants_named = false;
        // The first answer's types are `…Response`, the others' say which
        // answer they are (`…ResponseMultiStatus`).
        let mut type_hint = |status_name: &str, media_type: &str, several: bool| {
            if variants_named {
                let media = if several {
                    pascal(media_subtype(media_type))
                } else {
                    String::new()
                };
                format!("{hint}Response{status_name}{media}")
            } else {
                variants_named = true;
                format!("{hint}Response")
            }
        };
        for (statuses, status_name, response, response_at) in answers {
            let Some((response, response_at)) = self.item(&response, &response_at) else {
                continue;
            };
            if response.content.is_empty() {
                variants.push(ResponseVariant {
                    name: status_name,
                    statuses,
                    media_type: None,
                    ty: Ty::Unit,
                    encoding: Encoding::Empty,
                });
                continue;
            }
            let several = response.content.len() > 1;
            for (media_type, media) in &response.content {
                let media_at = response_at.join("content").join(media_type);
                let Some((ty, encoding)) = self.body_type(
                    media_type,
                    media.schema.as_ref(),
                    &media_at,
                    &type_hint(&status_name, media_type, several),
                ) else {
                    continue;
                };
                if !accept.contains(media_type) {
                    accept.push(media_type.clone());
                }
                variants.push(ResponseVariant {
                    name: if several {
                        format!("{status_name}{}", pascal(media_subtype(media_type)))
                    } else {
                        status_name.clone()
                    },
                    statuses,
                    media_type: several.then(|| media_type.clone()),
                    ty,
                    encoding,
                });
            }
        }
        let accept = if accept.is_empty() {
            "application/json".to_owned()
        } else {
            accept.join(", ")
        };
        match variants.as_slice() {
            [] => ResponseShape::Single {
                ty: Ty::Unit,
                encoding: Encoding::Empty,
                accept,
            },
            [first, rest @ ..]
                if rest
                    .iter()
                    .all(|v| v.ty == first.ty && v.encoding == first.encoding) =>
            {
                ResponseShape::Single {
                    ty: first.ty.clone(),
                    encoding: first.encoding.clone(),
                    accept,
                }
            }
            _ => {
                let mut names = Names::default();
                for variant in &mut variants {
                    variant.name = names.unique(std::mem::take(&mut variant.name));
                }
                ResponseShape::Enum {
                    name: String::new(), // named after the function, below
                    variants,
                    accept,
                }
            }
        }
    }

    // ---- Schemas ------------------------------------------------------

    /// The type of a schema and whether it is nullable.
    fn schema(
        &mut self,
        schema: SchemaRef<'_>,
        at: &JsonPointer,
        hint: &str,
    ) -> Option<(Ty, bool)> {
        match schema {
            SchemaRef::Ref(reference) => self.reference(reference, at),
            SchemaRef::Inline(schema) => self.inline(schema, at, hint),
        }
    }

    fn reference(&mut self, reference: &str, at: &JsonPointer) -> Option<(Ty, bool)> {
        if let Some(name) = reference
            .strip_prefix(COMPONENT_SCHEMAS)
            .filter(|n| !n.contains('/'))
        {
            let name = JsonPointer::from_fragment(reference)
                .and_then(|p| p.last())
                .unwrap_or_else(|| name.to_owned());
            return self.component(&name, at);
        }
        // A reference elsewhere (into a path, another schema's property…) is
        // lowered where it points, named after the last segment.
        let (schema, target) = self.follow::<Schema>(reference, at)?;
        let hint = pointer_hint(self.doc.raw(), &target);
        self.inline(&schema, &target, &hint)
    }

    fn component(&mut self, name: &str, at: &JsonPointer) -> Option<(Ty, bool)> {
        let schemas = self.openapi.components.as_ref().map(|c| &c.schemas);
        let Some(schema) = schemas.and_then(|s| s.get(name)) else {
            self.error(
                ErrorKind::Reference,
                at.clone(),
                format!("there is no component schema `{name}`"),
            );
            return None;
        };
        let nullable = match schema {
            ReferenceOr::Item(schema) => is_nullable(schema),
            ReferenceOr::Reference { .. } => false,
        };
        if let Some(&id) = self.components.get(name) {
            return Some((Ty::Named(id), nullable));
        }
        let rust_name = pascal(name);
        let pointer = JsonPointer::root()
            .join("components")
            .join("schemas")
            .join(name);
        let id = self.types.len();
        self.types.push(TypeDef {
            name: rust_name.clone(),
            api_name: Some(name.to_owned()),
            pointer: pointer.clone(),
            doc: None,
            module: self.module.clone(),
            kind: TypeKind::Alias {
                ty: Ty::Prim(Prim::Json),
                newtype: false,
            },
        });
        self.components.insert(name.to_owned(), id);
        let (kind, doc) = match schema {
            ReferenceOr::Reference { reference } => {
                let (ty, nullable) = self.reference(reference, &pointer)?;
                let ty = if nullable {
                    Ty::Option(Box::new(ty))
                } else {
                    ty
                };
                (TypeKind::Alias { ty, newtype: false }, None)
            }
            ReferenceOr::Item(schema) => match self.kind(schema, &pointer, &rust_name)? {
                Lowered::Def(kind, doc) => (kind, doc),
                Lowered::Type(ty) => (
                    TypeKind::Alias { ty, newtype: false },
                    schema.schema_data.description.clone(),
                ),
            },
        };
        self.types[id].kind = kind;
        self.types[id].doc = doc;
        Some((Ty::Named(id), nullable))
    }

    fn inline(&mut self, schema: &Schema, at: &JsonPointer, hint: &str) -> Option<(Ty, bool)> {
        if let Some(known) = self.inline_types.get(at) {
            return Some(known.clone());
        }
        let lowered = self.inline_uncached(schema, at, hint)?;
        self.inline_types.insert(at.clone(), lowered.clone());
        Some(lowered)
    }

    fn inline_uncached(
        &mut self,
        schema: &Schema,
        at: &JsonPointer,
        hint: &str,
    ) -> Option<(Ty, bool)> {
        if let Some(lowered) = self.nullable_alternative(schema, at, hint) {
            return lowered;
        }
        let nullable = is_nullable(schema);
        match self.kind(schema, at, hint)? {
            Lowered::Type(ty) => Some((ty, nullable)),
            Lowered::Def(kind, doc) => {
                let name = pascal(hint);
                self.types.push(TypeDef {
                    name,
                    api_name: None,
                    pointer: at.clone(),
                    doc,
                    module: self.module.clone(),
                    kind,
                });
                Some((Ty::Named(self.types.len() - 1), nullable))
            }
        }
    }

    /// `anyOf`/`oneOf` of one schema and schemas that allow `null` alone
    /// (`[{$ref: X}, {$ref: Null}]`): OpenAPI 3.0's way to say "`X` or
    /// `null`" for a reference, lowered as `X`, nullable. `None` for any
    /// other schema.
    fn nullable_alternative(
        &mut self,
        schema: &Schema,
        at: &JsonPointer,
        hint: &str,
    ) -> Option<Option<(Ty, bool)>> {
        let (alternatives, keyword) = match &schema.schema_kind {
            SchemaKind::AnyOf { any_of } => (any_of, "anyOf"),
            SchemaKind::OneOf { one_of } => (one_of, "oneOf"),
            _ => return None,
        };
        let mut others = alternatives
            .iter()
            .enumerate()
            .filter(|(_, alternative)| !self.is_null_only(alternative));
        let (index, other) = others.next()?;
        if others.next().is_some() || alternatives.len() < 2 {
            return None;
        }
        let lowered = self.schema(SchemaRef::from(other), &at.join(keyword).join(index), hint);
        Some(lowered.map(|(ty, _)| (ty, true)))
    }

    /// Whether a schema allows `null` and nothing else: a nullable `enum`
    /// of `null` alone, inline or a component.
    fn is_null_only(&self, schema: &ReferenceOr<Schema>) -> bool {
        let schema = match schema {
            ReferenceOr::Item(schema) => schema,
            ReferenceOr::Reference { reference } => {
                let Some(name) = reference.strip_prefix(COMPONENT_SCHEMAS) else {
                    return false;
                };
                match self
                    .openapi
                    .components
                    .as_ref()
                    .and_then(|c| c.schemas.get(name))
                {
                    Some(ReferenceOr::Item(schema)) => schema,
                    _ => return false,
                }
            }
        };
        matches!(
            &schema.schema_kind,
            SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() && s.enumeration.iter().all(Option::is_none)
        )
    }

    fn kind(&mut self, schema: &Schema, at: &JsonPointer, hint: &str) -> Option<Lowered> {
        let doc = schema.schema_data.description.clone();
        let discriminator = schema.schema_data.discriminator.as_ref();
        let lowered =
            match &schema.schema_kind {
                SchemaKind::Type(Type::String(string)) => {
                    let values: Vec<&String> = string.enumeration.iter().flatten().collect();
                    if values.is_empty() {
                        Lowered::Type(Ty::Prim(match &string.format {
                            VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => Prim::DateTime,
                            VariantOrUnknownOrEmpty::Item(StringFormat::Date) => Prim::Date,
                            VariantOrUnknownOrEmpty::Item(StringFormat::Password) => Prim::Secret,
                            _ => Prim::String,
                        }))
                    } else {
                        let mut names = Names::with_reserved(["Other"]);
                        // A value listed twice is one variant: a second
                        // would never be read back.
                        let mut seen = HashSet::new();
                        let variants = values
                            .into_iter()
                            .filter(|wire| seen.insert(*wire))
                            .map(|wire| EnumVariant {
                                name: names.unique(pascal(wire)),
                                wire: wire.clone(),
                            })
                            .collect();
                        Lowered::Def(TypeKind::Enum { variants }, doc)
                    }
                }
                SchemaKind::Type(Type::Integer(integer)) => {
                    Lowered::Type(Ty::Prim(match integer.format {
                        VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => Prim::I32,
                        _ => Prim::I64,
                    }))
                }
                SchemaKind::Type(Type::Number(number)) => {
                    Lowered::Type(Ty::Prim(match number.format {
                        VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => Prim::F32,
                        _ => Prim::F64,
                    }))
                }
                SchemaKind::Type(Type::Boolean(_)) => Lowered::Type(Ty::Prim(Prim::Bool)),
                SchemaKind::Type(Type::Array(array)) => Lowered::Type(Ty::Vec(Box::new(
                    self.items(array.items.as_ref(), at, hint)?,
                ))),
                SchemaKind::Type(Type::Object(object)) => self.object(
                    ObjectParts::of(
                        &object.properties,
                        &object.required,
                        object.additional_properties.as_ref(),
                        at,
                    ),
                    hint,
                    doc,
                )?,
                SchemaKind::OneOf { one_of } => {
                    self.union(one_of, &at.join("oneOf"), discriminator, hint, doc)?
                }
                SchemaKind::AnyOf { any_of } => {
                    self.union(any_of, &at.join("anyOf"), discriminator, hint, doc)?
                }
                SchemaKind::AllOf { all_of } => self.all_of(all_of, at, hint, doc)?,
                SchemaKind::Not { .. } => Lowered::Type(Ty::Prim(Prim::Json)),
                SchemaKind::Any(any) => {
                    if !any.all_of.is_empty() {
                        self.all_of(&any.all_of, at, hint, doc)?
                    } else if !any.one_of.is_empty() {
                        self.union(&any.one_of, &at.join("oneOf"), discriminator, hint, doc)?
                    } else if !any.any_of.is_empty() {
                        self.union(&any.any_of, &at.join("anyOf"), discriminator, hint, doc)?
                    } else if !any.properties.is_empty() || any.typ.as_deref() == Some("object") {
                        let parts = ObjectParts::of(
                            &any.properties,
                            &any.required,
                            any.additional_properties.as_ref(),
                            at,
                        );
                        self.object(parts, hint, doc)?
                    } else if any.typ.as_deref() == Some("array") || any.items.is_some() {
                        Lowered::Type(Ty::Vec(Box::new(self.items(
                            any.items.as_ref(),
                            at,
                            hint,
                        )?)))
                    } else {
                        Lowered::Type(Ty::Prim(Prim::Json))
                    }
                }
            };
        Some(lowered)
    }

    fn items(
        &mut self,
        items: Option<&ReferenceOr<Box<Schema>>>,
        at: &JsonPointer,
        hint: &str,
    ) -> Option<Ty> {
        let Some(items) = items else {
            return Some(Ty::Prim(Prim::Json));
        };
        let (ty, nullable) =
            self.schema(SchemaRef::from(items), &at.join("items"), &singular(hint))?;
        Some(if nullable {
            Ty::Option(Box::new(ty))
        } else {
            ty
        })
    }

    fn object(&mut self, parts: ObjectParts, hint: &str, doc: Option<String>) -> Option<Lowered> {
        let additional = match parts.additional {
            Some((AdditionalProperties::Schema(schema), at)) => {
                let (ty, nullable) = self.schema(
                    SchemaRef::from(schema.as_ref()),
                    &at,
                    &format!("{hint}Value"),
                )?;
                Some(if nullable {
                    Ty::Option(Box::new(ty))
                } else {
                    ty
                })
            }
            Some((AdditionalProperties::Any(true), _)) => Some(Ty::Prim(Prim::Json)),
            Some((AdditionalProperties::Any(false), _)) | None => None,
        };
        if parts.properties.is_empty() {
            return Some(Lowered::Type(match additional {
                Some(values) => Ty::Map(Box::new(values)),
                None => Ty::Prim(Prim::Json),
            }));
        }
        let mut names = Names::with_reserved(["additional_properties"]);
        let mut fields = Vec::with_capacity(parts.properties.len());
        for (api_name, (schema, at)) in &parts.properties {
            let doc = match schema {
                ReferenceOr::Item(schema) => schema.schema_data.description.clone(),
                ReferenceOr::Reference { .. } => None,
            };
            // Its default, bounds and values follow what it means, as a
            // parameter's do.
            let doc = match (doc, self.facts(at).0) {
                (Some(doc), Some(facts)) if !doc.trim().contains('\n') => {
                    Some(format!("{} {facts}", doc.trim()))
                }
                (Some(doc), Some(facts)) => Some(format!("{}\n\n{facts}", doc.trim_end())),
                (doc, None) => doc,
                (None, facts) => facts,
            };
            // A property defined in a component (and maybe merged from there
            // by `allOf`) is named after that component.
            let property_hint = match component_property(at) {
                Some(owner) => format!("{}{}", pascal(&owner), pascal(api_name)),
                None => format!("{hint}{}", pascal(api_name)),
            };
            let (ty, nullable) = self.schema(SchemaRef::from(schema), at, &property_hint)?;
            fields.push(Field {
                api_name: api_name.clone(),
                name: names.unique(snake(api_name)),
                ty,
                required: parts.required.contains(api_name),
                nullable,
                boxed: false,
                doc,
            });
        }
        Some(Lowered::Def(TypeKind::Struct { fields, additional }, doc))
    }

    fn all_of(
        &mut self,
        parts: &[ReferenceOr<Schema>],
        at: &JsonPointer,
        hint: &str,
        doc: Option<String>,
    ) -> Option<Lowered> {
        if let [only] = parts {
            // `allOf` with one member names that member: usually a
            // reference made nullable or documented in place.
            let (ty, nullable) =
                self.schema(SchemaRef::from(only), &at.join("allOf").join(0), hint)?;
            return Some(Lowered::Type(if nullable {
                Ty::Option(Box::new(ty))
            } else {
                ty
            }));
        }
        let mut merged = ObjectParts::default();
        for (index, part) in parts.iter().enumerate() {
            self.gather(
                SchemaRef::from(part),
                &at.join("allOf").join(index),
                &mut merged,
                0,
            )?;
        }
        self.object(merged, hint, doc)
    }

    /// Adds the properties of one `allOf` part, following references and
    /// nested `allOf`s.
    fn gather(
        &mut self,
        part: SchemaRef<'_>,
        at: &JsonPointer,
        merged: &mut ObjectParts,
        depth: usize,
    ) -> Option<()> {
        if depth > 32 {
            self.error(
                ErrorKind::Unsupported,
                at.clone(),
                "`allOf` nests more than 32 deep; is it a cycle?",
            );
            return None;
        }
        let (schema, at) = match part {
            SchemaRef::Ref(reference) => self.follow::<Schema>(reference, at)?,
            SchemaRef::Inline(schema) => (schema.clone(), at.clone()),
        };
        match &schema.schema_kind {
            SchemaKind::Type(Type::Object(object)) => {
                add_properties(
                    merged,
                    &object.properties,
                    &object.required,
                    object.additional_properties.as_ref(),
                    &at,
                );
            }
            SchemaKind::AllOf { all_of } => {
                for (index, part) in all_of.iter().enumerate() {
                    self.gather(
                        SchemaRef::from(part),
                        &at.join("allOf").join(index),
                        merged,
                        depth + 1,
                    )?;
                }
            }
            SchemaKind::Any(any) if any.one_of.is_empty() && any.any_of.is_empty() => {
                add_properties(
                    merged,
                    &any.properties,
                    &any.required,
                    any.additional_properties.as_ref(),
                    &at,
                );
                for (index, part) in any.all_of.iter().enumerate() {
                    self.gather(
                        SchemaRef::from(part),
                        &at.join("allOf").join(index),
                        merged,
                        depth + 1,
                    )?;
                }
            }
            _ => {
                self.error(
                    ErrorKind::Unsupported,
                    at,
                    "`allOf` can only merge object schemas, and this part is not one",
                );
                return None;
            }
        }
        Some(())
    }

    fn union(
        &mut self,
        members: &[ReferenceOr<Schema>],
        at: &JsonPointer,
        discriminator: Option<&openapiv3::Discriminator>,
        hint: &str,
        doc: Option<String>,
    ) -> Option<Lowered> {
        let mut names = Names::with_reserved(["Other"]);
        let mut variants = Vec::with_capacity(members.len());
        for (index, member) in members.iter().enumerate() {
            let component = match member {
                ReferenceOr::Reference { reference } => {
                    reference.strip_prefix(COMPONENT_SCHEMAS).map(str::to_owned)
                }
                ReferenceOr::Item(_) => None,
            };
            let mut tags: Vec<String> = Vec::new();
            if let (Some(discriminator), ReferenceOr::Reference { reference }) =
                (discriminator, member)
            {
                for (tag, target) in &discriminator.mapping {
                    let target = if target.contains('/') {
                        target.clone()
                    } else {
                        format!("{COMPONENT_SCHEMAS}{target}")
                    };
                    if &target == reference {
                        tags.push(tag.clone());
                    }
                }
                if tags.is_empty()
                    && let Some(component) = &component
                {
                    tags.push(component.clone());
                }
            }
            let base = match (&tags[..], &component, member) {
                ([tag], _, _) => pascal(tag),
                (_, Some(component), _) => pascal(component),
                (_, None, ReferenceOr::Item(schema)) => {
                    variant_stem(schema, members).unwrap_or_else(|| format!("Variant{}", index + 1))
                }
                _ => format!("Variant{}", index + 1),
            };
            let (ty, nullable) = self.schema(
                SchemaRef::from(member),
                &at.join(index),
                &format!("{hint}{base}"),
            )?;
            variants.push(UnionVariant {
                name: names.unique(base),
                tags,
                ty: if nullable {
                    Ty::Option(Box::new(ty))
                } else {
                    ty
                },
                boxed: false,
            });
        }
        let tag = discriminator.map(|d| d.property_name.clone());
        Some(Lowered::Def(TypeKind::Union { tag, variants }, doc))
    }

    // ---- Names ------------------------------------------------------

    /// Makes the type names unique. Each type was named from where it is
    /// defined (a component's name; an operation's id and the role and
    /// property path of an inline schema), never from a count, so a name
    /// is taken twice only when two spellings meet (`foo-bar` and
    /// `foo_bar`). Then a component keeps it before an inline type, and
    /// the one defined at the first JSON pointer before the others, which
    /// get a suffix made from their own pointer: `XH3f9a`. No name depends
    /// on the order of the spec or on the other operations, so adding one
    /// renames nothing. (An operation's options struct and answer enum are
    /// named after its function, in its tag's module, apart from these.)
    fn settle_type_names(&mut self) {
        // (name, is inline, pointer, type): sorted, the first of each name
        // keeps it.
        let mut claims: Vec<(String, bool, JsonPointer, usize)> = self
            .types
            .iter()
            .enumerate()
            .map(|(id, def)| {
                (
                    def.name.clone(),
                    def.api_name.is_none(),
                    def.pointer.clone(),
                    id,
                )
            })
            .collect();
        claims.sort_by(|a, b| (&a.0, a.1, a.2.as_str()).cmp(&(&b.0, b.1, b.2.as_str())));
        let mut taken: HashSet<String> = claims.iter().map(|c| c.0.clone()).collect();
        let mut previous: Option<String> = None;
        for (name, _, pointer, id) in claims {
            let settled = if previous.as_deref() == Some(name.as_str()) {
                let mut suffixed = format!("{name}H{:04x}", fnv1a(pointer.as_str()) & 0xffff);
                let mut more = 0u64;
                while !taken.insert(suffixed.clone()) {
                    more += 1;
                    suffixed = format!(
                        "{name}H{:08x}",
                        fnv1a(&format!("{}#{more}", pointer.as_str())) & 0xffff_ffff
                    );
                }
                suffixed
            } else {
                name.clone()
            };
            previous = Some(name);
            self.types[id].name = settled;
        }
    }

    // ---- Recursion ----------------------------------------------------

    /// Boxes every field and variant through which a type contains itself,
    /// and turns aliases that contain themselves into one-field structs.
    fn mark_recursion(&mut self) {
        let count = self.types.len();
        // Direct edges: containment without a heap indirection.
        let direct: Vec<Vec<usize>> = self.types.iter().map(|t| targets(&t.kind, false)).collect();
        // All edges, through lists and maps too: what an alias may not cycle through.
        let any: Vec<Vec<usize>> = self.types.iter().map(|t| targets(&t.kind, true)).collect();
        let reaches = |edges: &[Vec<usize>], from: usize, to: usize| {
            let mut seen = vec![false; count];
            let mut stack = vec![from];
            while let Some(node) = stack.pop() {
                if node == to {
                    return true;
                }
                if std::mem::replace(&mut seen[node], true) {
                    continue;
                }
                stack.extend(edges[node].iter().copied());
            }
            false
        };
        for id in 0..count {
            match &mut self.types[id].kind {
                TypeKind::Struct { fields, .. } => {
                    for field in fields {
                        if let Some(target) = direct_target(&field.ty) {
                            field.boxed = reaches(&direct, target, id);
                        }
                    }
                }
                TypeKind::Union { variants, .. } => {
                    for variant in variants {
                        if let Some(target) = direct_target(&variant.ty) {
                            variant.boxed = reaches(&direct, target, id);
                        }
                    }
                }
                TypeKind::Alias { ty, newtype } => {
                    *newtype = named_in(ty, true)
                        .into_iter()
                        .any(|target| reaches(&any, target, id));
                }
                TypeKind::Enum { .. } => {}
            }
        }
    }
}

/// The types a type's definition names, directly (`through_heap` false) or
/// also inside lists and maps.
fn targets(kind: &TypeKind, through_heap: bool) -> Vec<usize> {
    match kind {
        TypeKind::Struct { fields, additional } => fields
            .iter()
            .map(|f| &f.ty)
            .chain(additional)
            .flat_map(|ty| named_in(ty, through_heap))
            .collect(),
        TypeKind::Union { variants, .. } => variants
            .iter()
            .flat_map(|v| named_in(&v.ty, through_heap))
            .collect(),
        TypeKind::Alias { ty, .. } => named_in(ty, through_heap),
        TypeKind::Enum { .. } => Vec::new(),
    }
}

fn named_in(ty: &Ty, through_heap: bool) -> Vec<usize> {
    match ty {
        Ty::Named(id) => vec![*id],
        Ty::Option(inner) => named_in(inner, through_heap),
        Ty::Vec(inner) | Ty::Map(inner) if through_heap => named_in(inner, through_heap),
        _ => Vec::new(),
    }
}

fn direct_target(ty: &Ty) -> Option<usize> {
    match ty {
        Ty::Named(id) => Some(*id),
        Ty::Option(inner) => direct_target(inner),
        _ => None,
    }
}

fn add_properties(
    parts: &mut ObjectParts,
    properties: &IndexMap<String, ReferenceOr<Box<Schema>>>,
    required: &[String],
    additional: Option<&AdditionalProperties>,
    at: &JsonPointer,
) {
    for (name, schema) in properties {
        // A later `allOf` part restates a property more precisely: its
        // schema wins, the property keeps its first position.
        let entry = (schema.clone(), at.join("properties").join(name));
        match parts.properties.get_mut(name) {
            Some(existing) => *existing = entry,
            None => {
                parts.properties.insert(name.clone(), entry);
            }
        }
    }
    parts.required.extend(required.iter().cloned());
    if let Some(additional) = additional {
        parts.additional = Some((additional.clone(), at.join("additionalProperties")));
    }
}

/// The name of an inline member of a `oneOf` or `anyOf`, from what it is:
/// its `title`; the one value of a one-value enum (`"monthly"` →
/// `Monthly`); its type (`String`, `DateTime`, `Integer`, `Number`,
/// `Boolean`, `List`, `Object`). An object beside other inline objects is
/// named by its first property that they lack (`WithPath`). `None` when
/// nothing names it.
fn variant_stem(schema: &Schema, members: &[ReferenceOr<Schema>]) -> Option<String> {
    if let Some(title) = &schema.schema_data.title {
        return Some(pascal(title));
    }
    let stem = match &schema.schema_kind {
        SchemaKind::Type(Type::String(string)) => {
            let values: Vec<&String> = string.enumeration.iter().flatten().collect();
            match (values.as_slice(), &string.format) {
                ([value], _) => pascal(value),
                (_, VariantOrUnknownOrEmpty::Item(StringFormat::DateTime)) => "DateTime".to_owned(),
                (_, VariantOrUnknownOrEmpty::Item(StringFormat::Date)) => "Date".to_owned(),
                (_, VariantOrUnknownOrEmpty::Item(StringFormat::Binary | StringFormat::Byte)) => {
                    "Bytes".to_owned()
                }
                _ => "String".to_owned(),
            }
        }
        SchemaKind::Type(Type::Integer(_)) => "Integer".to_owned(),
        SchemaKind::Type(Type::Number(_)) => "Number".to_owned(),
        SchemaKind::Type(Type::Boolean(_)) => "Boolean".to_owned(),
        SchemaKind::Type(Type::Array(array)) => {
            let item = match &array.items {
                Some(ReferenceOr::Reference { reference }) => reference
                    .strip_prefix(COMPONENT_SCHEMAS)
                    .filter(|name| !name.contains('/'))
                    .map(pascal),
                Some(ReferenceOr::Item(item)) => variant_stem(item, &[]),
                None => None,
            };
            format!("{}List", item.unwrap_or_default())
        }
        SchemaKind::Type(Type::Object(object)) => {
            let others: Vec<&openapiv3::ObjectType> = members
                .iter()
                .filter_map(|member| match member {
                    ReferenceOr::Item(Schema {
                        schema_kind: SchemaKind::Type(Type::Object(other)),
                        schema_data,
                    }) if schema_data.title.is_none() && !std::ptr::eq(other, object) => {
                        Some(other)
                    }
                    _ => None,
                })
                .collect();
            if others.is_empty() {
                "Object".to_owned()
            } else {
                let own = object
                    .required
                    .iter()
                    .chain(object.properties.keys())
                    .find(|name| others.iter().all(|o| !o.properties.contains_key(*name)))?;
                format!("With{}", pascal(own))
            }
        }
        SchemaKind::AllOf { all_of } => all_of.iter().find_map(|part| match part {
            ReferenceOr::Reference { reference } => reference
                .strip_prefix(COMPONENT_SCHEMAS)
                .filter(|name| !name.contains('/'))
                .map(pascal),
            ReferenceOr::Item(_) => None,
        })?,
        // `{required: [status]}`: the member that has `status`.
        SchemaKind::Any(any) if any.properties.is_empty() && !any.required.is_empty() => {
            format!("With{}", pascal(&any.required[0]))
        }
        _ => return None,
    };
    Some(stem)
}

/// A server's URL with its variables at their defaults.
fn with_defaults(server: &openapiv3::Server) -> String {
    let mut url = server.url.clone();
    for (name, variable) in server.variables.iter().flatten() {
        url = url.replace(&format!("{{{name}}}"), &variable.default);
    }
    url
}

/// Whether `url` is a server an installation token may be sent to: an
/// `http(s)` URL with a host and without credentials, query or fragment,
/// or a plain path (`/v2`) on the client's own server. The runtime holds
/// URLs to the same rules; refusing here makes a bad one a spec error
/// rather than every call's.
fn check_server_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    if url.contains(['?', '#']) {
        return Err(format!(
            "the server URL `{url}` has a query or fragment; a server is a place, not a request"
        ));
    }
    match rest {
        Some(rest) => {
            let authority = rest.split('/').next().unwrap_or_default();
            if authority.is_empty() {
                return Err(format!("the server URL `{url}` has no host"));
            }
            if authority.contains('@') {
                return Err(format!(
                    "the server URL `{url}` holds credentials; the client sends its token instead"
                ));
            }
            Ok(())
        }
        None if url.starts_with('/') && !url.starts_with("//") => {
            let odd = url.split('/').any(|segment| {
                let decoded = segment.replace("%2e", ".").replace("%2E", ".");
                matches!(decoded.as_str(), "." | "..") || segment.contains('%')
            });
            if odd {
                Err(format!(
                    "the server path `{url}` has `.`, `..` or escaped segments; give it plainly"
                ))
            } else {
                Ok(())
            }
        }
        None => Err(format!(
            "the server URL `{url}` is neither an http(s) URL nor a path"
        )),
    }
}

/// The platform's name, for the wording of diagnostics: the root's
/// `x-icr-platform` (`ICR`), or else the first word of the title.
fn platform(doc: &Document, title: &str) -> String {
    doc.raw()
        .get(PLATFORM_EXTENSION)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .or_else(|| title.split_whitespace().next())
        .unwrap_or("the API's")
        .to_owned()
}

/// The root extension that names the platform in diagnostics.
pub const PLATFORM_EXTENSION: &str = "x-icr-platform";

/// The stem of the names of an operation's types: its `operationId` in
/// `PascalCase`, without a group prefix (`issues/`) that the rest already
/// says (`issues/createIssue` → `CreateIssue`, `issues/create` →
/// `IssuesCreate`, `actions/list-org-secrets` → `ActionsListOrgSecrets`).
/// It depends on the operation alone, and two operations never share an
/// id, so operations never take each other's names. Without an id, the
/// method and path (`GetReposOwnerRepo`).
fn operation_hint(operation: &OperationRef<'_>) -> String {
    operation_stem(operation.operation_id(), operation.method, operation.path)
}

fn operation_stem(id: Option<&str>, method: &str, path: &str) -> String {
    let Some(id) = id else {
        return pascal(&format!("{method} {path}"));
    };
    let Some((group, last)) = id.rsplit_once('/') else {
        return pascal(id);
    };
    let words = |text: &str| -> Vec<String> {
        snake(text)
            .trim_start_matches("r#")
            .split('_')
            .filter(|w| !w.is_empty())
            .map(singular_word)
            .collect()
    };
    let own = words(last);
    let said = words(group).iter().all(|word| own.contains(word));
    if said {
        pascal(last)
    } else {
        pascal(&format!("{group} {last}"))
    }
}

/// The stem of the name of the schema at `at`, from where it is: the
/// component or operation that holds it, then its place in there
/// (`/components/schemas/run/properties/status` → `RunStatus`; an
/// operation's `…/requestBody/…/properties/state` → `CreateIssueBodyState`).
/// For schemas that are reached by a reference into a path or a property
/// rather than through their holder.
fn pointer_hint(raw: &Value, at: &JsonPointer) -> String {
    let segments = at.segments();
    let (mut hint, start) = match segments.as_slice() {
        [root, section, name, ..] if root == "components" => {
            let role = match section.as_str() {
                "requestBodies" => "Body",
                "responses" => "Response",
                _ => "",
            };
            (format!("{}{role}", pascal(name)), 3)
        }
        [root, path, method, ..] if root == "paths" => {
            let id = raw
                .get("paths")
                .and_then(|paths| paths.get(path))
                .and_then(|item| item.get(method))
                .and_then(|op| op.get("operationId"))
                .and_then(Value::as_str);
            (operation_stem(id, method, path), 3)
        }
        _ => return pascal(&at.last().unwrap_or_default()),
    };
    // The pointer to the first `n` segments, to read a parameter's name at.
    let prefix = |n: usize| {
        segments[..n]
            .iter()
            .fold(JsonPointer::root(), |pointer, segment| {
                pointer.join(segment)
            })
    };
    let mut i = start;
    while i < segments.len() {
        // The segment after a keyword names the member it opens.
        let next = segments.get(i + 1);
        match (segments[i].as_str(), next) {
            ("properties", Some(name)) => hint.push_str(&pascal(name)),
            ("parameters", Some(_)) => {
                let name = raw
                    .pointer(prefix(i + 2).join("name").as_str())
                    .and_then(Value::as_str)
                    .unwrap_or("parameter");
                hint.push_str(&pascal(name));
            }
            ("allOf" | "oneOf" | "anyOf", Some(index)) => hint.push_str(&format!("Part{index}")),
            ("responses", Some(_)) => hint.push_str("Response"),
            ("content", Some(_)) => {}
            ("requestBody", _) => hint.push_str("Body"),
            ("items", _) => hint = singular(&hint),
            ("additionalProperties", _) => hint.push_str("Value"),
            _ => {
                i += 1;
                continue;
            }
        }
        // Keywords with a member take two segments, the others one.
        i += match segments[i].as_str() {
            "properties" | "parameters" | "allOf" | "oneOf" | "anyOf" | "responses" | "content" => {
                2
            }
            _ => 1,
        };
    }
    hint
}

/// A lower-case word in the singular, for comparing words: `issues` →
/// `issue`, `repositories` → `repository`.
fn singular_word(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies") {
        format!("{stem}y")
    } else if word.ends_with('s') && !word.ends_with("ss") && word.len() > 3 {
        word[..word.len() - 1].to_owned()
    } else {
        word.to_owned()
    }
}

/// FNV-1a, 64 bits: a hash that is the same on every run and platform, for
/// the suffixes of names that meet.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The component that `at` is a direct property of, if it is one
/// (`/components/schemas/{owner}/properties/{name}`).
fn component_property(at: &JsonPointer) -> Option<String> {
    let property_list = at.parent()?;
    let owner = property_list.parent()?;
    let components = owner.parent()?;
    (property_list.last()? == "properties" && components.as_str() == "/components/schemas")
        .then(|| owner.last())?
}

/// The name of one item of a list named `plural`: `Items` → `Item`,
/// `Matches` → `Match`, `Entries` → `Entry`, `Data` → `DataItem`.
fn singular(plural: &str) -> String {
    if let Some(stem) = plural.strip_suffix("ies") {
        format!("{stem}y")
    } else if ["ses", "xes", "ches", "shes"]
        .iter()
        .any(|s| plural.ends_with(s))
    {
        plural[..plural.len() - 2].to_owned()
    } else if plural.ends_with('s') && !plural.ends_with("ss") {
        plural[..plural.len() - 1].to_owned()
    } else {
        format!("{plural}Item")
    }
}

fn is_nullable(schema: &Schema) -> bool {
    schema.schema_data.nullable
        || matches!(&schema.schema_kind, SchemaKind::Type(Type::String(s)) if s.enumeration.iter().any(Option::is_none))
}

/// How much a media type is preferred for a body: JSON, form, text, binary;
/// 4 for what cannot be written (multipart).
fn media_rank(media_type: &str) -> u8 {
    let essence = media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json" || essence.ends_with("+json") {
        0
    } else if essence == "application/x-www-form-urlencoded" {
        1
    } else if essence.starts_with("text/") {
        2
    } else if essence.starts_with("multipart/") {
        4
    } else {
        3
    }
}

fn media_subtype(media_type: &str) -> &str {
    let essence = media_type.split(';').next().unwrap_or_default();
    let subtype = essence.rsplit('/').next().unwrap_or(essence);
    subtype.rsplit('+').next().unwrap_or(subtype)
}

fn status_name(statuses: (u16, u16)) -> String {
    match statuses {
        (200, 200) => "Ok".to_owned(),
        (201, 201) => "Created".to_owned(),
        (202, 202) => "Accepted".to_owned(),
        (203, 203) => "NonAuthoritative".to_owned(),
        (204, 204) => "NoContent".to_owned(),
        (205, 205) => "ResetContent".to_owned(),
        (206, 206) => "PartialContent".to_owned(),
        (207, 207) => "MultiStatus".to_owned(),
        (208, 208) => "AlreadyReported".to_owned(),
        (from, to) if from == to => format!("Status{from}"),
        _ => "Success".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use crate::error::ErrorKind;
    use crate::{Document, generate};

    const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\nx-icr-permission-catalog: {things: {description: T., levels: [read]}}\n";

    /// Generates from `HEAD` + `rest` and expects exactly one error, of
    /// `kind`, at `pointer`, naming `operation`, saying `text`.
    fn check(rest: &str, kind: ErrorKind, pointer: &str, operation: Option<&str>, text: &str) {
        let errors = match Document::parse("case.yaml", &format!("{HEAD}{rest}")) {
            Err(error) => vec![error],
            Ok(doc) => generate(&doc, &Default::default()).expect_err("generation must fail"),
        };
        assert_eq!(errors.len(), 1, "{errors:#?}");
        let error = &errors[0];
        assert_eq!(error.kind, kind, "{error}");
        assert_eq!(error.file, "case.yaml");
        assert_eq!(error.pointer.as_str(), pointer, "{error}");
        assert_eq!(error.operation_id.as_deref(), operation, "{error}");
        assert!(error.message.contains(text), "`{error}` lacks `{text}`");
    }

    fn op(details: &str) -> String {
        format!(
            "paths:\n  /a:\n    get:\n      operationId: t/getA\n      description: Works with ICR Apps.\n      x-icr-permissions: [{{things: read}}]\n{details}"
        )
    }

    /// The text of every file generated from `doc` with `options`.
    fn generated_text(doc: &Document, options: &crate::emit::Options) -> String {
        let generated = generate(doc, options).unwrap();
        let files = crate::format::files(&generated.root, "lib.rs", "test").unwrap();
        files.iter().map(|f| f.text.as_str()).collect()
    }

    /// An operation `POST /{tag}` with id `{tag}/create`, an inline body
    /// whose `title` is a string or an integer, and an inline answer.
    fn create_in(tag: &str) -> String {
        format!(
            "  /{tag}:\n    post:\n      operationId: {tag}/create\n      tags: [{tag}]\n      description: Works with ICR Apps.\n      x-icr-permissions: [{{things: read}}]\n      requestBody:\n        content:\n          application/json:\n            schema:\n              type: object\n              properties:\n                title: {{oneOf: [{{type: string}}, {{type: integer}}]}}\n                state: {{type: string, enum: [open, closed]}}\n      responses:\n        '201': {{description: c, content: {{application/json: {{schema: {{type: object, properties: {{id: {{type: integer}}}}}}}}}}}}\n"
        )
    }

    /// The type names of a document, each with where it is defined.
    fn type_names(paths: &str) -> std::collections::BTreeMap<String, String> {
        let doc = Document::parse("case.yaml", &format!("{HEAD}paths:\n{paths}")).unwrap();
        let api = super::lower(&doc).unwrap();
        api.types
            .iter()
            .map(|t| (t.name.clone(), t.pointer.as_str().to_owned()))
            .collect()
    }

    #[test]
    fn type_names_come_from_where_types_are_defined() {
        let names = type_names(
            &[
                create_in("issues"),
                create_in("projects"),
                create_in("labels"),
            ]
            .concat(),
        );
        let listed: Vec<&str> = names.keys().map(String::as_str).collect();
        for tag in ["Issues", "Projects", "Labels"] {
            for role in [
                "CreateBody",
                "CreateBodyTitle",
                "CreateBodyState",
                "CreateResponse",
            ] {
                let name = format!("{tag}{role}");
                assert!(listed.contains(&name.as_str()), "{name} not in {listed:?}");
            }
        }
        assert!(
            listed
                .iter()
                .all(|name| !name.ends_with(|c: char| c.is_ascii_digit())),
            "{listed:?}"
        );
        // The `oneOf`'s variants are named after their types.
        let doc = Document::parse(
            "case.yaml",
            &format!("{HEAD}paths:\n{}", create_in("issues")),
        )
        .unwrap();
        let api = super::lower(&doc).unwrap();
        let title = api
            .types
            .iter()
            .find(|t| t.name == "IssuesCreateBodyTitle")
            .unwrap();
        let crate::model::TypeKind::Union { variants, .. } = &title.kind else {
            panic!("{:?}", title.kind);
        };
        let variant_names: Vec<&str> = variants.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(variant_names, ["String", "Integer"]);
    }

    #[test]
    fn adding_operations_renames_no_type() {
        let before = type_names(&[create_in("issues"), create_in("projects")].concat());
        // New operations before, between and after, one of them with the
        // same last segment and tag words that collide.
        let after = type_names(
            &[
                create_in("aaa"),
                create_in("issues"),
                create_in("issue"),
                create_in("projects"),
                create_in("zzz"),
            ]
            .concat(),
        );
        for (name, pointer) in &before {
            assert_eq!(after.get(name), Some(pointer), "`{name}` was renamed");
        }
        assert!(after.len() > before.len());
    }

    #[test]
    fn diagnostics_name_the_platform_the_spec_names() {
        let wording = |head: &str| {
            let doc = Document::parse(
                "case.yaml",
                &format!(
                    "{head}{}",
                    op("      responses: {'204': {description: none}}\n")
                ),
            )
            .unwrap();
            generated_text(&doc, &Default::default())
        };
        let named = wording(&HEAD.replace("info:", "x-icr-platform: Acme\ninfo:"));
        assert!(
            named.contains("the Acme App `{Self}` was not granted `things: read`"),
            "{named}"
        );
        assert!(named.contains("the app's settings on Acme;"), "{named}");
        assert!(!named.contains("ICR App `"), "{named}");
        let titled = wording(&HEAD.replace("title: t", "title: GitHub v3 REST API"));
        assert!(
            titled.contains("the GitHub App `{Self}` was not granted"),
            "{titled}"
        );
    }

    #[test]
    fn operations_go_to_the_servers_they_or_their_paths_name() {
        let get = |id: &str, servers: &str| {
            format!(
                "    get:\n      operationId: t/{id}\n      description: Works with ICR Apps.\n      x-icr-permissions: [{{things: read}}]\n{servers}      responses: {{'204': {{description: none}}}}\n"
            )
        };
        let paths = [
            "paths:\n  /upload:\n".to_owned(),
            get("upload", "      servers: [{url: 'https://{host}.example', variables: {host: {default: uploads}}}]\n"),
            "  /path-level:\n    servers: [{url: 'https://files.example'}]\n".to_owned(),
            get("pathLevel", ""),
            "  /both:\n    servers: [{url: 'https://files.example'}]\n".to_owned(),
            get("both", "      servers: [{url: /v2}]\n"),
            "  /plain:\n".to_owned(),
            get("plain", ""),
        ]
        .concat();
        let doc = Document::parse("case.yaml", &format!("{HEAD}{paths}")).unwrap();
        let api = super::lower(&doc).unwrap();
        let servers: Vec<Option<&str>> = api
            .operations
            .iter()
            .map(|op| op.server.as_deref())
            .collect();
        assert_eq!(
            servers,
            [
                Some("https://uploads.example"),
                Some("https://files.example"),
                Some("/v2"),
                None
            ]
        );
        let text = generated_text(&doc, &Default::default());
        assert!(
            text.contains(".server(\"https://uploads.example\")"),
            "{text}"
        );
        // The API's own server, repeated on an operation, is the client's
        // base URL (which an emulator or proxy replaces), not a server of
        // its own.
        let repeated = format!(
            "servers: [{{url: 'https://api.example/'}}]\npaths:\n  /x:\n{}",
            get("x", "      servers: [{url: 'https://api.example'}]\n")
        );
        let doc = Document::parse("case.yaml", &format!("{HEAD}{repeated}")).unwrap();
        assert_eq!(super::lower(&doc).unwrap().operations[0].server, None);
        // Places no token should go, refused when generating, at the URL.
        for (url, says) in [
            ("'//evil.example/p'", "neither an http(s) URL nor a path"),
            ("'http://'", "has no host"),
            ("'https://uploads.example/?v=1'", "has a query or fragment"),
            ("'https://user:pw@uploads.example/'", "holds credentials"),
            ("'/v2?x=1#f'", "has a query or fragment"),
            ("'/%2e%2e/x'", "escaped segments"),
            ("'/a/../b'", "`..`"),
        ] {
            check(
                &format!(
                    "paths:\n  /x:\n{}",
                    get("x", &format!("      servers: [{{url: {url}}}]\n"))
                ),
                ErrorKind::Structure,
                "/paths/~1x/get/servers/0/url",
                Some("t/x"),
                says,
            );
        }
        // Plain HTTP beside an HTTPS API: the token would travel in clear.
        check(
            &format!(
                "servers: [{{url: 'https://api.example'}}]\npaths:\n  /x:\n{}",
                get("x", "      servers: [{url: 'http://uploads.example'}]\n")
            ),
            ErrorKind::Structure,
            "/paths/~1x/get/servers/0/url",
            Some("t/x"),
            "plain HTTP while the API's server is HTTPS",
        );
        // A variable without a value is an error at the server's URL.
        check(
            &format!(
                "paths:\n  /x:\n{}",
                get("x", "      servers: [{url: 'https://{host}.example'}]\n")
            ),
            ErrorKind::Structure,
            "/paths/~1x/get/servers/0/url",
            Some("t/x"),
            "has a variable without a default",
        );
    }

    #[test]
    fn identical_types_are_defined_once_and_every_name_stays() {
        // Two tags with the same inline body: one struct, the other name
        // an alias of it; the enum inside is merged too.
        let doc = Document::parse(
            "case.yaml",
            &format!(
                "{HEAD}paths:\n{}{}",
                create_in("issues"),
                create_in("projects")
            ),
        )
        .unwrap();
        let api = super::lower(&doc).unwrap();
        let def = |name: &str| api.types.iter().position(|t| t.name == name).unwrap();
        let (issues, projects) = (def("IssuesCreateBody"), def("ProjectsCreateBody"));
        // The first pointer is defined: `/paths/~1issues` before `~1projects`.
        assert!(matches!(
            api.types[issues].kind,
            crate::model::TypeKind::Struct { .. }
        ));
        assert!(
            matches!(api.types[projects].kind, crate::model::TypeKind::Alias { ty: crate::model::Ty::Named(id), newtype: false } if id == issues),
            "{:?}",
            api.types[projects].kind
        );
        let state = def("ProjectsCreateBodyState");
        assert!(matches!(
            api.types[state].kind,
            crate::model::TypeKind::Alias { .. }
        ));
        // Both operations send the one struct.
        for op in &api.operations {
            assert_eq!(
                op.body.as_ref().unwrap().ty,
                crate::model::Ty::Named(issues)
            );
        }
        // The bindings still name both.
        let text = generated_text(&doc, &Default::default());
        assert!(
            text.contains("pub type ProjectsCreateBody = IssuesCreateBody;"),
            "{text}"
        );
    }

    #[test]
    fn types_derive_what_their_uses_need() {
        let text = generated_text(
            &Document::parse(
                "case.yaml",
                &format!("{HEAD}paths:\n{}", create_in("issues")),
            )
            .unwrap(),
            &Default::default(),
        );
        let derives = |name: &str| {
            let at = text.find(&format!("pub struct {name} ")).unwrap();
            let start = text[..at].rfind("#[derive(").unwrap();
            text[start..at].to_owned()
        };
        // Whether the text makes `name` readable (the runtime's
        // `wire_struct!` implements `Deserialize`).
        let read = |text: &str, name: &str| {
            text.split("wire_struct!(")
                .skip(1)
                .any(|after| after.split_whitespace().next() == Some(name))
        };
        // The body is sent, the answer received.
        let body = derives("IssuesCreateBody");
        assert!(
            body.contains("Serialize") && !read(&text, "IssuesCreateBody"),
            "{text}"
        );
        let answer = derives("IssuesCreateResponse");
        assert!(
            !answer.contains("Serialize") && read(&text, "IssuesCreateResponse"),
            "{text}"
        );
        // Bindings asked for both ways get both.
        let options = crate::emit::Options {
            serde_both_ways: true,
            ..Default::default()
        };
        let doc = Document::parse(
            "case.yaml",
            &format!("{HEAD}paths:\n{}", create_in("issues")),
        )
        .unwrap();
        let text = generated_text(&doc, &options);
        let at = text.find("pub struct IssuesCreateBody ").unwrap();
        let derives = &text[text[..at].rfind("#[derive(").unwrap()..at];
        assert!(
            derives.contains("Serialize") && read(&text, "IssuesCreateBody"),
            "{text}"
        );
    }

    #[test]
    fn a_member_whose_type_is_an_option_underneath_may_be_absent() {
        // `via` is required, and an alias of a nullable schema: an
        // `Option`, read as `None` when absent, like `inline`.
        let spec = format!(
            "{HEAD}paths:\n  /h:\n    get:\n      operationId: things/getHolder\n      tags: [things]\n      description: Works with ICR Apps.\n      x-icr-permissions: [{{things: read}}]\n      responses:\n        '200': {{description: h, content: {{application/json: {{schema: {{$ref: '#/components/schemas/Holder'}}}}}}}}\ncomponents:\n  schemas:\n    Thing: {{type: object, nullable: true, properties: {{x: {{type: string}}}}}}\n    Alias: {{$ref: '#/components/schemas/Thing'}}\n    Holder:\n      type: object\n      required: [via, inline, plain]\n      properties:\n        via: {{$ref: '#/components/schemas/Alias'}}\n        inline: {{type: object, nullable: true, properties: {{x: {{type: string}}}}}}\n        plain: {{type: string}}\n"
        );
        let text = generated_text(
            &Document::parse("case.yaml", &spec).unwrap(),
            &Default::default(),
        );
        assert!(text.contains("pub type Alias = Option<Thing>;"), "{text}");
        let members = text.split("wire_struct!(").nth(1).unwrap();
        let members: String = members[..members.find(')').unwrap()]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(members.contains("optional via"), "{members}");
        assert!(members.contains("optional inline"), "{members}");
        assert!(members.contains("required plain"), "{members}");
    }

    #[test]
    fn a_field_doc_carries_its_default_bounds_and_values() {
        let spec = format!(
            "{HEAD}paths:\n  /h:\n    post:\n      operationId: things/postH\n      tags: [things]\n      description: Works with ICR Apps.\n      x-icr-permissions: [{{things: read}}]\n      requestBody: {{content: {{application/json: {{schema: {{$ref: '#/components/schemas/H'}}}}}}}}\n      responses: {{'204': {{description: none}}}}\ncomponents:\n  schemas:\n    H:\n      type: object\n      properties:\n        title: {{type: string, minLength: 1, maxLength: 256, description: The new title.}}\n        size: {{type: integer, maximum: 100, default: 30, description: \"How many.\\n\\nMore on it.\"}}\n        mode: {{type: string, enum: [a, b]}}\n"
        );
        let text = generated_text(
            &Document::parse("case.yaml", &spec).unwrap(),
            &Default::default(),
        );
        // One line of meaning: the facts follow on it.
        assert!(
            text.contains("/// The new title. From 1 to 256 characters.\n"),
            "{text}"
        );
        // Paragraphs: the facts are one more.
        assert!(
            text.contains("/// More on it.\n    ///\n    /// At most 100; default `30` (the server's, when left out).\n"),
            "{text}"
        );
        // No description: the facts alone.
        assert!(text.contains("/// One of `a`, `b`.\n"), "{text}");
    }

    #[test]
    fn a_setter_is_left_out_where_its_name_is_taken() {
        let spec = format!(
            "{HEAD}paths:\n  /h:\n    post:\n      operationId: things/postH\n      tags: [things]\n      description: Works with ICR Apps.\n      x-icr-permissions: [{{things: read}}]\n      requestBody: {{content: {{application/json: {{schema: {{$ref: '#/components/schemas/H'}}}}}}}}\n      responses: {{'204': {{description: none}}}}\ncomponents:\n  schemas:\n    H:\n      type: object\n      required: [id]\n      properties:\n        id: {{type: integer}}\n        new: {{type: string}}\n        x: {{type: string, nullable: true}}\n        clearX: {{type: string}}\n        y: {{type: string, nullable: true}}\n"
        );
        let text = generated_text(
            &Document::parse("case.yaml", &spec).unwrap(),
            &Default::default(),
        );
        let setters = text.split("rt::setters!(").nth(1).unwrap();
        let setters: String = setters[..setters.find(");").unwrap()]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        // `new` is the constructor's; `clear_x` is a member's: `x` has no
        // `null` setter, `y` has one; `id` is the constructor's to set.
        assert_eq!(
            setters,
            "H { clear_x : String = \"Sets [`clear_x`](Self::clear_x).\"; x : String = \"Sets [`x`](Self::x).\", y : String = \"Sets [`y`](Self::y).\" | clear_y = \"Sets [`y`](Self::y) to `null`.\" }",
            "{text}"
        );
    }

    #[test]
    fn no_tag_module_takes_a_name_generated_code_imports() {
        let doc = Document::parse(
            "case.yaml",
            &format!(
                "{HEAD}paths:\n{}{}{}",
                create_in("rt"),
                create_in("models"),
                create_in("permissions")
            ),
        )
        .unwrap();
        let api = super::lower(&doc).unwrap();
        let modules: Vec<&str> = api.operations.iter().map(|o| o.module.as_str()).collect();
        for taken in ["rt", "models", "permissions"] {
            assert!(!modules.contains(&taken), "{modules:?}");
        }
    }

    #[test]
    fn schemas_reached_by_a_reference_into_a_place_are_named_from_it() {
        let raw: serde_json::Value = serde_json::json!({"paths": {"/a/{id}": {"get": {
            "operationId": "things/getThing",
            "parameters": [{"name": "id"}, {"name": "sort-by"}],
        }}}});
        let hint = |pointer: &str| {
            let at = crate::JsonPointer::root();
            let at = pointer
                .split('/')
                .skip(1)
                .fold(at, |at, s| at.join(s.replace("~1", "/")));
            super::pointer_hint(&raw, &at)
        };
        assert_eq!(
            hint("/components/schemas/run/properties/status"),
            "RunStatus"
        );
        assert_eq!(
            hint("/components/requestBodies/run/content/application~1json/schema"),
            "RunBody"
        );
        assert_eq!(
            hint("/paths/~1a~1{id}/get/parameters/1/schema"),
            "GetThingSortBy"
        );
        assert_eq!(
            hint(
                "/paths/~1a~1{id}/get/responses/200/content/application~1json/schema/items/properties/owner"
            ),
            "GetThingResponseItemOwner"
        );
        assert_eq!(
            hint("/components/schemas/box/allOf/1/additionalProperties"),
            "BoxPart1Value"
        );
    }

    #[test]
    fn json_with_escaped_surrogate_pairs_is_read() {
        // As Python's `json.dump` writes an emoji: two escaped halves.
        let text = r#"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "x-icr-permission-catalog": {"things": {"description": "T.", "levels": ["read"]}},
            "paths": {"/a": {"get": {"operationId": "t/getA",
                "description": "fun size \ud83c\udf6b\n\nWorks with ICR Apps.",
                "x-icr-permissions": [{"things": "read"}],
                "responses": {"204": {"description": "none"}}}}}}"#;
        let doc = Document::parse("case.json", text).unwrap();
        let api = super::lower(&doc).unwrap();
        let description = api.operations[0].description.as_deref().unwrap();
        assert!(
            description.starts_with("fun size \u{1f36b}"),
            "{description}"
        );
    }

    #[test]
    fn operations_without_a_success_answer_are_skipped_with_the_reason() {
        let redirect = |path: &str, status: &str| {
            format!(
                "  /{path}:\n    get:\n      operationId: t/{path}\n      description: Works with ICR Apps.\n      x-icr-permissions: [{{things: read}}]\n      responses:\n        '{status}': {{description: elsewhere}}\n        '404': {{description: missing}}\n"
            )
        };
        // Errors only, with an inline body and an inline parameter: skipped
        // before any of it is lowered, so no type is left behind.
        let errors_only = "  /refused:\n    post:\n      operationId: t/refused\n      description: Works with ICR Apps.\n      x-icr-permissions: [{things: read}]\n      parameters: [{name: mode, in: query, schema: {type: string, enum: [a, b]}}]\n      requestBody: {content: {application/json: {schema: {type: object, properties: {x: {type: string}}}}}}\n      responses:\n        '400': {description: refused}\n";
        let doc = Document::parse(
            "case.yaml",
            &format!(
                "{HEAD}paths:\n{}{}{errors_only}",
                redirect("download", "302"),
                redirect("upgrade", "101")
            ),
        )
        .unwrap();
        let api = super::lower(&doc).unwrap();
        assert!(api.operations.is_empty(), "{:?}", api.operations);
        assert!(api.types.is_empty(), "{:?}", api.types);
        assert_eq!(
            api.summary.skipped[super::SKIPPED_NO_SUCCESS],
            ["t/download", "t/upgrade", "t/refused"]
        );
    }

    #[test]
    fn enum_values_listed_twice_are_one_variant_and_numbered_names_stay_pascal() {
        let doc = Document::parse(
            "case.yaml",
            &format!(
                "{HEAD}{}",
                op("      parameters: [{name: e, in: query, schema: {type: string, enum: [dup, dup, self, Self]}}]\n      responses: {'204': {description: none}}\n")
            ),
        )
        .unwrap();
        let api = super::lower(&doc).unwrap();
        let crate::model::TypeKind::Enum { variants } = &api.types[0].kind else {
            panic!("{:?}", api.types);
        };
        let names: Vec<(&str, &str)> = variants
            .iter()
            .map(|v| (v.name.as_str(), v.wire.as_str()))
            .collect();
        assert_eq!(
            names,
            [("Dup", "dup"), ("Self_", "self"), ("Self2", "Self")]
        );
    }

    #[test]
    fn json_under_a_type_of_its_own_is_sent_with_it() {
        let paths = "paths:\n  /a:\n    patch:\n      operationId: t/patchA\n      description: Works with ICR Apps.\n      x-icr-permissions: [{things: read}]\n      requestBody:\n        required: true\n        content:\n          application/merge-patch+json: {schema: {type: object, properties: {name: {type: string, nullable: true}}}}\n      responses: {'204': {description: none}}\n";
        let doc = Document::parse("case.yaml", &format!("{HEAD}{paths}")).unwrap();
        let text = generated_text(&doc, &Default::default());
        assert!(
            text.contains(".json_as(body, \"application/merge-patch+json\")"),
            "{text}"
        );
    }

    #[test]
    fn merged_types_are_compiled_with_the_tags_of_every_name() {
        let doc = Document::parse(
            "case.yaml",
            &format!(
                "{HEAD}paths:\n{}{}",
                create_in("issues"),
                create_in("projects")
            ),
        )
        .unwrap();
        let options = crate::emit::Options {
            tag_features: true,
            ..Default::default()
        };
        let text = generated_text(&doc, &options);
        let item = |name: &str| {
            let at = text.find(name).unwrap();
            let end = at + text[at..].find(';').unwrap_or(0);
            let start = text[..at].rfind("\n\n").map_or(0, |s| s);
            text[start..end].to_owned()
        };
        // The alias named by `projects` only, the struct by both.
        let alias = item("pub type ProjectsCreateBody = IssuesCreateBody;");
        assert!(
            alias.contains("feature = \"issues\"") && alias.contains("feature = \"projects\""),
            "{alias}"
        );
        let kept = item("pub struct IssuesCreateBody ");
        assert!(kept.contains("feature = \"projects\""), "{kept}");
    }

    #[test]
    fn structured_vendor_media_types_are_json() {
        let paths = "paths:\n  /a:\n    post:\n      operationId: t/postA\n      description: Works with ICR Apps.\n      x-icr-permissions: [{things: read}]\n      requestBody:\n        required: true\n        content:\n          application/vnd.example.object: {schema: {$ref: '#/components/schemas/thing'}}\n      responses:\n        '200': {description: ok, content: {application/vnd.example.object: {schema: {type: object, properties: {id: {type: integer}}}}}}\n  /b:\n    get:\n      operationId: t/getB\n      description: Works with ICR Apps.\n      x-icr-permissions: [{things: read}]\n      responses:\n        '200': {description: ok, content: {application/vnd.example.zip: {schema: {type: string, format: binary}}}}\ncomponents:\n  schemas:\n    thing: {type: object, properties: {name: {type: string}}}\n";
        let doc = Document::parse("case.yaml", &format!("{HEAD}{paths}")).unwrap();
        let api = super::lower(&doc).unwrap();
        let object = crate::model::Encoding::VendorJson("application/vnd.example.object".into());
        let post = &api.operations[0];
        assert_eq!(post.body.as_ref().unwrap().encoding, object);
        match &post.response {
            crate::model::ResponseShape::Single { encoding, ty, .. } => {
                assert_eq!(encoding, &object);
                assert!(matches!(ty, crate::model::Ty::Named(_)), "{ty:?}");
            }
            other => panic!("{other:?}"),
        }
        match &api.operations[1].response {
            crate::model::ResponseShape::Single { encoding, .. } => assert_eq!(
                encoding,
                &crate::model::Encoding::Binary("application/vnd.example.zip".into())
            ),
            other => panic!("{other:?}"),
        }
        // The function sends the body with its media type and decodes JSON.
        let text = generated_text(&doc, &Default::default());
        assert!(
            text.contains(".json_as(body, \"application/vnd.example.object\")"),
            "{text}"
        );
        assert!(
            text.contains(".accept(\"application/vnd.example.object\")"),
            "{text}"
        );
    }

    #[test]
    fn webhook_events_are_lowered_or_refused_at_their_node() {
        let event = |post: &str| {
            format!(
                "paths: {{}}\ncomponents:\n  schemas:\n    Ping: {{type: object, properties: {{action: {{type: string, enum: [a, b]}}}}}}\nx-webhooks:\n  ping:\n    post:\n{post}"
            )
        };
        let body = "      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Ping'}}}}\n";
        let doc = Document::parse(
            "case.yaml",
            &format!(
                "{HEAD}{}",
                event(&format!(
                    "      summary: Pings.\n      x-icr-permissions: [{{things: read}}]\n{body}"
                ))
            ),
        )
        .unwrap();
        let api = generate(&doc, &Default::default()).unwrap().api;
        assert_eq!(api.events.len(), 1);
        assert_eq!(api.events[0].name, "Ping");
        assert_eq!(api.events[0].actions, ["a", "b"]);
        assert_eq!(api.events[0].requirement.to_string(), "things: read");
        check(
            &event(body),
            ErrorKind::Permission,
            "/x-webhooks/ping/post",
            None,
            "event `ping` lists no permissions",
        );
        check(
            &event(
                "      x-icr-permissions: [{things: read}]\n      requestBody: {content: {application/json: {schema: {type: object}}}}\n",
            ),
            ErrorKind::Unsupported,
            "/x-webhooks/ping/post/requestBody/content/application~1json/schema",
            None,
            "as a `$ref` to a schema",
        );
        check(
            &event(&format!(
                "      x-icr-permissions: [{{thing: read}}]\n{body}"
            )),
            ErrorKind::Permission,
            "/x-webhooks/ping/post/x-icr-permissions/0/thing",
            None,
            "did you mean `things`?",
        );
    }

    #[test]
    fn what_cannot_be_expressed_is_an_error_at_its_node() {
        let ok = "      responses: {'204': {description: x}}\n";
        check(
            &op(&format!(
                "      parameters: [{{name: c, in: cookie, schema: {{type: string}}}}]\n{ok}"
            )),
            ErrorKind::Unsupported,
            "/paths/~1a/get/parameters/0",
            Some("t/getA"),
            "cookie parameter `c` is not supported",
        );
        check(
            &op(&format!(
                "      parameters: [{{name: f, in: query, style: deepObject, schema: {{type: object}}}}]\n{ok}"
            )),
            ErrorKind::Unsupported,
            "/paths/~1a/get/parameters/0/style",
            Some("t/getA"),
            "`deepObject`",
        );
        check(
            &op(&format!(
                "      parameters: [{{name: q, in: query, content: {{application/json: {{schema: {{type: object}}}}}}}}]\n{ok}"
            )),
            ErrorKind::Unsupported,
            "/paths/~1a/get/parameters/0/content",
            Some("t/getA"),
            "described by `content`",
        );
        check(
            &op(&format!(
                "      requestBody: {{content: {{multipart/form-data: {{schema: {{type: object}}}}}}}}\n{ok}"
            )),
            ErrorKind::Unsupported,
            "/paths/~1a/get/requestBody/content",
            Some("t/getA"),
            "no supported request media type among [multipart/form-data]",
        );
        check(
            &op(
                "      responses:\n        '200':\n          description: x\n          content:\n            application/json:\n              schema:\n                allOf:\n                  - {type: object, properties: {a: {type: string}}}\n                  - oneOf: [{type: string}, {type: integer}]\n",
            ),
            ErrorKind::Unsupported,
            "/paths/~1a/get/responses/200/content/application~1json/schema/allOf/1",
            Some("t/getA"),
            "`allOf` can only merge object schemas",
        );
        check(
            &format!(
                "{}components:\n  schemas:\n    A: {{allOf: [{{$ref: '#/components/schemas/B'}}, {{type: object}}]}}\n    B: {{allOf: [{{$ref: '#/components/schemas/A'}}, {{type: object}}]}}\n",
                op(
                    "      responses: {'200': {description: x, content: {application/json: {schema: {$ref: '#/components/schemas/A'}}}}}\n"
                )
            ),
            ErrorKind::Unsupported,
            "/components/schemas/B/allOf/0",
            Some("t/getA"),
            "nests more than 32 deep",
        );
    }

    #[test]
    fn a_marked_operation_must_list_its_permissions() {
        // Its function states what it needs when it sends; with nothing
        // listed there is nothing to state.
        check(
            "paths:\n  /a:\n    get:\n      operationId: t/getA\n      description: Works with ICR Apps.\n      responses: {'204': {description: x}}\n",
            ErrorKind::Permission,
            "/paths/~1a/get",
            Some("t/getA"),
            "marked \"Works with ICR Apps.\" but lists no permissions; add `x-icr-permissions`",
        );
    }

    #[test]
    fn malformed_documents_are_errors_at_their_node() {
        check(
            "paths: {/a: [unclosed\n",
            ErrorKind::Syntax,
            "",
            None,
            "not valid YAML or JSON at line",
        );
        check(
            &op(
                "      responses: {'200': {description: x, content: {application/json: {schema: {$ref: '#/components/schemas/Nope'}}}}}\n",
            ),
            ErrorKind::Reference,
            "/paths/~1a/get/responses/200/content/application~1json/schema/$ref",
            None,
            "`#/components/schemas/Nope` does not resolve",
        );
        check(
            &op(
                "      parameters: [{name: q, in: query, required: maybe, schema: {type: string}}]\n      responses: {'204': {description: none}}\n",
            ),
            ErrorKind::Structure,
            // `required` is in a flattened struct of `openapiv3`: the parameter
            // is the deepest node that can be named; the message names the value.
            "/paths/~1a/get/parameters/0",
            Some("t/getA"),
            "invalid type: string \"maybe\", expected a boolean",
        );
        check(
            "paths:\n  /a:\n    get:\n      operationId: t/getA\n      description: Works with ICR Apps.\n      x-icr-permissions: [{thing: read}]\n      responses: {'204': {description: none}}\n",
            ErrorKind::Permission,
            "/paths/~1a/get/x-icr-permissions/0/thing",
            Some("t/getA"),
            "did you mean `things`?",
        );
        let newer = Document::parse(
            "case.yaml",
            "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n",
        )
        .unwrap();
        let errors = generate(&newer, &Default::default()).unwrap_err();
        assert_eq!(errors[0].kind, ErrorKind::Unsupported);
        assert_eq!(
            errors[0].to_string(),
            "case.yaml#/openapi: OpenAPI `3.1.0` is not supported; these tools read OpenAPI 3.0.x"
        );
    }
}
