//! `generate_api!`: parses `spec = "path"` (and `at = module::path`,
//! `tags = ["issues", …]`), runs `icr-codegen` on the spec and expands to
//! its modules, inline.

use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::{LitStr, Token};

mod kw {
    syn::custom_keyword!(spec);
    syn::custom_keyword!(at);
    syn::custom_keyword!(tags);
}

/// The macro's input: `spec = "path"`, then optionally `at = path`, the
/// path of the module the macro is called in (`crate` when left out), which
/// the generated `permissions!` needs to name the `permissions` module from
/// anywhere in the crate, and `tags = ["issues", …]`, the only tags whose
/// operations (and the models they use) are generated.
struct Input {
    spec: LitStr,
    at: syn::Path,
    tags: Option<Vec<LitStr>>,
}

impl Parse for Input {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        input.parse::<kw::spec>()?;
        input.parse::<Token![=]>()?;
        let spec = input.parse()?;
        let mut at: Option<syn::Path> = None;
        let mut tags: Option<Vec<LitStr>> = None;
        while input.parse::<Option<Token![,]>>()?.is_some() && !input.is_empty() {
            let lookahead = input.lookahead1();
            if lookahead.peek(kw::at) && at.is_none() {
                input.parse::<kw::at>()?;
                input.parse::<Token![=]>()?;
                at = Some(input.call(syn::Path::parse_mod_style)?);
            } else if lookahead.peek(kw::tags) && tags.is_none() {
                input.parse::<kw::tags>()?;
                input.parse::<Token![=]>()?;
                let list;
                syn::bracketed!(list in input);
                let names =
                    syn::punctuated::Punctuated::<LitStr, Token![,]>::parse_terminated(&list)?;
                tags = Some(names.into_iter().collect());
            } else {
                return Err(lookahead.error());
            }
        }
        Ok(Self {
            spec,
            at: at.unwrap_or_else(|| syn::parse_quote!(crate)),
            tags,
        })
    }
}

/// Expands `generate_api!(input)`, reading the spec relative to the calling
/// crate's manifest folder.
pub(crate) fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let input: Input = syn::parse2(input)?;
    let base = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_default();
    expand_at(&input.spec, &base, &input.at, input.tags.as_deref())
}

