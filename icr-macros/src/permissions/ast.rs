//! The syntax of `permissions!`: the catalog header the generated
//! `macro_rules!` writes, and the user's declarations, with every token kept
//! for the spans of errors.

use proc_macro2::{Ident, TokenStream};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Attribute, Token, Visibility, braced, bracketed, parenthesized};

mod kw {
    syn::custom_keyword!(runtime);
    syn::custom_keyword!(catalog);
    syn::custom_keyword!(always_held);
}

/// The whole input.
pub(crate) struct Input {
    pub catalog: CatalogHeader,
    pub declarations: Vec<Declaration>,
}

/// `@runtime (path) @catalog (path) { name: [levels] always_held?, … }`.
pub(crate) struct CatalogHeader {
    /// The path of `icr_api` as the bindings re-export it.
    pub runtime: TokenStream,
    /// The path of the bindings' `permissions` module.
    pub module: TokenStream,
    /// Each permission with its levels, and whether every installation
    /// holds it (`always_held`).
    pub permissions: Vec<(Ident, Vec<Ident>, bool)>,
}

/// `#[doc = "…"] pub Name { permission: level, … }`.
pub(crate) struct Declaration {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub name: Ident,
    pub entries: Vec<Entry>,
}

/// `permission: level`.
pub(crate) struct Entry {
    pub permission: Ident,
    pub level: Ident,
}

impl Parse for Entry {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        // Any identifier, keywords included: what is not a permission or a
        // level is for the check to report, with a suggestion.
        let permission = Ident::parse_any(input)?;
        input.parse::<Token![:]>()?;
        let level = Ident::parse_any(input)?;
        Ok(Self { permission, level })
    }
}

fn entries(input: ParseStream<'_>) -> syn::Result<Vec<Entry>> {
    let content;
    braced!(content in input);
    Ok(Punctuated::<Entry, Token![,]>::parse_terminated(&content)?
        .into_iter()
        .collect())
}

/// `@keyword (tokens)`.
fn tagged_path<K: Parse>(input: ParseStream<'_>) -> syn::Result<TokenStream> {
    input.parse::<Token![@]>()?;
    input.parse::<K>()?;
    let content;
    parenthesized!(content in input);
    content.parse()
}

impl Parse for CatalogHeader {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let runtime = tagged_path::<kw::runtime>(input)?;
        let module = tagged_path::<kw::catalog>(input)?;
        let content;
        braced!(content in input);
        let mut permissions = Vec::new();
        while !content.is_empty() {
            let name = Ident::parse_any(&content)?;
            content.parse::<Token![:]>()?;
            let levels;
            bracketed!(levels in content);
            let levels =
                Punctuated::<Ident, Token![,]>::parse_terminated_with(&levels, Ident::parse_any)?;
            let always_held = content.parse::<Option<kw::always_held>>()?.is_some();
            permissions.push((name, levels.into_iter().collect(), always_held));
            content.parse::<Option<Token![,]>>()?;
        }
        Ok(Self {
            runtime,
            module,
            permissions,
        })
    }
}

impl Parse for Declaration {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        let name = input.parse()?;
        let entries = entries(input)?;
        Ok(Self {
            attrs,
            vis,
            name,
            entries,
        })
    }
}

impl Parse for Input {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let catalog = input.parse()?;
        let mut declarations = Vec::new();
        while !input.is_empty() {
            declarations.push(input.parse()?);
            input.parse::<Option<Token![;]>>()?;
        }
        Ok(Self {
            catalog,
            declarations,
        })
    }
}
