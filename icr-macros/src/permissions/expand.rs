//! Writes each checked declaration: a unit type, its `Declaration` impl
//! (name and grants as data), an impl of the bindings' trait for every
//! permission and level it holds (lower levels included), an impl of every
//! alternatives trait whose requirement it meets, and `Within<P>` for every
//! declaration `P` that holds at least as much.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};

use icr_codegen::emit::level_path;
use icr_codegen::permissions::{Grant, Level};

use super::check::{Catalog, Checked};

pub(crate) fn declarations(catalog: &Catalog, declarations: &[Checked<'_>]) -> TokenStream {
    declarations
        .iter()
        .map(|checked| declaration(catalog, checked))
        .collect()
}

fn declaration(catalog: &Catalog, checked: &Checked<'_>) -> TokenStream {
    let module = &catalog.module;
    let attrs = &checked.declaration.attrs;
    let vis = &checked.declaration.vis;
    let name = &checked.declaration.name;
    let name_text = name.to_string();
    // The items carry the span of the declaration's name, so that the
    // compiler's "not implemented for `ReleaseNotes`" points at the
    // declaration to change rather than at the whole macro call.
    let span = name.span();

    let grants = checked.grants.iter().map(|(grant, _)| {
        let permission = &grant.permission;
        let level = level_path(grant.level);
        quote!(::icr_api::grants::Grant::new(#permission, #level))
    });

    // Every level up to the one declared: `write` implies `read`.
    let level_impls = checked.grants.iter().flat_map(|(grant, _)| {
        Level::ALL
            .into_iter()
            .filter(|level| grant.level.satisfies(*level))
            .map(|level| {
                let held = Grant {
                    permission: grant.permission.clone(),
                    level,
                };
                let trait_name = format_ident!("{}", held.trait_name(), span = span);
                quote_spanned!(span=> impl #module::#trait_name for #name {})
            })
            .collect::<Vec<_>>()
    });
    let held = checked.grants();
    let alternative_impls = catalog
        .alternatives
        .iter()
        .filter(|(_, requirement)| requirement.is_met_by(&held))
        .map(|(trait_name, _)| quote_spanned!(span=> impl #module::#trait_name for #name {}));

    // Each bound carries the span of its entry: a narrowing that asks for
    // more than `P` holds points at the entry that asks.
    let within_bounds = checked.grants.iter().map(|(grant, entry)| {
        let trait_name = format_ident!("{}", grant.trait_name(), span = *entry);
        quote_spanned!(*entry=> + #module::#trait_name)
    });

    quote_spanned! {span=>
        #(#attrs)*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
        #vis struct #name;

        impl ::icr_api::grants::Declaration for #name {
            const NAME: &'static str = #name_text;
            const GRANTS: &'static [::icr_api::grants::Grant] = &[#(#grants),*];
        }

        #(#level_impls)*
        #(#alternative_impls)*

        impl<P: ::icr_api::grants::Declaration #(#within_bounds)*> ::icr_api::grants::Within<P> for #name {}
    }
}