/// Expands for a spec path relative to `base`, called in module `at`, for
/// the operations of `tags` only (all when `None`).
fn expand_at(
    spec: &LitStr,
    base: &Path,
    at: &syn::Path,
    tags: Option<&[LitStr]>,
) -> syn::Result<TokenStream> {
    let path = base.join(spec.value());
    let doc = icr_codegen::Document::read(&path)
        .map_err(|err| syn::Error::new(spec.span(), err.to_string()))?;
    let options = icr_codegen::emit::Options {
        placement: icr_codegen::emit::Placement::Module(quote!(#at)),
        only_tags: tags.map(|tags| tags.iter().map(LitStr::value).collect()),
        ..Default::default()
    };
    let generated = icr_codegen::generate(&doc, &options).map_err(|errors| {
        let mut problems = errors
            .iter()
            .map(|err| syn::Error::new(spec.span(), err.to_string()));
        let mut combined = syn::Error::new(
            spec.span(),
            format!(
                "{} problem(s) in the spec; nothing was generated",
                errors.len()
            ),
        );
        problems
            .by_ref()
            .for_each(|problem| combined.combine(problem));
        combined
    })?;
    if let Some(tags) = tags {
        check_tags(&generated.api, tags)?;
    }
    let modules = icr_codegen::format::inline(&generated.root);
    // Reading the spec through `include_bytes!` makes the compiler rebuild
    // the calling crate whenever the spec changes.
    let tracked = path.display().to_string();
    Ok(quote! {
        const _: &[u8] = include_bytes!(#tracked);
        #modules
    })
}

/// Every tag asked for is one the spec's operations have: a tag that is
/// not is an error at its name, listing the tags there are.
fn check_tags(api: &icr_codegen::model::Api, tags: &[LitStr]) -> syn::Result<()> {
    let mut known: Vec<&str> = Vec::new();
    for op in &api.operations {
        if !known.contains(&op.module.as_str()) {
            known.push(&op.module);
        }
    }
    let mut errors: Option<syn::Error> = None;
    for tag in tags {
        let name = tag.value();
        if known
            .iter()
            .any(|module| icr_codegen::emit::names_tag(&name, module))
        {
            continue;
        }
        let listed: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
        let error = syn::Error::new(
            tag.span(),
            format!(
                "the spec has no tag `{name}`; its tags are {}",
                listed.join(", ")
            ),
        );
        match &mut errors {
            Some(errors) => errors.combine(error),
            None => errors = Some(error),
        }
    }
    errors.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::expand_at;
    use proc_macro2::Span;
    use std::path::{Path, PathBuf};
    use syn::LitStr;

    fn workspace() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap()
            .to_path_buf()
    }

    /// Every module of a parsed expansion, by path, with its items' tokens
    /// (module declarations and `pub use` of flattened modules left out,
    /// as files express those differently).
    fn modules(items: &[syn::Item], prefix: &str, out: &mut Vec<(String, String)>) {
        let mut own = Vec::new();
        for item in items {
            match item {
                syn::Item::Mod(module) => {
                    let path = format!("{prefix}{}/", module.ident);
                    if let Some((_, content)) = &module.content {
                        modules(content, &path, out);
                    }
                }
                syn::Item::Use(used) if !matches!(used.vis, syn::Visibility::Inherited) => {}
                // `permissions!` is exported from a crate and local to a
                // module of a crate; `permissions_macro_differs_only_in_placement`
                // compares the two.
                syn::Item::Macro(_) => {}
                syn::Item::Const(constant) if constant.ident == "_" => {}
                other => own.push(other.clone()),
            }
        }
        // Formatted the same way on both sides, so that only code differs.
        let file = syn::File {
            shebang: None,
            attrs: Vec::new(),
            items: own,
        };
        out.push((prefix.to_owned(), prettyplease::unparse(&file)));
    }

    #[test]
    fn the_macro_and_xtask_generate_the_same_code() {
        let spec = "spec/icr.openapi.yaml";
        let expansion = expand_at(
            &LitStr::new(spec, Span::call_site()),
            &workspace(),
            &syn::parse_quote!(crate),
            None,
        )
        .unwrap();
        let expansion: syn::File = syn::parse2(expansion).unwrap();
        let mut from_macro = Vec::new();
        modules(&expansion.items, "", &mut from_macro);

        // What `cargo xtask codegen` writes for the same spec.
        let doc = icr_codegen::Document::read(&workspace().join(spec)).unwrap();
        let generated = icr_codegen::generate(&doc, &Default::default()).unwrap();
        let files =
            icr_codegen::format::files(&generated.root, "mod.rs", "cargo xtask codegen").unwrap();
        let mut from_files = Vec::new();
        for file in &files {
            let parsed: syn::File = syn::parse_str(&file.text).unwrap();
            let path = file.path.with_extension("").display().to_string();
            let prefix = match path.strip_suffix("mod") {
                Some(folder) => folder.to_owned(),
                None => format!("{path}/"),
            };
            let mut found = Vec::new();
            modules(&parsed.items, &prefix, &mut found);
            from_files.extend(found.into_iter().filter(|(p, _)| p.starts_with(&prefix)));
        }
        from_macro.sort();
        from_files.sort();
        let names = |modules: &[(String, String)]| {
            modules
                .iter()
                .map(|(name, _)| name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&from_macro), names(&from_files));
        assert!(from_macro.len() >= files.len());
        for ((module, by_macro), (_, by_xtask)) in from_macro.iter().zip(&from_files) {
            assert!(
                by_macro == by_xtask,
                "module `{module}` differs between generate_api! and cargo xtask codegen"
            );
        }
    }

    #[test]
    fn only_the_tags_asked_for_are_generated() {
        let spec = LitStr::new("icr-codegen/tests/fixtures/golden.yaml", Span::call_site());
        let tags = [LitStr::new("notes", Span::call_site())];
        let expansion =
            expand_at(&spec, &workspace(), &syn::parse_quote!(crate), Some(&tags)).unwrap();
        let file: syn::File = syn::parse2(expansion).unwrap();
        let modules: Vec<String> = file
            .items
            .iter()
            .filter_map(|item| match item {
                syn::Item::Mod(module) => Some(module.ident.to_string()),
                _ => None,
            })
            .collect();
        assert!(modules.contains(&"notes".to_owned()), "{modules:?}");
        assert!(!modules.contains(&"boards".to_owned()), "{modules:?}");
        // `Event`, the answer of a `boards` operation only, is left out;
        // `Note`, which `notes` answers, is there.
        let text = prettyplease::unparse(&file);
        assert!(text.contains("pub struct Note "), "{text}");
        assert!(!text.contains("pub enum Event "), "{text}");

        // A tag the spec does not have: an error at it, listing those it has.
        let unknown = [LitStr::new("nots", Span::call_site())];
        let error = expand_at(
            &spec,
            &workspace(),
            &syn::parse_quote!(crate),
            Some(&unknown),
        )
        .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("the spec has no tag `nots`; its tags are `notes`, `boards`"),
            "{error}"
        );
    }

    #[test]
    fn a_spec_problem_is_an_error_at_the_path_naming_pointer_and_operation() {
        let dir = std::env::temp_dir().join(format!("icr-macros-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("broken.yaml"),
            "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      operationId: a/getA\n      description: Works with ICR Apps.\n      x-icr-permissions: [{nothing: read}]\n      responses: {'204': {description: x}}\n",
        )
        .unwrap();
        let error = expand_at(
            &LitStr::new("broken.yaml", Span::call_site()),
            &dir,
            &syn::parse_quote!(crate),
            None,
        )
        .unwrap_err();
        let messages: Vec<String> = error.into_iter().map(|e| e.to_string()).collect();
        assert!(messages[0].contains("1 problem(s)"), "{messages:?}");
        assert!(
            messages[1].contains("#/paths/~1a/get/x-icr-permissions/0/nothing (operation `a/getA`): unknown permission `nothing`"),
            "{messages:?}"
        );
        let missing = expand_at(
            &LitStr::new("absent.yaml", Span::call_site()),
            &dir,
            &syn::parse_quote!(crate),
            None,
        )
        .unwrap_err();
        assert!(
            missing.to_string().contains("cannot read the spec"),
            "{missing}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
