//! Expansion tests of `permissions!`: what a declaration states, and that
//! every error is reported at its token with the declaration still
//! expanded. The compile-time behaviour is covered by the UI tests in
//! `tests/ui`.

use proc_macro2::TokenStream;
use quote::quote;

use super::expand;

/// A catalog header like the one generated bindings put in front.
fn header() -> TokenStream {
    quote! {
        @runtime (::icr_api)
        @catalog (crate::permissions) {
            issues: [read, write],
            projects: [read, write, admin],
            members: [read, write],
        }
    }
}

/// The expansion of `declarations`, as the text of its items.
fn expansion(declarations: TokenStream) -> Vec<String> {
    let header = header();
    let tokens = expand(quote!(#header #declarations)).unwrap();
    let file: syn::File = syn::parse2(tokens).unwrap();
    file.items
        .iter()
        .map(|item| {
            quote!(#item)
                .to_string()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// The `type Levels = …;` a declaration's expansion states.
fn levels(items: &[String], name: &str) -> String {
    let declared = items
        .iter()
        .find(|item| item.contains(&format!("Declared for {name}")))
        .unwrap_or_else(|| panic!("no Declared impl for {name} in {items:#?}"));
    let start = declared.find("type Levels =").unwrap();
    declared[start..]
        .split(';')
        .next()
        .unwrap()
        .trim()
        .to_owned()
}

#[test]
fn a_declaration_states_its_level_of_every_permission_in_the_catalogs_order() {
    let items = expansion(quote! {
        /// Docs stay.
        pub ReleaseNotes { projects: admin, issues: read }
    });
    // The first item asserts that the catalog is the bindings' own, read
    // through the `Catalog` type the declaration names.
    assert!(
        items[0].contains("same_catalog (< crate :: permissions :: Catalog as :: icr_api :: __private :: unsupported :: CatalogDef > :: PERMISSIONS , & [(\"issues\" , & [:: icr_api :: grants :: Level :: Read , :: icr_api :: grants :: Level :: Write] , false) ,"),
        "{}",
        items[0]
    );
    assert!(
        items[1].contains("# [doc = r\" Docs stay.\"]"),
        "{}",
        items[1]
    );
    assert!(
        items[1].contains("pub struct ReleaseNotes ;"),
        "{}",
        items[1]
    );
    assert_eq!(
        levels(&items, "ReleaseNotes"),
        "type Levels = (:: icr_api :: grants :: level :: Read , (:: icr_api :: grants :: level :: Admin , (:: icr_api :: grants :: level :: Nothing , ())))"
    );
    // Nothing else: the traits, the grants and `Within` are blanket impls
    // over what it states.
    assert_eq!(items.len(), 3, "{items:#?}");
    assert!(items[2].contains("const LABEL : & 'static str = \"ReleaseNotes\""));
    assert!(items[2].contains("type Catalog = crate :: permissions :: Catalog"));
}

#[test]
fn a_users_own_derive_is_not_derived_twice() {
    let items = expansion(quote! {
        #[derive(Debug, std::hash::Hash)]
        Mine { issues: read }
    });
    assert!(
        items[1].contains("# [derive (Clone , Copy , Default , PartialEq , Eq)]"),
        "{}",
        items[1]
    );
}

#[test]
fn a_name_declared_twice_is_one_error_at_the_second_name() {
    let header = header();
    let tokens = expand(quote! {
        #header
        Twice { issues: read }
        Twice { issues: write, projects: read }
    })
    .unwrap();
    let text = tokens.to_string();
    assert_eq!(text.matches("compile_error").count(), 1, "{text}");
    assert!(
        text.contains("`Twice` is declared twice in this `permissions!`"),
        "{text}"
    );
    // The first declaration stands, as it was written.
    assert_eq!(text.matches("struct Twice").count(), 1, "{text}");
    assert!(text.contains("type Levels = (:: icr_api :: grants :: level :: Read , (:: icr_api :: grants :: level :: Nothing"), "{text}");
}

#[test]
fn every_error_is_reported_at_its_token_and_the_rest_still_expands() {
    let header = header();
    let tokens = expand(quote! {
        #header
        pub First { project: write, issues: admin, members: rw }
        pub Second { issues: read, issues: write, projects: Read }
    })
    .unwrap();
    let text = tokens.to_string();
    let errors: Vec<&str> = text
        .split("compile_error")
        .skip(1)
        .map(|e| e.split('"').nth(1).unwrap_or_default())
        .collect();
    assert_eq!(
        errors,
        [
            "no permission `project`; did you mean `projects`?",
            "permission `issues` has no level `admin`; its levels are `read` and `write`",
            "no level `rw`; the levels of `members` are `read` and `write`",
            "`issues` is declared twice in `Second`; keep one entry, at the highest level the app needs",
            "no level `Read`; did you mean `read`?",
        ]
    );
    // Both types exist, with what was right in them, so uses of them do not
    // add errors of their own.
    assert!(text.contains("pub struct First"), "{text}");
    let second = &text[text.find("Declared for Second").unwrap()..];
    assert_eq!(
        levels(&[second.to_owned()], "Second"),
        "type Levels = (:: icr_api :: grants :: level :: Read , (:: icr_api :: grants :: level :: Nothing , (:: icr_api :: grants :: level :: Nothing , ())))"
    );
}

#[test]
fn an_unknown_name_far_from_every_permission_lists_them() {
    let header = header();
    let error = expand(quote!(#header App { wiki: read }))
        .unwrap()
        .to_string();
    assert!(
        error.contains(
            "no permission `wiki`; the permissions are `issues`, `projects` and `members`"
        ),
        "{error}"
    );
}

#[test]
fn a_malformed_header_is_an_error_not_a_panic() {
    let error =
        expand(quote!(@runtime (::icr_api) @catalog (crate::p) { issues: [read, owner] } App {}))
            .unwrap_err();
    assert!(
        error.to_string().contains("unknown level `owner`"),
        "{error}"
    );
    assert!(expand(quote!(App { issues: read })).is_err());
}

#[test]
fn a_permission_every_installation_holds_is_implied_unless_named() {
    let header = quote! {
        @runtime (::icr_api)
        @catalog (crate::permissions) {
            metadata: [read] always_held,
            issues: [read, write],
        }
    };
    let declarations = quote! {
        pub Implied { issues: write }
        pub Named { metadata: read, issues: read }
    };
    let tokens = expand(quote!(#header #declarations)).unwrap().to_string();
    let text = tokens.split_whitespace().collect::<Vec<_>>().join(" ");
    // The assertion compares the flag with the bindings' catalog.
    assert!(
        text.contains("(\"metadata\" , & [:: icr_api :: grants :: Level :: Read] , true)"),
        "{text}"
    );
    let read_write = "type Levels = (:: icr_api :: grants :: level :: Read , (:: icr_api :: grants :: level :: Write , ()))";
    let read_read = "type Levels = (:: icr_api :: grants :: level :: Read , (:: icr_api :: grants :: level :: Read , ()))";
    assert!(text.contains(read_write), "{text}");
    assert!(text.contains(read_read), "{text}");
}
