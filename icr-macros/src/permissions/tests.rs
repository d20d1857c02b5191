//! Expansion tests of `permissions!`: what a declaration implements, and
//! that every error is reported at its token with the declaration still
//! expanded. The compile-time behaviour is covered by the UI tests in
//! `tests/ui`.

use proc_macro2::TokenStream;
use quote::quote;

use super::expand;

/// A catalog header like the one generated bindings put in front.
fn header() -> TokenStream {
    quote! {
        @catalog (crate::permissions) {
            issues: [read, write],
            projects: [read, write, admin],
            members: [read, write],
        }
        @alternatives {
            IssuesReadOrProjectsRead: [{issues: read}, {projects: read}],
            IssuesWriteAndMembersReadOrProjectsAdmin: [{issues: write, members: read}, {projects: admin}],
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

fn implemented(items: &[String]) -> Vec<String> {
    items
        .iter()
        .filter_map(|item| {
            let rest = item.strip_prefix("impl crate :: permissions :: ")?;
            Some(rest.split(' ').next()?.to_owned())
        })
        .collect()
}

#[test]
fn a_declaration_implements_every_level_it_holds_and_the_alternatives_it_meets() {
    let items = expansion(quote! {
        /// Docs stay.
        pub ReleaseNotes { projects: admin, issues: read }
    });
    assert!(
        items[0].contains("# [doc = r\" Docs stay.\"]"),
        "{}",
        items[0]
    );
    assert!(
        items[0].contains("pub struct ReleaseNotes ;"),
        "{}",
        items[0]
    );
    // Grants in the catalog's order, whatever the declaration's order.
    assert!(
        items[1].contains(
            "& [:: icr_api :: grants :: Grant :: new (\"issues\" , :: icr_api :: grants :: Level :: Read) , :: icr_api :: grants :: Grant :: new (\"projects\" , :: icr_api :: grants :: Level :: Admin)]"
        ),
        "{}",
        items[1]
    );
    assert_eq!(
        implemented(&items),
        [
            "IssuesRead",
            "ProjectsRead",
            "ProjectsWrite",
            "ProjectsAdmin",
            "IssuesReadOrProjectsRead",
            "IssuesWriteAndMembersReadOrProjectsAdmin",
        ]
    );
    let within = items.last().unwrap();
    assert!(
        within.contains("impl < P : :: icr_api :: grants :: Declaration + crate :: permissions :: IssuesRead + crate :: permissions :: ProjectsAdmin > :: icr_api :: grants :: Within < P > for ReleaseNotes"),
        "{within}"
    );
}

#[test]
fn an_alternative_set_is_met_only_whole() {
    let items = expansion(quote!(Partial { issues: write }));
    assert_eq!(
        implemented(&items),
        ["IssuesRead", "IssuesWrite", "IssuesReadOrProjectsRead"]
    );
    let items = expansion(quote!(Whole {
        issues: write,
        members: write
    }));
    assert!(implemented(&items).contains(&"IssuesWriteAndMembersReadOrProjectsAdmin".to_owned()));
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
    assert!(
        text.contains("impl crate :: permissions :: IssuesRead for Second"),
        "{text}"
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
        expand(quote!(@catalog (crate::p) { issues: [read, owner] } @alternatives {} App {}))
            .unwrap_err();
    assert!(
        error.to_string().contains("unknown level `owner`"),
        "{error}"
    );
    assert!(expand(quote!(App { issues: read })).is_err());
}
