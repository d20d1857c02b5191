//! The emit stage: [`Api`] → a tree of [`Module`]s of Rust tokens, written
//! with `quote!` (never by joining strings).
//!
//! The tree is the same whichever front-end writes it out: `cargo xtask
//! codegen` makes a file of each module, `generate_api!` nests them inline.
//! Generated code is thin: a function describes its request in a few builder
//! calls on `rt::Request` and decodes the answer with one
//! call; everything else lives once in `icr-api`'s runtime. Every path is
//! absolute, so the code means the same wherever it is expanded.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::model::{
    Api, ArrayStyle, ClientKind, Encoding, Field, Location, Operation, Param, Prim, ResponseShape,
    Ty, TypeDef, TypeKind,
};
use crate::naming::{ident, snake};

mod events;
mod permissions;
pub mod smoke;
mod usage;

pub use permissions::{Placement, level_path};
pub use usage::Usage;

/// How to emit bindings.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Where the bindings live.
    pub placement: Placement,
    /// Every model derives both `Serialize` and `Deserialize`, whatever
    /// its uses: for bindings whose users write answers back out or read
    /// requests in (`icr-api`'s). Otherwise a model derives what its uses
    /// need (see [`Usage`]).
    pub serde_both_ways: bool,
    /// Each tag's module is compiled only with the cargo feature named
    /// after it ([`tag_feature`]), and each model only with a feature of a
    /// tag that uses it: for a crate of its own (`--out`), whose users
    /// compile only the tags they use.
    pub tag_features: bool,
    /// Only these tags' operations, and the models they use (tags by name
    /// or module name): `generate_api!(tags = [...])`. `None` for all.
    pub only_tags: Option<Vec<String>>,
}

/// The cargo feature of the tag whose module is `module`: its name (a raw
/// `r#type` without its prefix), but `default`, which cargo reserves, is
/// `default-tag`.
pub fn tag_feature(module: &str) -> String {
    match module.trim_start_matches("r#") {
        "default" => "default-tag".to_owned(),
        name => name.to_owned(),
    }
}

/// Whether `asked`, a tag as a user names it (`Code Scanning` or
/// `code_scanning`), is the tag whose module is `module`.
pub fn names_tag(asked: &str, module: &str) -> bool {
    asked == module || snake(asked) == module
}

/// `#[cfg(any(feature = "a", …))]` for the items of a type the tags
/// `modules` use.
fn tag_cfg(modules: &std::collections::BTreeSet<String>) -> TokenStream {
    let features: Vec<String> = modules.iter().map(|module| tag_feature(module)).collect();
    match features.as_slice() {
        [one] => quote!(#[cfg(feature = #one)]),
        all => quote!(#[cfg(any(#(feature = #all),*))]),
    }
}

/// A Rust module of generated code.
#[derive(Clone, Debug)]
pub struct Module {
    /// The module's name (empty for the root).
    pub name: String,
    /// Its `//!` documentation.
    pub doc: String,
    /// Its items.
    pub items: TokenStream,
    /// Its child modules.
    pub children: Vec<Module>,
    /// Whether the children are private and their items re-exported here
    /// (`mod x; pub use x::*;`), as the per-tag files of `models` are.
    pub flatten_children: bool,
    /// Whether a child's items may all be compiled out (by tag features),
    /// so that its re-export may import nothing.
    pub children_may_be_empty: bool,
}

/// Lints that the API description, not this generator, decides about.
fn allowed_lints() -> TokenStream {
    quote! {
        #![allow(
            clippy::enum_variant_names,
            clippy::large_enum_variant,
            clippy::too_many_arguments,
            reason = "names and shapes come from the API description"
        )]
        #![allow(
            unused_qualifications,
            reason = "the runtime is named `rt::…` everywhere, even where its crates are in scope"
        )]
    }
}

