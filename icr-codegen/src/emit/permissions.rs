//! The permission half of a spec's bindings: the `permissions` module (one
//! trait per permission and level, one per requirement of several
//! alternatives, and the catalog as data), the `permissions!` macro that
//! carries the catalog to `icr-macros`, and the bounds a request function
//! puts on its declaration type.
//!
//! Why traits and not, say, const generics: a missing trait gives a compile
//! error whose text we write (`#[diagnostic::on_unimplemented]`), and the
//! trait names read as what they mean (`P: IssuesWrite`). Alternatives get a
//! trait of their own because two blanket impls of one trait conflict
//! (E0119): the `permissions!` macro decides from the catalog which
//! alternatives a declaration meets and implements those traits itself.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::{Api, ClientKind};
use crate::permissions::{Grant, Level, PermissionDef, Requirement};

/// Where the generated items end up, which decides how the generated
/// `permissions!` macro names the `permissions` module.
#[derive(Clone, Debug, Default)]
pub enum Placement {
    /// The generated root module is its crate's root, or re-exported there
    /// (`icr-api`, a crate written by `cargo xtask codegen --out`): the
    /// macro is `#[macro_export]`ed and names `$crate::permissions`.
    #[default]
    CrateRoot,
    /// The generated items are expanded inside the module at this path of
    /// the crate that uses them (`generate_api!`): the macro is local to that
    /// crate (`pub(crate) use`) and names `<path>::permissions`.
    Module(TokenStream),
}

