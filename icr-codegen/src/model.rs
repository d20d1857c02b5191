//! The model stage's output: the API as this generator understands it,
//! independent of OpenAPI's many spellings of one thing and of how Rust is
//! written. Every item keeps the API's original name beside its Rust name,
//! and the JSON pointer it came from.

use std::collections::BTreeMap;

use crate::JsonPointer;
use crate::permissions::{Catalog, Requirement};

/// Everything generated from one spec.
#[derive(Clone, Debug)]
pub struct Api {
    /// The spec's `info.title`.
    pub title: String,
    /// The platform's name, as the diagnostics say it ("the ICR App
    /// `ReleaseNotes` was not granted …"): the root's `x-icr-platform`, or
    /// the first word of the title.
    pub platform: String,
    /// The generated operations, in document order.
    pub operations: Vec<Operation>,
    /// The types those operations use, in the order they were met.
    pub types: Vec<TypeDef>,
    /// The webhook events (`x-webhooks`), in document order.
    pub events: Vec<Event>,
    /// The spec's permission catalog.
    pub catalog: Catalog,
    /// What was read, generated and skipped.
    pub summary: Summary,
}

/// Counts of what generation did, for the summary every run prints.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Operations in the spec.
    pub read: usize,
    /// Operations whose description carries the marker.
    pub marked: usize,
    /// Functions generated for installation clients.
    pub installation: usize,
    /// Functions generated for the app client.
    pub app: usize,
    /// Operations not generated, by reason, with their ids (or method and
    /// path).
    pub skipped: BTreeMap<String, Vec<String>>,
}

/// Which client an operation's function takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientKind {
    /// An installation access token: the operation is marked.
    Installation,
    /// The app's JWT: the operation's security asks for a JWT bearer.
    App,
}

/// One generated request function.
#[derive(Clone, Debug)]
pub struct Operation {
    /// The `operationId`, if the spec gave one.
    pub api_name: Option<String>,
    /// The function's name.
    pub name: String,
    /// The module (from the first tag) the function lives in.
    pub module: String,
    /// Where the operation is in the spec.
    pub pointer: JsonPointer,
    /// The upper-case HTTP method.
    pub method: String,
    /// The path template.
    pub path: String,
    /// The `summary`.
    pub summary: Option<String>,
    /// The `description`.
    pub description: Option<String>,
    /// Whether the spec deprecates the operation.
    pub deprecated: bool,
    /// Which client the function takes.
    pub client: ClientKind,
    /// The permissions the operation needs (marked operations).
    pub requirement: Option<Requirement>,
    /// Parameters passed as arguments: path parameters and required query
    /// and header parameters, in spec order.
    pub args: Vec<Param>,
    /// Optional query and header parameters, passed in one struct.
    pub options: Option<Options>,
    /// The request body, if any.
    pub body: Option<Body>,
    /// What a success answer decodes to.
    pub response: ResponseShape,
    /// How the operation pages, if it is a list (see [`Paging`]).
    pub paging: Option<Paging>,
    /// The server the operation's own or its path's `servers` name (the
    /// first, variables at their defaults), when it is not the API's.
    pub server: Option<String>,
}

impl Operation {
    /// The types it sends: its parameters' and its body's.
    pub fn sent_types(&self) -> impl Iterator<Item = &Ty> {
        self.args
            .iter()
            .chain(self.options.iter().flat_map(|o| &o.params))
            .map(|param| &param.ty)
            .chain(self.body.iter().map(|body| &body.ty))
    }

    /// The types it receives: its answers'.
    pub fn received_types(&self) -> impl Iterator<Item = &Ty> {
        let (single, variants) = match &self.response {
            ResponseShape::Single { ty, .. } => (Some(ty), &[][..]),
            ResponseShape::Enum { variants, .. } => (None, variants.as_slice()),
        };
        single.into_iter().chain(variants.iter().map(|v| &v.ty))
    }