/// Emits every module of `api`, as `options` say.
pub fn emit(api: &Api, options: &Options) -> Module {
    let placement = &options.placement;
    let type_tags = usage::tags_of_types(api);
    // The tags asked for, by name or module name.
    let selected = |module: &str| match &options.only_tags {
        None => true,
        Some(only) => only.iter().any(|tag| names_tag(tag, module)),
    };
    let type_selected = |id: usize| match (&type_tags[id], &options.only_tags) {
        (None, _) | (_, None) => true,
        (Some(modules), Some(_)) => modules.iter().any(|module| selected(module)),
    };
    let mut tags: Vec<&str> = Vec::new();
    for name in api
        .operations
        .iter()
        .filter(|o| selected(&o.module))
        .map(|o| o.module.as_str())
        .chain(
            api.types
                .iter()
                .enumerate()
                .filter(|(id, _)| type_selected(*id))
                .map(|(_, t)| t.module.as_str()),
        )
    {
        if !tags.contains(&name) {
            tags.push(name);
        }
    }
    let emitter = Emitter {
        api,
        std: Std::for_api(api),
        models: quote!(models),
        usages: usage::usages(api, options.serde_both_ways),
    };

    let mut model_modules = Vec::new();
    for tag in &tags {
        let types: Vec<(usize, &TypeDef)> = api
            .types
            .iter()
            .enumerate()
            .filter(|(id, t)| t.module == *tag && type_selected(*id))
            .collect();
        if types.is_empty() {
            continue;
        }
        let reaches_siblings = types.iter().any(|(_, t)| emitter.names_other_module(t));
        let allow =
            quote!(#[allow(unused_imports, reason = "a module's types may all be compiled out")]);
        let glob = reaches_siblings.then(|| quote!(#allow use super::*;));
        let imports = quote! {
            #allow
            use ::icr_api::__private as rt;
            #glob
        };
        let definitions = types.iter().map(|(id, t)| {
            let cfg = match (&type_tags[*id], options.tag_features) {
                (Some(modules), true) => tag_cfg(modules),
                _ => TokenStream::new(),
            };
            emitter.type_def(*id, t, &cfg)
        });
        let lints = allowed_lints();
        model_modules.push(Module {
            name: (*tag).to_owned(),
            doc: format!("Models first used by the `{tag}` operations."),
            items: quote! { #lints #imports #(#definitions)* },
            children: Vec::new(),
            flatten_children: false,
            children_may_be_empty: false,
        });
    }
    let mut children = vec![
        Module {
            name: "models".to_owned(),
            doc: "The types of request and response bodies; all of them are re-exported here."
                .to_owned(),
            items: TokenStream::new(),
            children: model_modules,
            flatten_children: true,
            children_may_be_empty: options.tag_features,
        },
        Module {
            name: "permissions".to_owned(),
            doc: "What an app can be granted, as traits: one per permission and level, and one per requirement of several alternatives. The `permissions!` macro implements them for a declaration; request functions name them in their bounds.".to_owned(),
            items: permissions::module_items(api),
            children: Vec::new(),
            flatten_children: false,
            children_may_be_empty: false,
        },
    ];
    if !api.events.is_empty() {
        let lints = allowed_lints();
        let imports = operation_imports();
        let items = emitter.events(&api.events);
        children.push(Module {
            name: crate::lower::EVENTS_MODULE.to_owned(),
            doc: "The webhook events: a marker type for each, naming its payload and the permissions an app needs to be sent it, and `Event`, any one delivery decoded by its name.".to_owned(),
            items: quote! { #lints #imports #items },
            children: Vec::new(),
            flatten_children: false,
            children_may_be_empty: false,
        });
    }
    for tag in &tags {
        let operations: Vec<&Operation> = api
            .operations
            .iter()
            .filter(|o| o.module == *tag && selected(&o.module))
            .collect();
        if operations.is_empty() {
            continue;
        }
        let functions = operations.iter().map(|o| emitter.operation(o));
        let lints = allowed_lints();
        let imports = operation_imports();
        let cfg = options.tag_features.then(|| {
            let feature = tag_feature(tag);
            quote!(#![cfg(feature = #feature)])
        });
        let doc = if options.tag_features {
            format!(
                "The `{tag}` operations: one request function each. Compiled with the `{}` feature.",
                tag_feature(tag)
            )
        } else {
            format!("The `{tag}` operations: one request function each.")
        };
        children.push(Module {
            name: (*tag).to_owned(),
            doc,
            items: quote! { #cfg #lints #imports #(#functions)* },
            children: Vec::new(),
            flatten_children: false,
            children_may_be_empty: false,
        });
    }
    Module {
        name: String::new(),
        doc: format!(
            "Bindings of {}: a function for each operation marked \"Works with ICR Apps.\" and each app (JWT) operation, and the models they use.",
            api.title
        ),
        items: {
            let mut items = quote! {
                /// The runtime these bindings run on, for `permissions!`
                /// expansions in crates that name it differently.
                #[doc(hidden)]
                #[allow(unused_imports, reason = "used by `permissions!` expansions only")]
                pub use ::icr_api as __icr_api;
            };
            items.extend(permissions::macro_items(api, placement));
            items
        },
        children,
        flatten_children: false,
        children_may_be_empty: false,
    }
}

/// The standard library's types as generated code names them: by their
/// prelude names (`Option<String>`), unless the API defines a type of one
/// of those names, which would shadow it; then by their full paths
/// everywhere.
pub(crate) struct Std {
    pub(crate) option: TokenStream,
    pub(crate) string: TokenStream,
    pub(crate) vec: TokenStream,
    pub(crate) boxed: TokenStream,
}

impl Std {
    const PRELUDE: [&'static str; 4] = ["Option", "String", "Vec", "Box"];

    fn for_api(api: &Api) -> Self {
        let defined = api
            .types
            .iter()
            .map(|t| t.name.as_str())
            .chain(api.operations.iter().flat_map(|op| {
                let answer = match &op.response {
                    ResponseShape::Enum { name, .. } => Some(name.as_str()),
                    ResponseShape::Single { .. } => None,
                };
                op.options
                    .iter()
                    .flat_map(|o| [o.name.as_str(), o.call.as_str()])
                    .chain(answer)
            }))
            .chain(api.events.iter().map(|e| e.name.as_str()));
        let mut shadowed = false;
        for name in defined {
            shadowed |= Self::PRELUDE.contains(&name);
        }
        if shadowed {
            Self {
                option: quote!(::core::option::Option),
                string: quote!(::std::string::String),
                vec: quote!(::std::vec::Vec),
                boxed: quote!(::std::boxed::Box),
            }
        } else {
            Self {
                option: quote!(Option),
                string: quote!(String),
                vec: quote!(Vec),
                boxed: quote!(Box),
            }
        }
    }
}

/// What the modules of operations and events name their neighbours and the
/// runtime by: `models::Issue`, `permissions::IssuesRead`, `rt::Request`
/// (short paths keep a large API's generated lines few; no generated type
/// or module can take these lower-case names).
fn operation_imports() -> TokenStream {
    quote! {
        #[allow(unused_imports, reason = "a module may not use all of them")]
        use super::{models, permissions};
        use ::icr_api::__private as rt;
    }
}

struct Emitter<'a> {
    api: &'a Api,
    /// How the standard library's types are named.
    std: Std,
    /// How each type crosses the wire, by index: what it derives.
    usages: Vec<Usage>,
    /// How code outside `models` names it: `models` (imported) in the
    /// bindings, `::icr_api::models` in the calls of [`smoke`].
    models: TokenStream,
}

/// `#[doc]` attributes for a text, one per line.
fn docs(text: &str) -> TokenStream {
    let lines = text.trim_end().lines().map(|line| {
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        };
        quote!(#[doc = #line])
    });
    quote!(#(#lines)*)
}

/// The name as serde sees it (a raw identifier loses its `r#`).
fn unraw(name: &str) -> &str {
    name.strip_prefix("r#").unwrap_or(name)
}

impl Emitter<'_> {
    /// The tokens of `ty`, as written inside `models` (`in_models`) or in an
    /// operations module.
    fn ty(&self, ty: &Ty, in_models: bool) -> TokenStream {
        match ty {
            Ty::Named(id) => {
                let name = self
                    .api
                    .types
                    .get(*id)
                    .map_or("UnknownType", |t| t.name.as_str());
                let name = ident(name);
                if in_models {
                    quote!(#name)
                } else {
                    let models = &self.models;
                    quote!(#models::#name)
                }
            }
            Ty::Prim(prim) => self.prim(*prim),
            Ty::Vec(inner) => {
                let inner = self.ty(inner, in_models);
                let vec = &self.std.vec;
                quote!(#vec<#inner>)
            }
            Ty::Map(inner) => {
                let inner = self.ty(inner, in_models);
                let string = &self.std.string;
                quote!(::std::collections::BTreeMap<#string, #inner>)
            }
            Ty::Option(inner) => {
                let inner = self.ty(inner, in_models);
                let option = &self.std.option;
                quote!(#option<#inner>)
            }
            Ty::Unit => quote!(()),
        }
    }

    /// The tokens of a primitive type.
    fn prim(&self, prim: Prim) -> TokenStream {
        match prim {
            Prim::I32 => quote!(i32),
            Prim::I64 => quote!(i64),
            Prim::F32 => quote!(f32),
            Prim::F64 => quote!(f64),
            Prim::Bool => quote!(bool),
            Prim::String => self.std.string.clone(),
            Prim::DateTime => quote!(::icr_api::DateTime),
            Prim::Date => quote!(::icr_api::Date),
            Prim::Secret => quote!(::icr_api::SecretToken),
            Prim::Bytes => quote!(::icr_api::Bytes),
            Prim::Json => quote!(::icr_api::JsonValue),
        }
    }

    /// Whether `ty` is an `Option`, itself or through aliases.
    fn is_option(&self, ty: &Ty) -> bool {
        let mut ty = ty;
        // Bounded, so that aliases in a cycle cannot loop.
        for _ in 0..=self.api.types.len() {
            match ty {
                Ty::Option(_) => return true,
                Ty::Named(id) => match self.api.types.get(*id).map(|t| &t.kind) {
                    Some(TypeKind::Alias {
                        ty: inner,
                        newtype: false,
                    }) => ty = inner,
                    _ => return false,
                },
                _ => return false,
            }
        }
        false
    }

    /// Whether a type names a type defined in another module of `models`.
    fn names_other_module(&self, def: &TypeDef) -> bool {
        let mut named = Vec::new();
        let mut collect = |ty: &Ty| collect_named(ty, &mut named);
        match &def.kind {
            TypeKind::Struct { fields, additional } => {
                fields.iter().for_each(|f| collect(&f.ty));
                additional.iter().for_each(collect);
            }
            TypeKind::Union { variants, .. } => variants.iter().for_each(|v| collect(&v.ty)),
            TypeKind::Alias { ty, .. } => collect(ty),
            TypeKind::Enum { .. } => {}
        }
        named.iter().any(|id| {
            self.api
                .types
                .get(*id)
                .is_some_and(|t| t.module != def.module)
        })
    }

    // ---- Models -------------------------------------------------------

    /// The definition of type `id` of the API, each of its items under
    /// `cfg` (empty, or the features of the tags that use it).
    fn type_def(&self, id: usize, def: &TypeDef, cfg: &TokenStream) -> TokenStream {
        let name = ident(&def.name);
        let usage = self.usages.get(id).copied().unwrap_or(Usage {
            sent: true,
            received: true,
            built: true,
        });
        let serde = serde_derives(usage);
        let about = match (&def.doc, &def.api_name) {
            (Some(doc), _) => doc.clone(),
            (None, Some(api_name)) => format!("The `{api_name}` schema."),
            (None, None) => format!("The schema at `{}`.", def.pointer),
        };
        let doc = docs(&about);
        match &def.kind {
            TypeKind::Struct { fields, additional } => {
                let all_optional = fields.iter().all(|f| !f.required || f.nullable);
                // A value to send is built; an answer is read (and can be
                // written as a struct literal where a test needs one).
                let constructor = (usage.sent && !all_optional).then(|| {
                    let constructor = self.constructor(&name, fields, additional.is_some());
                    quote!(#cfg #constructor)
                });
                // Read by the runtime's `wire_struct!` rather than serde's
                // derive, which costs a large API most of its compile
                // memory (see `icr_api::__private::wire`).
                let read = usage.received.then(|| {
                    let members = fields.iter().map(|f| {
                        let field = ident(&f.name);
                        // The field's own name, unless the API's differs
                        // (or the field's is raw, `r#type`).
                        let wire = (f.name != f.api_name).then(|| {
                            let wire = &f.api_name;
                            quote!(= #wire)
                        });
                        let mode = match (f.required, f.nullable) {
                            // A type that is an `Option` underneath (an
                            // alias of a nullable schema) is `None` when
                            // absent, as a nullable member is.
                            (true, false) if self.is_option(&f.ty) => quote!(optional),
                            (true, false) => quote!(required),
                            (true, true) | (false, false) => quote!(optional),
                            (false, true) => quote!(nullable),
                        };
                        quote!(#mode #field #wire)
                    });
                    let rest = additional
                        .is_some()
                        .then(|| quote!(..additional_properties));
                    quote! {
                        #cfg
                        rt::wire_struct!(#name { #(#members),* } #rest);
                    }
                });
                let setters = usage
                    .built
                    .then(|| self.setters(&name, fields, constructor.is_some()))
                    .flatten()
                    .map(|setters| quote!(#cfg #setters));
                let fields = fields.iter().map(|f| self.field(f, usage));
                let additional = additional.as_ref().map(|ty| {
                    let ty = self.ty(ty, true);
                    let string = &self.std.string;
                    let flatten = usage.sent.then(|| quote!(#[serde(flatten)]));
                    quote! {
                        /// Members other than the fields above, by name.
                        #flatten
                        pub additional_properties: ::std::collections::BTreeMap<#string, #ty>,
                    }
                });
                // A body whose every field may be left out can be built with
                // `..Default::default()`.
                let default = all_optional.then(|| quote!(Default,));
                let serialize = usage.sent.then(|| quote!(rt::serde::Serialize));
                let serde_crate = usage.sent.then(|| quote!(#[serde(crate = "rt::serde")]));
                quote! {
                    #cfg
                    #doc
                    #[derive(Clone, Debug, #default PartialEq, #serialize)]
                    #serde_crate
                    pub struct #name {
                        #(#fields)*
                        #additional
                    }
                    #constructor
                    #setters
                    #read
                }
            }
            TypeKind::Enum { variants } => {
                let definitions = variants.iter().map(|v| {
                    let variant = ident(&v.name);
                    let doc = docs(&format!("`{}`", v.wire));
                    quote!(#doc #variant,)
                });
                let wire = variants.iter().map(|v| {
                    let variant = ident(&v.name);
                    let wire = &v.wire;
                    quote!(#variant = #wire)
                });
                let string = &self.std.string;
                // Its text on the wire, `as_str`, `Display` and the serde
                // impls come from the runtime's `wire_enum!`.
                quote! {
                    #cfg
                    #doc
                    #[derive(Clone, Debug, PartialEq, Eq, Hash)]
                    pub enum #name {
                        #(#definitions)*
                        /// A value this description of the API does not list, kept as it came.
                        Other(#string),
                    }
                    #cfg
                    rt::wire_enum!(#name { #(#wire),* });
                }
            }
            TypeKind::Union { tag, variants } => {
                let definitions = variants.iter().map(|v| {
                    let variant = ident(&v.name);
                    let inner = self.ty(&v.ty, true);
                    let inner = if v.boxed {
                        let boxed = &self.std.boxed;
                        quote!(#boxed<#inner>)
                    } else {
                        inner
                    };
                    let doc = match v.tags.as_slice() {
                        [] => docs(&format!("A value of type `{}`.", v.name)),
                        tags => docs(&format!(
                            "`{}`: {}.",
                            tag.as_deref().unwrap_or("tag"),
                            quoted(tags)
                        )),
                    };
                    quote!(#doc #variant(#inner),)
                });
                let other = quote! {
                    /// A value matching none of the variants above, kept as it came.
                    Other(::icr_api::JsonValue),
                };
                match tag {
                    None => quote! {
                        #cfg
                        #doc
                        #[derive(Clone, Debug, PartialEq, #serde)]
                        #[serde(crate = "rt::serde", untagged)]
                        pub enum #name { #(#definitions)* #other }
                    },
                    Some(tag) => {
                        let arms = variants.iter().filter(|v| !v.tags.is_empty()).map(|v| {
                            let variant = ident(&v.name);
                            let tags = v
                                .tags
                                .iter()
                                .map(|t| quote!(::core::option::Option::Some(#t)));
                            let wrap = if v.boxed {
                                quote!(|value| Self::#variant(::std::boxed::Box::new(value)))
                            } else {
                                quote!(Self::#variant)
                            };
                            quote!(#(#tags)|* => rt::from_value(value).map(#wrap),)
                        });
                        let serialize = usage.sent.then(|| {
                            quote! {
                                #[derive(rt::serde::Serialize)]
                                #[serde(crate = "rt::serde", untagged)]
                            }
                        });
                        let deserialize = usage.received.then(|| quote! {
                            #cfg
                            impl<'de> rt::serde::Deserialize<'de> for #name {
                                fn deserialize<D>(deserializer: D) -> ::core::result::Result<Self, D::Error>
                                where
                                    D: rt::serde::Deserializer<'de>,
                                {
                                    let value = <rt::serde_json::Value as rt::serde::Deserialize>::deserialize(deserializer)?;
                                    match rt::tag_of(&value, #tag) {
                                        #(#arms)*
                                        _ => ::core::result::Result::Ok(Self::Other(value)),
                                    }
                                }
                            }
                        });
                        quote! {
                            #cfg
                            #doc
                            #[derive(Clone, Debug, PartialEq)]
                            #serialize
                            pub enum #name { #(#definitions)* #other }
                            #deserialize
                        }
                    }
                }
            }
            TypeKind::Alias { ty, newtype: false } => {
                let ty = self.ty(ty, true);
                quote!(#cfg #doc pub type #name = #ty;)
            }
            TypeKind::Alias { ty, newtype: true } => {
                let ty = self.ty(ty, true);
                quote! {
                    #cfg
                    #doc
                    #[derive(Clone, Debug, PartialEq, #serde)]
                    #[serde(crate = "rt::serde", transparent)]
                    pub struct #name(pub #ty);
                }
            }
        }
    }

    /// The setters of a struct that is sent (the runtime's `setters!`):
    /// one for each field that may be left out or `null`, and for a field
    /// that may be both, `clear_…` to send `null`. A setter whose name the
    /// constructor, another member's setter or a trait method (`default`,
    /// `clone`, …) has is left out (the field is still there).
    fn setters(
        &self,
        name: &proc_macro2::Ident,
        fields: &[Field],
        has_new: bool,
    ) -> Option<TokenStream> {
        let mut taken: std::collections::HashSet<String> =
            fields.iter().map(|f| unraw(&f.name).to_owned()).collect();
        // An inherent method of one of these names would hide the trait's
        // (`Body::default()`, `body.clone()`).
        const TRAITS: [&str; 13] = [
            "default",
            "clone",
            "clone_from",
            "eq",
            "ne",
            "fmt",
            "into",
            "from",
            "try_into",
            "try_from",
            "to_owned",
            "hash",
            "serialize",
        ];
        let mut set = Vec::new();
        let mut nullable = Vec::new();
        for f in fields {
            let field = ident(&f.name);
            let plain = unraw(&f.name);
            if (has_new && plain == "new") || TRAITS.contains(&plain) {
                continue;
            }
            let doc = format!("Sets [`{plain}`](Self::{}).", f.name);
            let mut ty = self.ty(&f.ty, true);
            if f.boxed {
                let boxed = &self.std.boxed;
                ty = quote!(#boxed<#ty>);
            }
            match (f.required, f.nullable) {
                (true, false) => {}
                (true, true) | (false, false) => set.push(quote!(#field: #ty = #doc)),
                (false, true) => {
                    let clear = format!("clear_{plain}");
                    let clear = taken.insert(clear.clone()).then(|| {
                        let doc = format!("Sets [`{plain}`](Self::{}) to `null`.", f.name);
                        let clear = ident(&clear);
                        quote!(| #clear = #doc)
                    });
                    nullable.push(quote!(#field: #ty = #doc #clear));
                }
            }
        }
        let nullable = (!nullable.is_empty()).then(|| quote!(; #(#nullable),*));
        (!set.is_empty() || nullable.is_some())
            .then(|| quote!(rt::setters!(#name { #(#set),* #nullable });))
    }

    /// `new`, taking the fields that must have a value and leaving the
    /// others empty, for a struct that cannot be `Default`.
    fn constructor(
        &self,
        name: &proc_macro2::Ident,
        fields: &[Field],
        additional: bool,
    ) -> TokenStream {
        let needed: Vec<&Field> = fields
            .iter()
            .filter(|f| f.required && !f.nullable)
            .collect();
        let parameters = needed.iter().map(|f| {
            let arg = ident(&f.name);
            match f.ty {
                Ty::Prim(Prim::String) => {
                    quote!(#arg: impl ::core::convert::Into<::std::string::String>)
                }
                _ => {
                    let ty = self.ty(&f.ty, true);
                    quote!(#arg: #ty)
                }
            }
        });
        let values = fields.iter().map(|f| {
            let field = ident(&f.name);
            if !f.required || f.nullable {
                return quote!(#field: ::core::option::Option::None,);
            }
            match (&f.ty, f.boxed) {
                (Ty::Prim(Prim::String), _) => quote!(#field: #field.into(),),
                (_, true) => quote!(#field: ::std::boxed::Box::new(#field),),
                (_, false) => quote!(#field,),
            }
        });
        let additional =
            additional.then(|| quote!(additional_properties: ::std::collections::BTreeMap::new(),));
        let doc = if needed.len() == fields.len() {
            "A value with these fields.".to_owned()
        } else {
            "A value with the fields that must be given; the others are left out (`None`)."
                .to_owned()
        };
        let doc = docs(&doc);
        quote! {
            impl #name {
                #doc
                pub fn new(#(#parameters),*) -> Self {
                    Self { #(#values)* #additional }
                }
            }
        }
    }

    /// A struct field, with the serde attributes its struct's `usage`
    /// needs to be sent: a `None` is left out. (Reading is `wire_struct!`'s.)
    fn field(&self, field: &Field, usage: Usage) -> TokenStream {
        let name = ident(&field.name);
        let mut ty = self.ty(&field.ty, true);
        if field.boxed {
            let boxed = &self.std.boxed;
            ty = quote!(#boxed<#ty>);
        }
        let doc = docs(
            field
                .doc
                .as_deref()
                .unwrap_or(&format!("`{}`.", field.api_name)),
        );
        let option = &self.std.option;
        let ty = match (field.required, field.nullable) {
            (true, false) => ty,
            (true, true) | (false, false) => quote!(#option<#ty>),
            (false, true) => quote!(#option<#option<#ty>>),
        };
        let attribute = usage.sent.then(|| {
            let rename = (unraw(&field.name) != field.api_name).then(|| {
                let api_name = &field.api_name;
                quote!(rename = #api_name,)
            });
            let skip = (!field.required)
                .then(|| quote!(skip_serializing_if = "::core::option::Option::is_none",));
            (rename.is_some() || skip.is_some()).then(|| quote!(#[serde(#rename #skip)]))
        });
        quote! {
            #doc
            #attribute
            pub #name: #ty,
        }
    }

    // ---- Operations ---------------------------------------------------

    fn operation(&self, op: &Operation) -> TokenStream {
        let name = ident(&op.name);
        let doc = docs(&operation_doc(op));
        let deprecated = op
            .deprecated
            .then(|| quote!(#[deprecated(note = "the API description deprecates this operation")]));
        let (generics, client, bounds) = match op.client {
            ClientKind::Installation => (
                quote!(<'client, P>),
                quote!(client: &'client ::icr_api::InstallationClient<P>),
                permissions::bounds(op.requirement.as_ref()),
            ),
            ClientKind::App => (
                quote!(<'client>),
                quote!(client: &'client ::icr_api::AppClient),
                TokenStream::new(),
            ),
        };

        let args = op.args.iter().map(|p| {
            let arg = ident(&p.name);
            let ty = self.arg_ty(&p.ty);
            quote!(#arg: #ty)
        });
        let body_arg = op.body.as_ref().map(|body| {
            let ty = match &body.encoding {
                Encoding::Text(_) => quote!(&str),
                Encoding::Binary(_) => quote!(&[u8]),
                _ => {
                    let ty = self.ty(&body.ty, false);
                    quote!(&#ty)
                }
            };
            if body.required {
                quote!(body: #ty)
            } else {
                let option = &self.std.option;
                quote!(body: #option<#ty>)
            }
        });
        let parameters = [client].into_iter().chain(args).chain(body_arg);

        let method = format_ident!("{}", op.method);
        let path = &op.path;
        let operation_call = op.api_name.as_ref().map(|id| quote!(.operation(#id)));
        let operation_call = match &op.server {
            Some(server) => quote!(#operation_call.server(#server)),
            None => quote!(#operation_call),
        };
        let arg_calls = op.args.iter().map(|p| {
            let arg = ident(&p.name);
            param_call(p, quote!(&#arg))
        });
        let body_call = op
            .body
            .as_ref()
            .map(|body| match (&body.encoding, body.required) {
                (Encoding::Json | Encoding::Empty, true) => quote!(.json(body)),
                (Encoding::Form, true) => quote!(.form(body)),
                (Encoding::Text(media), true) => quote!(.text(body, #media)),
                (Encoding::Binary(media), true) => quote!(.bytes(body, #media)),
                (Encoding::VendorJson(media), true) => quote!(.json_as(body, #media)),
                (Encoding::VendorJson(media), false) => {
                    quote!(.optional(body, |request, body| request.json_as(body, #media)))
                }
                (Encoding::Json | Encoding::Empty, false) => {
                    quote!(.optional(body, rt::Request::json))
                }
                (Encoding::Form, false) => {
                    quote!(.optional(body, rt::Request::form))
                }
                (Encoding::Text(media), false) => {
                    quote!(.optional(body, |request, body| request.text(body, #media)))
                }
                (Encoding::Binary(media), false) => {
                    quote!(.optional(body, |request, body| request.bytes(body, #media)))
                }
            });
        let accept = match &op.response {
            ResponseShape::Single { accept, .. } | ResponseShape::Enum { accept, .. } => accept,
        };
        let accept_call = (accept != "application/json").then(|| quote!(.accept(#accept)));
        let request = quote! {
            rt::Request::new(rt::Method::#method, #path)
                #operation_call
                #(#arg_calls)*
                #body_call
                #accept_call
        };

        let (output, decoder, response_enum) = self.response(op);
        let requirement = permissions::requirement(op.requirement.as_ref());
        let Some(options) = &op.options else {
            // Nothing optional: the function sends when awaited.
            let send = match op.client {
                ClientKind::Installation => {
                    quote!(client.call::<#requirement, _>(request, #decoder))
                }
                ClientKind::App => quote!(client.call(request, #decoder)),
            };
            return quote! {
                #response_enum
                #doc
                #deprecated
                pub fn #name #generics(#(#parameters),*) -> ::icr_api::Call<'client, #output> #bounds {
                    let request = #request;
                    #send
                }
            };
        };
        // Optional parameters: the function returns a call of its own type,
        // on which they are set by name, sent when awaited.
        let call = ident(&options.call);
        let prepare = match op.client {
            ClientKind::Installation => {
                quote!(client.prepare::<#requirement, _, _>(request, #decoder))
            }
            ClientKind::App => quote!(client.prepare(request, #decoder)),
        };
        let options_items = self.options(op, options, &output);
        quote! {
            #response_enum
            #options_items
            #doc
            #deprecated
            pub fn #name #generics(#(#parameters),*) -> #call<'client> #bounds {
                let request = #request;
                #call(#prepare)
            }
        }
    }

    /// How a function takes an argument of type `ty`: small values by value,
    /// the rest by reference.
    fn arg_ty(&self, ty: &Ty) -> TokenStream {
        match ty {
            Ty::Prim(Prim::String) => quote!(&str),
            Ty::Prim(
                prim @ (Prim::I32
                | Prim::I64
                | Prim::F32
                | Prim::F64
                | Prim::Bool
                | Prim::DateTime
                | Prim::Date),
            ) => self.prim(*prim),
            Ty::Vec(inner) => {
                let inner = self.ty(inner, false);
                quote!(&[#inner])
            }
            other => {
                let ty = self.ty(other, false);
                quote!(&#ty)
            }
        }
    }

    /// The options struct of `op` and the call its function returns (by
    /// the runtime's `operation_options!`), and how the options go into
    /// the request.
    fn options(
        &self,
        op: &Operation,
        options: &crate::model::Options,
        output: &TokenStream,
    ) -> TokenStream {
        let name = ident(&options.name);
        let call = ident(&options.call);
        let fields = options.params.iter().map(|p| {
            let field = ident(&p.name);
            let inner = match &p.ty {
                Ty::Option(inner) => inner.as_ref(),
                other => other,
            };
            let ty = self.ty(inner, false);
            let place = match p.location {
                Location::Query => "query",
                Location::Header => "header",
                Location::Path => "path",
            };
            let mut doc = match &p.doc {
                // One paragraph, what it means and then where it goes, when
                // the meaning is a line of text (not a list, a table or
                // code, which the sentence would break).
                Some(doc) if !doc.trim().contains('\n') && !doc.trim_start().starts_with(['`', '-', '*', '|', '#']) => {
                    format!("{} The `{}` {place} parameter.", doc.trim(), p.api_name)
                }
                Some(doc) => format!("{doc}\n\nThe `{}` {place} parameter.", p.api_name),
                None => format!("The `{}` {place} parameter.", p.api_name),
            };
            if let Some(facts) = &p.facts {
                doc.push(' ');
                doc.push_str(facts);
            }
            if is_idempotency_key(p) {
                doc.push_str(
                    " When not set, a random key is sent: the same one on every attempt of the call, \
                     so retries never act twice.",
                );
            }
            let doc = docs(&doc);
            let option = &self.std.option;
            quote!(#doc pub #field: #option<#ty>,)
        });
        let setters = options.params.iter().map(|p| {
            let field = ident(&p.name);
            let ty = match &p.ty {
                Ty::Option(inner) => self.ty(inner, false),
                other => self.ty(other, false),
            };
            let doc = format!("Sets [`{}`]({}::{}).", unraw(&p.name), options.name, p.name);
            quote!(#field: #ty = #doc)
        });
        let call_doc = format!(
            "A call of [`{}`]({}): set its optional parameters by name, then `.await` it to send it.",
            unraw(&op.name),
            op.name
        );
        let doc = docs(&format!(
            "The optional parameters of [`{}`], as data: set them on the call by name, or all at once with [`{}::options`].",
            unraw(&op.name),
            options.call
        ));
        let pages = op.paging.as_ref().map(|paging| {
            let item = match &op.response {
                ResponseShape::Single {
                    ty: Ty::Vec(item), ..
                } => self.ty(item, false),
                ResponseShape::Enum { variants, .. } => variants
                    .iter()
                    .find_map(|v| match &v.ty {
                        Ty::Vec(item) => Some(self.ty(item, false)),
                        _ => None,
                    })
                    .unwrap_or_else(|| quote!(::icr_api::JsonValue)),
                ResponseShape::Single { .. } => quote!(::icr_api::JsonValue),
            };
            match &paging.per_page_max {
                // The largest page the spec allows, unless the caller chose.
                Some((per_page, most)) => {
                    let most = Literal::i64_unsuffixed(*most);
                    quote!(, pages #item = #per_page #most)
                }
                None => quote!(, pages #item),
            }
        });
        let calls = options.params.iter().map(|p| {
            let field = ident(&p.name);
            if is_idempotency_key(p) {
                quote!(.idempotency_key(&self.#field))
            } else {
                param_call(p, quote!(&self.#field))
            }
        });
        quote! {
            #doc
            #[derive(Clone, Debug, Default, PartialEq)]
            pub struct #name { #(#fields)* }
            impl rt::OperationOptions for #name {
                fn apply(&self, request: rt::Request) -> rt::Request {
                    request #(#calls)*
                }
            }
            rt::operation_call!(#call_doc #call(#name) -> #output #pages { #(#setters),* });
        }
    }

    /// The function's output type, the call that sends the request and
    /// decodes the answer, and the answer enum to define beside it, if any.
    fn response(&self, op: &Operation) -> (TokenStream, TokenStream, Option<TokenStream>) {
        // An installation function states what it needs when it sends, as
        // a hand-made request does; its bounds prove it. The sending and
        // decoding are the runtime's `call`, written once: the function
        // names its decoder.
        match &op.response {
            ResponseShape::Single { ty, encoding, .. } => {
                let decoder = decoder(encoding);
                (self.ty(ty, false), decoder, None)
            }
            ResponseShape::Enum { name, variants, .. } => {
                let name = ident(name);
                let doc = docs(&format!("The success answers of [`{}`].", unraw(&op.name)));
                let definitions = variants.iter().map(|v| {
                    let variant = ident(&v.name);
                    let status = match v.statuses {
                        (from, to) if from == to => from.to_string(),
                        (from, _) => format!("{}XX", from / 100),
                    };
                    let about = match &v.media_type {
                        Some(media) => format!("Status {status}, `{media}`."),
                        None => format!("Status {status}."),
                    };
                    let doc = docs(&about);
                    match v.ty {
                        Ty::Unit => quote!(#doc #variant,),
                        _ => {
                            let ty = self.ty(&v.ty, false);
                            quote!(#doc #variant(#ty),)
                        }
                    }
                });
                let mut ordered: Vec<_> = variants.iter().collect();
                ordered.sort_by_key(|v| v.statuses.1 - v.statuses.0);
                let arms = ordered.iter().map(|v| {
                    let variant = ident(&v.name);
                    let (from, to) = (
                        Literal::u16_unsuffixed(v.statuses.0),
                        Literal::u16_unsuffixed(v.statuses.1),
                    );
                    let pattern = if v.statuses.0 == v.statuses.1 {
                        quote!(#from)
                    } else {
                        quote!(#from..=#to)
                    };
                    let guard = v
                        .media_type
                        .as_ref()
                        .map(|media| quote!(if response.has_media(#media)));
                    let value = match v.ty {
                        Ty::Unit => quote!(::core::result::Result::Ok(#name::#variant)),
                        _ => {
                            let decode = decode_call(&v.encoding);
                            quote!(response #decode.map(#name::#variant))
                        }
                    };
                    quote!(#pattern #guard => #value,)
                });
                let decode = quote! {
                    |response| match response.status() {
                        #(#arms)*
                        _ => ::core::result::Result::Err(response.unexpected()),
                    }
                };
                let definition = quote! {
                    #doc
                    #[derive(Clone, Debug, PartialEq)]
                    pub enum #name { #(#definitions)* }
                };
                (quote!(#name), decode, Some(definition))
            }
        }
    }
}

/// The serde derives of a type used as `usage` says.
fn serde_derives(usage: Usage) -> TokenStream {
    let serialize = usage.sent.then(|| quote!(rt::serde::Serialize,));
    let deserialize = usage.received.then(|| quote!(rt::serde::Deserialize,));
    quote!(#serialize #deserialize)
}

/// The runtime's decoder of an answer read as `encoding`.
fn decoder(encoding: &Encoding) -> TokenStream {
    match encoding {
        Encoding::Json | Encoding::VendorJson(_) => quote!(rt::Response::json),
        Encoding::Text(_) | Encoding::Form => quote!(rt::Response::text),
        Encoding::Binary(_) => quote!(rt::Response::bytes),
        Encoding::Empty => quote!(rt::Response::empty),
    }
}

fn decode_call(encoding: &Encoding) -> TokenStream {
    match encoding {
        Encoding::Json | Encoding::VendorJson(_) => quote!(.json()),
        Encoding::Text(_) | Encoding::Form => quote!(.text()),
        Encoding::Binary(_) => quote!(.bytes()),
        Encoding::Empty => quote!(.empty()),
    }
}

/// Whether `param`, an optional parameter, is an `Idempotency-Key` header
/// of text: the generated
/// function sends a random key when the caller gives none, so that its
/// retries are safe (see `RetryPolicy`).
fn is_idempotency_key(param: &Param) -> bool {
    param.location == Location::Header
        && param.api_name.eq_ignore_ascii_case("idempotency-key")
        && match &param.ty {
            Ty::Option(inner) => matches!(**inner, Ty::Prim(Prim::String)),
            ty => matches!(ty, Ty::Prim(Prim::String)),
        }
}

/// The builder call that puts a parameter where it goes.
fn param_call(param: &Param, value: TokenStream) -> TokenStream {
    let api_name = &param.api_name;
    match param.location {
        Location::Path => quote!(.path(#api_name, #value)),
        Location::Header => quote!(.header(#api_name, #value)),
        Location::Query if !is_list(&param.ty) => quote!(.query(#api_name, #value)),
        Location::Query => {
            let style = match param.style {
                ArrayStyle::Repeat => quote!(rt::ArrayStyle::Repeat),
                ArrayStyle::Join(delimiter) => {
                    quote!(rt::ArrayStyle::Join(#delimiter))
                }
            };
            quote!(.query_list(#api_name, #value, #style))
        }
    }
}

fn is_list(ty: &Ty) -> bool {
    match ty {
        Ty::Vec(_) => true,
        Ty::Option(inner) => is_list(inner),
        _ => false,
    }
}

fn collect_named(ty: &Ty, out: &mut Vec<usize>) {
    match ty {
        Ty::Named(id) => out.push(*id),
        Ty::Vec(inner) | Ty::Map(inner) | Ty::Option(inner) => collect_named(inner, out),
        Ty::Prim(_) | Ty::Unit => {}
    }
}

fn quoted(values: &[String]) -> String {
    values
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The arguments of an operation's function, with what the spec says of
/// them (the options' fields say it on the fields).
fn arguments_doc(op: &Operation) -> String {
    let lines: Vec<String> = op
        .args
        .iter()
        .filter(|p| p.doc.is_some() || p.facts.is_some())
        .map(|p| {
            let mut line = format!("- `{}`:", unraw(&p.name));
            for part in [&p.doc, &p.facts].into_iter().flatten() {
                line.push(' ');
                line.push_str(part.trim());
            }
            line
        })
        .collect();
    if lines.is_empty() {
        String::new()
    } else {
        format!("**Arguments:**\n{}\n\n", lines.join("\n"))
    }
}

/// Whether `op` takes a `page` query parameter.
fn takes_page(op: &Operation) -> bool {
    op.args
        .iter()
        .chain(op.options.iter().flat_map(|o| &o.params))
        .any(|p| p.api_name == "page" && p.location == Location::Query)
}

/// The documentation of an operation's function.
fn operation_doc(op: &Operation) -> String {
    let mut doc = String::new();
    if let Some(summary) = &op.summary {
        doc.push_str(summary.trim());
        doc.push_str("\n\n");
    }
    if let Some(description) = &op.description {
        doc.push_str(description.trim());
        doc.push_str("\n\n");
    }
    doc.push_str(&format!("`{} {}`", op.method, op.path));
    if let Some(id) = &op.api_name {
        doc.push_str(&format!(" (operation `{id}`)"));
    }
    doc.push_str(".\n\n");
    doc.push_str(&arguments_doc(op));
    if let Some(options) = &op.options {
        doc.push_str(&format!(
            "Its optional parameters are set by name on the [`{}`] it returns, which sends it when awaited.\n\n",
            options.call
        ));
    }
    match &op.paging {
        Some(_) => doc.push_str(
            "**Paging:** one page per call, chosen by `perPage` and `page`; `.pages()` on the call reads every page.\n\n",
        ),
        None if takes_page(op) => doc.push_str(
            "**Paging:** one page per call, chosen by `perPage` and `page`; the answer is not a \
             plain list with `Link`s, so there is no form that reads every page.\n\n",
        ),
        // One answer: nothing to say.
        None => {}
    }
    let says_marker = op.description.as_deref().is_some_and(crate::is_marked);
    match (op.client, &op.requirement) {
        (ClientKind::App, _) => doc.push_str("Authenticates as the app, with its JWT."),
        (ClientKind::Installation, requirement) => {
            if !says_marker {
                doc.push_str(crate::MARKER);
                doc.push(' ');
            }
            match requirement {
                Some(requirement) if requirement.alternatives.len() > 1 => {
                    doc.push_str(&format!("**Permissions:** any one of `{requirement}`."));
                }
                Some(requirement) => doc.push_str(&format!("**Permissions:** `{requirement}`.")),
                None => doc.push_str("**Permissions:** none listed."),
            }
        }
    }
    doc
}
