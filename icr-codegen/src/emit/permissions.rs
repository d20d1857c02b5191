//! The permission half of a spec's bindings: the `permissions` module, the
//! `permissions!` macro that carries the catalog to `icr-macros`, and the
//! bounds and requirement a request function states.
//!
//! A declaration made by `permissions!` states one thing: the level it holds
//! of each permission of the catalog, as a list of level markers
//! (`icr_api::grants::level::Write`, …). Everything in the `permissions`
//! module is a blanket impl over that list, so nothing can be implemented
//! for a declaration by hand (it would conflict, E0119), and a declaration's
//! traits and its run-time grants cannot disagree:
//!
//! - one trait per permission and level (`IssuesWrite: IssuesRead`), held
//!   when the declaration's marker for the permission includes the level;
//! - one trait per requirement of several alternatives, held when a
//!   type-level `or` of `and`s of those truths is `True`;
//! - `Catalog`, the catalog as a type, whose `Narrow` impl decides which
//!   declarations are within which, one bound per permission so that each
//!   permission asked for beyond the base is its own error;
//! - `needs`, one requirement type per trait, which a request states when
//!   it is sent (`InstallationClient::send`).
//!
//! Why traits and not, say, const generics: a missing trait gives a compile
//! error whose text we write (`#[diagnostic::on_unimplemented]`), and the
//! trait names read as what they mean (`P: IssuesWrite`). The blanket impls
//! carry `#[diagnostic::do_not_recommend]`, so the error is reported for the
//! trait, with its text, rather than for the type-level truth behind it.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::{Api, ClientKind};
use crate::naming::pascal;
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
        return quote!(where P: permissions::#name);
    }
    let traits = single_set(requirement).into_iter().map(|grant| {
        let name = format_ident!("{}", grant.trait_name());
        quote!(permissions::#name)
    });
    quote!(where P: #(#traits)+*)
}

/// The requirement type an installation function states when it sends its
/// request: `needs::IssuesWrite`, several joined by `And`, or the
/// alternatives' own. Lowering refuses a marked operation that lists no
/// permissions, so there is always one; were there none, the generated code
/// would say so rather than send unchecked.
pub(super) fn requirement(requirement: Option<&Requirement>) -> TokenStream {
    let missing = || {
        quote!(::core::compile_error!(
            "this operation lists no permissions"
        ))
    };
    let Some(requirement) = requirement else {
        return missing();
    };
    if let Some(name) = requirement.trait_name() {
        let name = format_ident!("{name}");
        return quote!(permissions::needs::#name);
    }
    let mut needs = single_set(requirement).into_iter().rev().map(|grant| {
        let name = format_ident!("{}", grant.trait_name());
        quote!(permissions::needs::#name)
    });
    let Some(last) = needs.next() else {
        return missing();
    };
    needs.fold(
        last,
        |joined, need| quote!(::icr_api::grants::And<#need, #joined>),
    )
}

/// The grants of a requirement of one set.
fn single_set(requirement: &Requirement) -> Vec<Grant> {
    requirement
        .normalized()
        .alternatives
        .into_iter()
        .flat_map(|set| set.grants)
        .collect()
}

/// The distinct requirements of several alternatives among the installation
/// operations and the webhook events, normalized, in the order first met.
fn alternatives(api: &Api) -> Vec<Requirement> {
    let mut found: Vec<Requirement> = Vec::new();
    let operations = api
        .operations
        .iter()
        .filter(|operation| operation.client == ClientKind::Installation)
        .filter_map(|operation| operation.requirement.as_ref());
    for requirement in operations.chain(api.events.iter().map(|event| &event.requirement)) {
        let normalized = requirement.normalized();
        if normalized.alternatives.len() > 1 && !found.contains(&normalized) {
            found.push(normalized);
        }
    }
    found
}

/// The items of the `permissions` module.
pub(super) fn module_items(api: &Api) -> TokenStream {
    let catalog = &api.catalog.permissions;
    let level_traits = catalog
        .iter()
        .map(|permission| level_traits(permission, &api.platform));
    let alternatives = alternatives(api);
    let alternative_traits = alternatives
        .iter()
        .filter_map(|requirement| alternative_trait(requirement, &api.platform));
    let entries = catalog.iter().map(|permission| {
        let name = &permission.name;
        let description = &permission.description;
        let levels = permission.levels.iter().map(|level| level_path(*level));
        let entry =
            quote!(::icr_api::grants::Permission::new(#name, #description, &[#(#levels),*]));
        if permission.always_held {
            quote!(#entry.always_held())
        } else {
            entry
        }
    });
    let needs = catalog
        .iter()
        .flat_map(|permission| {
            permission.levels.iter().map(|level| Grant {
                permission: permission.name.clone(),
                level: *level,
            })
        })
        .map(|grant| (grant.trait_name(), format!("`{grant}`")))
        .chain(
            alternatives
                .iter()
                .filter_map(|requirement| Some((requirement.trait_name()?, listed(requirement)))),
        )
        .map(|(name, what)| {
            let name = format_ident!("{name}");
            let doc = super::docs(&format!(
                "The requirement {what}, met by every declaration `P: super::{name}`."
            ));
            quote! {
                #doc
                #[derive(Debug)]
                pub enum #name {}
                impl<P: super::#name> ::icr_api::__private::unsupported::RequirementSeal<P> for #name {}
            }
        });
    let internal = internal_items(api);
    let narrow_bounds = catalog.iter().map(|permission| {
        let slot = slot_trait(&permission.name);
        let ask = format_ident!("{}Ask", pascal(&permission.name));
        quote!(<Q::Levels as internal::#slot>::Level: internal::#ask<P>,)
    });
    let slots = catalog.iter().map(|p| slot_trait(&p.name));
    quote! {
        /// Every permission an app can be granted, with its levels, as the
        /// API description lists them.
        pub const CATALOG: &[::icr_api::grants::Permission] = &[#(#entries),*];

        /// The catalog as a type: every declaration this `permissions!`
        /// makes names it, so that it implements these bindings' traits and
        /// no others'.
        #[derive(Debug)]
        pub enum Catalog {}

        impl ::icr_api::__private::unsupported::CatalogDef for Catalog {
            const PERMISSIONS: &'static [::icr_api::grants::Permission] = CATALOG;
        }

        impl<Q, P> ::icr_api::__private::unsupported::Narrow<Q, P> for Catalog
        where
            Q: ::icr_api::grants::Declaration<Catalog = Catalog>,
            Q::Levels: #(internal::#slots)+*,
            #(#narrow_bounds)*
        {
        }

        #(#level_traits)*
        #(#alternative_traits)*

        /// What a request needs, as types to state when it is sent
        /// (`InstallationClient::send::<needs::IssuesWrite>`): one per
        /// trait of this module, met by the declarations that implement it.
        pub mod needs {
            #(#needs)*
        }

        /// The machinery behind the traits above: where each permission
        /// sits in a declaration's levels, and the checks of narrowing.
        #[doc(hidden)]
        pub mod internal {
            #internal
        }
    }
}

/// `IssuesSlot`: the trait that finds the permission's marker in a
/// declaration's levels.
fn slot_trait(permission: &str) -> proc_macro2::Ident {
    format_ident!("{}Slot", pascal(permission))
}

/// `<<P::Levels as internal::IssuesSlot>::Level as LevelMarker>::Write`:
/// whether declaration `P` holds `grant`, as a type-level truth.
fn holds(grant: &Grant) -> TokenStream {
    holds_in(grant, quote!(internal::))
}

/// [`holds`], naming the slot traits through `module` (empty inside
/// `internal` itself).
fn holds_in(grant: &Grant, module: TokenStream) -> TokenStream {
    let slot = slot_trait(&grant.permission);
    let level = format_ident!("{}", pascal(grant.level.name()));
    quote!(<<P::Levels as #module #slot>::Level as ::icr_api::grants::LevelMarker>::#level)
}

/// The items of the hidden `internal` module: one slot trait per
/// permission, and per permission and level the narrowing checks.
fn internal_items(api: &Api) -> TokenStream {
    let catalog = &api.catalog.permissions;
    let mut out = TokenStream::new();
    for (position, permission) in catalog.iter().enumerate() {
        let slot = slot_trait(&permission.name);
        let before: Vec<_> = (0..position).map(|i| format_ident!("L{i}")).collect();
        let mut list = quote!((Level, Rest));
        for marker in before.iter().rev() {
            list = quote!((#marker, #list));
        }
        let doc = super::docs(&format!(
            "Finds the marker of `{}` in a declaration's levels.",
            permission.name
        ));
        out.extend(quote! {
            #doc
            pub trait #slot {
                /// The level held of the permission.
                type Level: ::icr_api::grants::LevelMarker;
            }
            impl<#(#before,)* Level: ::icr_api::grants::LevelMarker, Rest> #slot for #list {
                type Level = Level;
            }
        });

        let ask = format_ident!("{}Ask", pascal(&permission.name));
        let doc = super::docs(&format!(
            "Holds for the marker of `{}` that a narrower declaration asks for when base declaration `P` holds it.",
            permission.name
        ));
        let mut asks = quote! {
            #doc
            pub trait #ask<P> {}
            impl<P> #ask<P> for ::icr_api::grants::level::Nothing {}
        };
        // A level the permission does not have can only be claimed by a
        // declaration written by hand; it is within `P` exactly when `P`
        // claims it too, and the impl exists so that no other can be added.
        for level in Level::ALL.iter().filter(|l| !permission.levels.contains(l)) {
            let grant = Grant {
                permission: permission.name.clone(),
                level: *level,
            };
            let marker = format_ident!("{}", pascal(level.name()));
            let truth = holds_in(&grant, TokenStream::new());
            asks.extend(quote! {
                impl<P> #ask<P> for ::icr_api::grants::level::#marker
                where
                    P: ::icr_api::grants::Declaration<Catalog = super::Catalog>,
                    P::Levels: #slot,
                    #truth: ::icr_api::__private::unsupported::logic::IsTrue,
                {
                }
            });
        }
        for level in &permission.levels {
            let grant = Grant {
                permission: permission.name.clone(),
                level: *level,
            };
            let held = format_ident!("{}", grant.trait_name());
            let narrow = format_ident!("Narrow{}", grant.trait_name());
            let marker = format_ident!("{}", pascal(level.name()));
            let message = format!(
                "narrowing can only drop permissions, but the narrower declaration asks for `{grant}`, which `{{Self}}` does not hold"
            );
            let label = format!("asks for `{grant}`");
            let note = format!(
                "narrow to a declaration without `{grant}`, or start from a declaration that holds it"
            );
            asks.extend(quote! {
                #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
                pub trait #narrow {}
                #[diagnostic::do_not_recommend]
                impl<P: super::#held> #narrow for P {}
                impl<P: #narrow> #ask<P> for ::icr_api::grants::level::#marker {}
            });
        }
        out.extend(asks);
    }
    out
}

/// One trait per level of `permission`, each held by a blanket impl when
/// the declaration's marker includes the level; each level's trait has the
/// one below as its supertrait, so that `write` implies `read` in generic
/// code too.
fn level_traits(permission: &PermissionDef, platform: &str) -> TokenStream {
    let mut below: Option<proc_macro2::Ident> = None;
    let mut out = TokenStream::new();
    let mut truths = Vec::new();
    for level in &permission.levels {
        let grant = Grant {
            permission: permission.name.clone(),
            level: *level,
        };
        let name = format_ident!("{}", grant.trait_name());
        let doc = format!(
            "Held by declarations granted `{grant}`{}. {}",
            if permission.levels.last() == Some(level) {
                ""
            } else {
                " or a higher level"
            },
            permission.description.trim()
        );
        let message = format!("the {platform} App `{{Self}}` was not granted `{grant}`");
        let label = format!("needs `{grant}`");
        let note = format!(
            "to grant it, add `{grant}` to the `permissions!` declaration of `{{Self}}` and to the app's settings on {platform}; in generic code, where `{{Self}}` is a type parameter, add the bound `{{Self}}: {name}`"
        );
        // Of this catalog: a declaration of other bindings cannot be given
        // the trait by hand.
        let supertrait = match &below {
            Some(below) => quote!(#below),
            None => quote!(::icr_api::grants::Declaration<Catalog = Catalog>),
        };
        // Every level up to this one, so that the supertrait's impl holds
        // under this impl's bounds.
        truths.push(holds(&grant));
        let slot = slot_trait(&permission.name);
        let doc = super::docs(&doc);
        out.extend(quote! {
            #doc
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
            pub trait #name: #supertrait {}
            #[diagnostic::do_not_recommend]
            impl<P> #name for P
            where
                P: ::icr_api::grants::Declaration<Catalog = Catalog>,
                P::Levels: internal::#slot,
                #(#truths: ::icr_api::__private::unsupported::logic::IsTrue,)*
            {
            }
        });
        below = Some(name);
    }
    out
}

/// The trait of a requirement of several alternatives, with its blanket
/// impl: held when every grant of one of the sets is held, a type-level
/// `or` of `and`s.
fn alternative_trait(requirement: &Requirement, platform: &str) -> Option<TokenStream> {
    let name = format_ident!("{}", requirement.trait_name()?);
    let listed = listed(requirement);
    let doc = super::docs(&format!("Held by declarations that meet one of: {listed}."));
    let message = format!("the {platform} App `{{Self}}` was not granted {listed}");
    let label = format!("needs {listed}");
    let note = format!(
        "to grant it, add one of {listed} to the `permissions!` declaration of `{{Self}}` and to the app's settings on {platform}; in generic code, where `{{Self}}` is a type parameter, add the bound `{{Self}}: {name}`"
    );
    let logic = quote!(::icr_api::__private::unsupported::logic::Bool);
    let mut slots: Vec<proc_macro2::Ident> = Vec::new();
    let sets = requirement.alternatives.iter().map(|set| {
        let mut truths = set.grants.iter().map(holds);
        let first = truths
            .next()
            .unwrap_or_else(|| quote!(::icr_api::__private::unsupported::logic::True));
        truths.fold(first, |all, truth| quote!(<#all as #logic>::And<#truth>))
    });
    let sets: Vec<TokenStream> = sets.collect();
    for grant in requirement.alternatives.iter().flat_map(|set| &set.grants) {
        let slot = slot_trait(&grant.permission);
        if !slots.contains(&slot) {
            slots.push(slot);
        }
    }
    let mut sets = sets.into_iter();
    let first = sets.next()?;
    let any = sets.fold(first, |any, set| quote!(<#any as #logic>::Or<#set>));
    Some(quote! {
        #doc
        #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
        pub trait #name: ::icr_api::grants::Declaration<Catalog = Catalog> {}
        #[diagnostic::do_not_recommend]
        impl<P> #name for P
        where
            P: ::icr_api::grants::Declaration<Catalog = Catalog>,
            P::Levels: #(internal::#slots)+*,
            #any: ::icr_api::__private::unsupported::logic::IsTrue,
        {
        }
    })
}

/// `` `issues: read` or `projects: read` ``.
fn listed(requirement: &Requirement) -> String {
    let listed: Vec<String> = requirement
        .alternatives
        .iter()
        .map(|set| format!("`{set}`"))
        .collect();
    listed.join(" or ")
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
        // A permission every installation holds is implied in every
        // declaration; the macro's catalog check covers this flag too.
        let held = permission.always_held.then(|| quote!(always_held));
        quote!(#name: [#(#levels),*] #held)
    });
    let doc = super::docs(&macro_doc(api));
    // The root of the bindings: `$crate` where they are a crate's root (or
    // re-exported there), the module's path where `generate_api!` put them.
    // The runtime is reached through the bindings' own `__icr_api`
    // re-export, so the macro works wherever `icr_api` is renamed or
    // re-exported by a facade.
    let root = match placement {
        Placement::CrateRoot => quote!($crate),
        Placement::Module(path) => path.clone(),
    };
    // A `#[macro_export]`ed macro is reached as `<crate>::permissions!` from
    // other crates; inside its own crate, rustc refuses absolute paths to one
    // defined in a module with an attribute (`#[rustfmt::skip] mod
    // generated;`), so it is never re-exported under another name. A
    // crate-local macro is reached through a `pub(crate) use`, which cannot
    // share the name of the `permissions` module beside it.
    let body = quote! {
        ($($declarations:tt)*) => {
            #root::__icr_api::__private::unsupported::permissions! {
                @runtime (#root::__icr_api)
                @catalog (#root::permissions) { #(#permissions,)* }
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
        "Declares what an {} App was granted, as a type the request functions of the {} bindings check at compile time.\n\n\
         ```text\n\
         permissions! {{\n    /// What the release-notes app was granted on {}.\n    pub ReleaseNotes {{ projects: write, issues: read }}\n}}\n\
         ```\n\n\
         Each entry is `permission: level`; `write` includes `read` and `admin` includes both. \
         An unknown permission or level, or a permission named twice, is a compile error at that entry. \
         The permissions and their levels:\n",
        api.platform, api.title, api.platform
    );
    for permission in &api.catalog.permissions {
        let levels: Vec<&str> = permission.levels.iter().map(|l| l.name()).collect();
        let implied = if permission.always_held {
            " Every installation holds it: a declaration that leaves it out holds it at its lowest level."
        } else {
            ""
        };
        doc.push_str(&format!(
            "\n- `{}` ({}): {}{implied}",
            permission.name,
            levels.join(", "),
            permission.description.trim()
        ));
    }
    doc
}