    /// Every type it sends or receives, to change.
    pub fn types_mut(&mut self) -> impl Iterator<Item = &mut Ty> {
        let Self {
            args,
            options,
            body,
            response,
            ..
        } = self;
        let (single, variants) = match response {
            ResponseShape::Single { ty, .. } => (Some(ty), &mut [][..]),
            ResponseShape::Enum { variants, .. } => (None, variants.as_mut_slice()),
        };
        args.iter_mut()
            .chain(options.iter_mut().flat_map(|o| &mut o.params))
            .map(|param| &mut param.ty)
            .chain(body.iter_mut().map(|body| &mut body.ty))
            .chain(single)
            .chain(variants.iter_mut().map(|v| &mut v.ty))
    }
}

/// A list operation: it takes `perPage` and `page`, answers an array, and
/// says where the other pages are in a `Link` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paging {
    /// The page-size parameter (`perPage`) and the largest size the spec
    /// allows, asked for when a whole list is read (unless the caller
    /// chose one).
    pub per_page_max: Option<(String, i64)>,
}

/// A webhook event: what ICR sends an app's webhook, and what an
/// installation must hold to be sent it.
#[derive(Clone, Debug)]
pub struct Event {
    /// The event's name, as sent in `X-ICR-Event` (`issueComment`).
    pub api_name: String,
    /// The Rust name of its variant and marker type (`IssueComment`).
    pub name: String,
    /// Where the event's `post` is in the spec.
    pub pointer: JsonPointer,
    /// The `summary`.
    pub summary: Option<String>,
    /// The `description`.
    pub description: Option<String>,
    /// The payload's type.
    pub payload: Ty,
    /// The payload's actions (its `action` property's values), if it has
    /// them.
    pub actions: Vec<String>,
    /// What an installation must hold to be sent the event.
    pub requirement: Requirement,
}

/// A parameter of an operation.
#[derive(Clone, Debug)]
pub struct Param {
    /// The name in the API.
    pub api_name: String,
    /// The Rust name.
    pub name: String,
    /// Where it goes.
    pub location: Location,
    /// Its type.
    pub ty: Ty,
    /// How an array value is written in a query.
    pub style: ArrayStyle,
    /// Its description.
    pub doc: Option<String>,
    /// What its schema says of its values: the default, bounds, allowed
    /// values, as a sentence for its docs.
    pub facts: Option<String>,
    /// The schema's `maximum`, if it has one.
    pub maximum: Option<i64>,
}

/// Where a parameter goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    /// Into the path template.
    Path,
    /// Into the query string.
    Query,
    /// Into a header.
    Header,
}

/// How an array query parameter is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrayStyle {
    /// `name=a&name=b`.
    Repeat,
    /// `name=a<delimiter>b`.
    Join(&'static str),
}

/// The struct of an operation's optional parameters.
#[derive(Clone, Debug)]
pub struct Options {
    /// The struct's name.
    pub name: String,
    /// The name of the call the function returns, on which they are set
    /// by name.
    pub call: String,
    /// Its fields, each optional.
    pub params: Vec<Param>,
}

/// A request body.
#[derive(Clone, Debug)]
pub struct Body {
    /// The body's type (`String` for text, bytes for binary).
    pub ty: Ty,
    /// How it is sent.
    pub encoding: Encoding,
    /// Whether the operation requires it.
    pub required: bool,
}

/// How a body is written or read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// JSON.
    Json,
    /// JSON under a media type of its own without `+json`
    /// (`application/vnd.example.object`), sent with that type.
    VendorJson(String),
    /// `application/x-www-form-urlencoded`.
    Form,
    /// Text of this media type.
    Text(String),
    /// Bytes of this media type.
    Binary(String),
    /// No body.
    Empty,
}

/// What a success answer decodes to.
#[derive(Clone, Debug)]
pub enum ResponseShape {
    /// One type whatever the status.
    Single {
        /// The type.
        ty: Ty,
        /// How the body is read.
        encoding: Encoding,
        /// The media types to ask for, comma-separated.
        accept: String,
    },
    /// One variant per success status and media type.
    Enum {
        /// The enum's name.
        name: String,
        /// The variants.
        variants: Vec<ResponseVariant>,
        /// The media types to ask for, comma-separated.
        accept: String,
    },
}