/// The `where` clause of an installation function whose operation needs
/// `requirement`.
pub(super) fn bounds(requirement: Option<&Requirement>) -> TokenStream {
    let Some(requirement) = requirement else {
        return quote!(where P: ::icr_api::grants::Declaration);
    };
    if let Some(name) = requirement.trait_name() {
        let name = format_ident!("{name}");
        return quote!(where P: super::permissions::#name);
    }
    let normalized = requirement.normalized();
    let traits = normalized
        .alternatives
        .iter()
        .flat_map(|set| &set.grants)
        .map(|grant| {
            let name = format_ident!("{}", grant.trait_name());
            quote!(super::permissions::#name)
        });
    quote!(where P: #(#traits)+*)
}

/// The distinct requirements of several alternatives among the installation
/// operations, normalized, in the order first met.
fn alternatives(api: &Api) -> Vec<Requirement> {
    let mut found: Vec<Requirement> = Vec::new();
    for operation in &api.operations {
        if operation.client != ClientKind::Installation {
            continue;
        }
        let Some(requirement) = &operation.requirement else {
            continue;
        };
        let normalized = requirement.normalized();
        if normalized.alternatives.len() > 1 && !found.contains(&normalized) {
            found.push(normalized);
        }
    }
    found
}

/// The items of the `permissions` module.
pub(super) fn module_items(api: &Api) -> TokenStream {
    let level_traits = api.catalog.permissions.iter().map(level_traits);
    let alternative_traits = alternatives(api).into_iter().map(|requirement| {
        let Some(name) = requirement.trait_name() else {
            return TokenStream::new();
        };
        let name = format_ident!("{name}");
        let listed: Vec<String> = requirement
            .alternatives
            .iter()
            .map(|set| format!("`{set}`"))
            .collect();
        let listed = listed.join(" or ");
        let doc = format!(
            "Held by declarations that meet one of: {listed}. `permissions!` implements it for each declaration that does."
        );
        let message = format!("the ICR App `{{Self}}` was not granted {listed}");
        let label = format!("needs {listed}");
        let note = format!(
            "add one of {listed} to the `permissions!` declaration of `{{Self}}`, and grant it to the app in its settings on ICR"
        );
        let doc = super::docs(&doc);
        quote! {
            #doc
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
            pub trait #name: ::icr_api::grants::Declaration {}
        }
    });
    let catalog = api.catalog.permissions.iter().map(|permission| {
        let name = &permission.name;
        let description = &permission.description;
        let levels = permission.levels.iter().map(|level| level_path(*level));
        quote!(::icr_api::grants::Permission::new(#name, #description, &[#(#levels),*]))
    });
    quote! {
        /// Every permission an app can be granted, with its levels, as the
        /// API description lists them.
        pub const CATALOG: &[::icr_api::grants::Permission] = &[#(#catalog),*];
        #(#level_traits)*
        #(#alternative_traits)*
    }
}

/// One trait per level of `permission`; each level's trait has the one
/// below as its supertrait, so that `write` implies `read` in generic code
/// too.
fn level_traits(permission: &PermissionDef) -> TokenStream {
    let mut below: Option<proc_macro2::Ident> = None;
    let mut out = TokenStream::new();
    for level in &permission.levels {
        let grant = Grant {
            permission: permission.name.clone(),
            level: *level,
        };
        let name = format_ident!("{}", grant.trait_name());
        let doc = format!(
            "Held by declarations granted `{grant}`{}. {}",
            if *level == Level::Admin || permission.levels.last() == Some(level) {
                ""
            } else {
                " or a higher level"
            },
            permission.description.trim()
        );
        let message = format!("the ICR App `{{Self}}` was not granted `{grant}`");
        let label = format!("needs `{grant}`");
        let note = format!(
            "add `{grant}` to the `permissions!` declaration of `{{Self}}`, and grant it to the app in its settings on ICR"
        );
        let supertrait = match &below {
            Some(below) => quote!(#below),
            None => quote!(::icr_api::grants::Declaration),
        };
        let doc = super::docs(&doc);
        out.extend(quote! {
            #doc
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
            pub trait #name: #supertrait {}
        });
        below = Some(name);
    }
    out
}

/// `::icr_api::grants::Level::Write` for `write`: how generated code and
/// `permissions!` expansions name a level.
pub fn level_path(level: Level) -> TokenStream {
    let variant = match level {
        Level::Read => quote!(Read),
        Level::Write => quote!(Write),
        Level::Admin => quote!(Admin),
    };
    quote!(::icr_api::grants::Level::#variant)
}

/// The root items that define `permissions!` for these bindings: a
/// `macro_rules!` that hands the catalog and the alternatives to
/// `icr-macros`, which checks and expands the user's declarations.
pub(super) fn macro_items(api: &Api, placement: &Placement) -> TokenStream {
    let permissions = api.catalog.permissions.iter().map(|permission| {
        let name = format_ident!("{}", permission.name);
        let levels = permission
            .levels
            .iter()
            .map(|level| format_ident!("{}", level.name()));
        quote!(#name: [#(#levels),*])
    });
    let alternatives = alternatives(api).into_iter().filter_map(|requirement| {
        let name = format_ident!("{}", requirement.trait_name()?);
        let sets = requirement.alternatives.iter().map(|set| {
            let grants = set.grants.iter().map(|grant| {
                let permission = format_ident!("{}", grant.permission);
                let level = format_ident!("{}", grant.level.name());
                quote!(#permission: #level)
            });
            quote!({#(#grants),*})
        });
        Some(quote!(#name: [#(#sets),*]))
    });
    let doc = super::docs(&macro_doc(api));
    let module_path = match placement {
        Placement::CrateRoot => quote!($crate::permissions),
        Placement::Module(path) => quote!(#path::permissions),
    };
    // A `#[macro_export]`ed macro is reached as `<crate>::permissions!` from
    // other crates; inside its own crate, rustc refuses absolute paths to one
    // defined in a module with an attribute (`#[rustfmt::skip] mod
    // generated;`), so it is never re-exported under another name. A
    // crate-local macro is reached through a `pub(crate) use`, which cannot
    // share the name of the `permissions` module beside it.
    let body = quote! {
        ($($declarations:tt)*) => {
            ::icr_api::__private::permissions! {
                @catalog (#module_path) { #(#permissions,)* }
                @alternatives { #(#alternatives,)* }
                $($declarations)*
            }
        };
    };
    match placement {
        Placement::CrateRoot => quote! {
            #doc
            #[macro_export]
            macro_rules! permissions { #body }
        },
        Placement::Module(_) => quote! {
            #doc
            #[allow(unused_macros)]
            macro_rules! __permissions { #body }
            #[doc(inline)]
            #[allow(unused_imports)]
            pub(crate) use __permissions as permissions;
        },
    }
}

fn macro_doc(api: &Api) -> String {
    let mut doc = format!(
        "Declares what an ICR App was granted, as a type the request functions of the {} bindings check at compile time.\n\n\
         ```text\n\
         permissions! {{\n    /// What the release-notes app was granted on ICR.\n    pub ReleaseNotes {{ projects: write, issues: read }}\n}}\n\
         ```\n\n\
         Each entry is `permission: level`; `write` includes `read` and `admin` includes both. \
         An unknown permission or level, or a permission named twice, is a compile error at that entry. \
         The permissions and their levels:\n",
        api.title
    );
    for permission in &api.catalog.permissions {
        let levels: Vec<&str> = permission.levels.iter().map(|l| l.name()).collect();
        doc.push_str(&format!(
            "\n- `{}` ({}): {}",
            permission.name,
            levels.join(", "),
            permission.description.trim()
        ));
    }
    doc
}
