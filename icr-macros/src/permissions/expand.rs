//! Writes each checked declaration: a unit type and one impl of `Declared`
//! that states, for every permission of the catalog in its order, the level
//! held (`icr_api::grants::level::Write`, or `Nothing`). The permission
//! traits, `Declaration` (with its grants) and `Within` are blanket impls
//! over that list, in the bindings and in `icr-api`: this macro writes no
//! impl of them, so they cannot disagree with what it states.
//!
//! Once per call it also asserts, at compile time, that the catalog it was
//! handed is its bindings' own (`same_catalog`), so that a forged header
//! cannot shift a level onto another permission.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};

use icr_codegen::permissions::Level;

use super::check::{Catalog, Checked};

/// The traits every declaration derives unless the user derives them.
const DERIVES: [&str; 7] = [
    "Clone",
    "Copy",
    "Debug",
    "Default",
    "PartialEq",
    "Eq",
    "Hash",
];

pub(crate) fn declarations(catalog: &Catalog, declarations: &[Checked<'_>]) -> TokenStream {
    let mut out = catalog_assertion(catalog);
    for checked in declarations {
        out.extend(declaration(catalog, checked));
    }
    out
}

/// `const _: () = assert!(same_catalog(<module::Catalog as CatalogDef>::PERMISSIONS, &[…]), "…");`
///
/// The catalog is read through the `Catalog` type the declarations name,
/// whose `CatalogDef` impl only its bindings can write: a caller that
/// points the header at a module of its own with a forged `CATALOG`
/// beside a real `Catalog` still meets the real one.
fn catalog_assertion(catalog: &Catalog) -> TokenStream {
    let runtime = &catalog.runtime;
    let module = &catalog.module;
    let entries = catalog.permissions.iter().map(|(name, levels)| {
        let levels = levels.iter().map(|level| level_variant(runtime, *level));
        let held = catalog.always_held.contains(name);
        quote!((#name, &[#(#levels),*], #held))
    });
    quote! {
        const _: () = ::core::assert!(
            #runtime::__private::unsupported::same_catalog(
                <#module::Catalog as #runtime::__private::unsupported::CatalogDef>::PERMISSIONS,
                &[#(#entries),*],
            ),
            "this `permissions!` was handed a catalog that is not its bindings' own; call it through the bindings' `permissions!` macro",
        );
    }
}

fn level_variant(runtime: &TokenStream, level: Level) -> TokenStream {
    let variant = format_ident!("{}", marker_name(Some(level)));
    quote!(#runtime::grants::Level::#variant)
}

fn marker_name(level: Option<Level>) -> &'static str {
    match level {
        None => "Nothing",
        Some(Level::Read) => "Read",
        Some(Level::Write) => "Write",
        Some(Level::Admin) => "Admin",
    }
}

fn declaration(catalog: &Catalog, checked: &Checked<'_>) -> TokenStream {
    let runtime = &catalog.runtime;
    let module = &catalog.module;
    let attrs = &checked.declaration.attrs;
    let vis = &checked.declaration.vis;
    let name = &checked.declaration.name;
    let name_text = syn::ext::IdentExt::unraw(name).to_string();
    // A declaration compiled out is compiled out whole.
    let cfgs = attrs.iter().filter(|attr| attr.path().is_ident("cfg"));
    // The items carry the span of the declaration's name, so that the
    // compiler's "not implemented for `ReleaseNotes`" points at the
    // declaration to change rather than at the whole macro call.
    let span = name.span();

    // The level held of each permission, in the catalog's order, as a list
    // `(first, (second, … ()))`.
    let mut levels = quote!(());
    for (permission, _) in catalog.permissions.iter().rev() {
        let held = checked
            .grants
            .iter()
            .find(|grant| grant.permission == *permission)
            .map(|grant| grant.level);
        let marker = format_ident!("{}", marker_name(held));
        levels = quote!((#runtime::grants::level::#marker, #levels));
    }

    let user_derives = derived_by_user(&checked.declaration.attrs);
    let derives = DERIVES
        .iter()
        .filter(|derive| !user_derives.iter().any(|user| user == *derive))
        .map(|derive| format_ident!("{derive}", span = span));

    quote_spanned! {span=>
        #(#attrs)*
        #[derive(#(#derives),*)]
        #vis struct #name;

        #(#cfgs)*
        impl #runtime::__private::unsupported::Declared for #name {
            const LABEL: &'static str = #name_text;
            type Catalog = #module::Catalog;
            type Levels = #levels;
        }
    }
}

/// The last segment of every path in the declaration's own derives, so that
/// a user's `#[derive(Debug)]` is not derived twice: `#[derive(…)]` by any
/// path (`#[::core::prelude::v1::derive(…)]`), and derives inside
/// `#[cfg_attr(…, derive(…))]`, which count as the user's whatever the
/// condition.
fn derived_by_user(attrs: &[syn::Attribute]) -> Vec<String> {
    let mut names = Vec::new();
    for attr in attrs {
        collect_derives(&attr.meta, &mut names);
    }
    names
}

fn collect_derives(meta: &syn::Meta, names: &mut Vec<String>) {
    let syn::Meta::List(list) = meta else {
        return;
    };
    let Some(last) = list.path.segments.last() else {
        return;
    };
    // What does not parse is left for rustc to report.
    if last.ident == "derive" {
        let _ = list.parse_nested_meta(|meta| {
            if let Some(last) = meta.path.segments.last() {
                names.push(last.ident.to_string());
            }
            Ok(())
        });
    } else if last.ident == "cfg_attr" {
        let parsed = list.parse_args_with(
            syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
        );
        if let Ok(metas) = parsed {
            // The first is the condition; the rest are attributes.
            for meta in metas.iter().skip(1) {
                collect_derives(meta, names);
            }
        }
    }
}