/// One success answer of an operation with several.
#[derive(Clone, Debug)]
pub struct ResponseVariant {
    /// The variant's name.
    pub name: String,
    /// The statuses it answers (a range like `2XX` is `200..=299`).
    pub statuses: (u16, u16),
    /// The media type, when the status has several.
    pub media_type: Option<String>,
    /// The body's type.
    pub ty: Ty,
    /// How the body is read.
    pub encoding: Encoding,
}

/// A Rust type, as fields, parameters and bodies use it.
#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    /// A generated type, by index into [`Api::types`].
    Named(usize),
    /// A type the runtime provides.
    Prim(Prim),
    /// A list.
    Vec(Box<Ty>),
    /// A map from strings.
    Map(Box<Ty>),
    /// A value that may be `null`.
    Option(Box<Ty>),
    /// No value (an answer without a body).
    Unit,
}

/// The types that are not generated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prim {
    /// `int32`.
    I32,
    /// `integer`, `int64`.
    I64,
    /// `float`.
    F32,
    /// `number`, `double`.
    F64,
    /// `boolean`.
    Bool,
    /// `string`.
    String,
    /// `date-time`.
    DateTime,
    /// `date`.
    Date,
    /// `format: password`: a credential, kept out of `Debug` output.
    Secret,
    /// A binary body.
    Bytes,
    /// Any JSON value.
    Json,
}

/// A generated type.
#[derive(Clone, Debug)]
pub struct TypeDef {
    /// Its Rust name.
    pub name: String,
    /// The component name it comes from, if it is a component.
    pub api_name: Option<String>,
    /// Where it is in the spec.
    pub pointer: JsonPointer,
    /// Its description.
    pub doc: Option<String>,
    /// The module of the first operation that uses it.
    pub module: String,
    /// What it is.
    pub kind: TypeKind,
}

/// What a generated type is.
#[derive(Clone, Debug)]
pub enum TypeKind {
    /// An object with named fields, and maybe a map of the other members.
    Struct {
        /// The fields, in spec order.
        fields: Vec<Field>,
        /// The type of members other than the fields
        /// (`additionalProperties` beside `properties`).
        additional: Option<Ty>,
    },
    /// A string enum; unknown values are kept in an `Other(String)` variant.
    Enum {
        /// The known values.
        variants: Vec<EnumVariant>,
    },
    /// `oneOf`/`anyOf`: one of several types; anything else is kept as JSON.
    Union {
        /// The discriminator property, if the spec names one.
        tag: Option<String>,
        /// The variants.
        variants: Vec<UnionVariant>,
    },
    /// Another name for a type: a `type` alias, or a one-field struct when
    /// the type contains itself (an alias cannot).
    Alias {
        /// The type it names.
        ty: Ty,
        /// Whether it must be a one-field struct.
        newtype: bool,
    },
}

/// A struct field.
#[derive(Clone, Debug)]
pub struct Field {
    /// The property's name in the API.
    pub api_name: String,
    /// The Rust name.
    pub name: String,
    /// The type of a present, non-null value.
    pub ty: Ty,
    /// Whether the property must be present.
    pub required: bool,
    /// Whether it may be `null`.
    pub nullable: bool,
    /// Whether the value must be boxed, because the type contains itself.
    pub boxed: bool,
    /// Its description.
    pub doc: Option<String>,
}

/// A known value of a string enum.
#[derive(Clone, Debug)]
pub struct EnumVariant {
    /// The Rust name.
    pub name: String,
    /// The value on the wire.
    pub wire: String,
}

/// A variant of a union.
#[derive(Clone, Debug)]
pub struct UnionVariant {
    /// The Rust name.
    pub name: String,
    /// The discriminator values that select it.
    pub tags: Vec<String>,
    /// Its type.
    pub ty: Ty,
    /// Whether the value must be boxed, because the type contains itself.
    pub boxed: bool,
}
