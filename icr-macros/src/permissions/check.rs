//! Holds declarations against the catalog: every unknown permission or
//! level and every duplicate is an error at its token, with a suggestion
//! where one is close; all of them are reported at once.

use proc_macro2::{Ident, TokenStream};
use syn::ext::IdentExt;

use icr_codegen::permissions::{Grant, Level, suggest};

use super::ast;

/// The catalog of the bindings, read from the header.
pub(crate) struct Catalog {
    /// The path of `icr_api` as the bindings re-export it.
    pub runtime: TokenStream,
    /// The path of the bindings' `permissions` module.
    pub module: TokenStream,
    /// Each permission with its levels, in the catalog's order.
    pub permissions: Vec<(String, Vec<Level>)>,
    /// The permissions every installation holds, implied in every
    /// declaration at their lowest level.
    pub always_held: Vec<String>,
}

impl Catalog {
    /// Reads the header, which the generator wrote; an error here means
    /// the bindings and `icr-macros` disagree on its format.
    pub(crate) fn from_ast(header: &ast::CatalogHeader) -> syn::Result<Self> {
        let level = |ident: &Ident| {
            Level::from_name(&ident.unraw().to_string()).ok_or_else(|| {
                syn::Error::new(
                    ident.span(),
                    format!("the catalog of these bindings has an unknown level `{ident}`; regenerate them with this version of icr-api"),
                )
            })
        };
        let mut permissions = Vec::new();
        let mut always_held = Vec::new();
        for (name, levels, held) in &header.permissions {
            let levels = levels.iter().map(level).collect::<syn::Result<_>>()?;
            let name = name.unraw().to_string();
            if *held {
                always_held.push(name.clone());
            }
            permissions.push((name, levels));
        }
        Ok(Self {
            runtime: header.runtime.clone(),
            module: header.module.clone(),
            permissions,
            always_held,
        })
    }

    fn levels_of(&self, permission: &str) -> Option<&[Level]> {
        self.permissions
            .iter()
            .find(|(name, _)| name == permission)
            .map(|(_, levels)| levels.as_slice())
    }
}

/// A declaration with the grants that passed the check, in the catalog's
/// order.
pub(crate) struct Checked<'a> {
    pub declaration: &'a ast::Declaration,
    pub grants: Vec<Grant>,
}

/// Checks every declaration; the errors, all of them combined, come beside
/// the declarations (whose wrong entries are left out) rather than instead
/// of them.
pub(crate) fn declarations<'a>(
    catalog: &Catalog,
    declarations: &'a [ast::Declaration],
) -> (Vec<Checked<'a>>, Option<syn::Error>) {
    let mut errors: Option<syn::Error> = None;
    let mut error = |span: proc_macro2::Span, message: String| {
        let new = syn::Error::new(span, message);
        match &mut errors {
            Some(errors) => errors.combine(new),
            None => errors = Some(new),
        }
    };
    let mut checked = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for declaration in declarations {
        let name = declaration.name.to_string();
        if names.contains(&name) {
            // One error, at the second name; the first declaration stands,
            // so its uses add no errors of their own.
            error(
                declaration.name.span(),
                format!(
                    "`{name}` is declared twice in this `permissions!`; give the second declaration another name"
                ),
            );
            continue;
        }
        names.push(name);
        let mut grants: Vec<Grant> = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        for entry in &declaration.entries {
            let permission = entry.permission.unraw().to_string();
            let level = entry.level.unraw().to_string();
            if seen.contains(&permission) {
                error(
                    entry.permission.span(),
                    format!(
                        "`{permission}` is declared twice in `{}`; keep one entry, at the highest level the app needs",
                        declaration.name
                    ),
                );
                continue;
            }
            seen.push(permission.clone());
            let Some(levels) = catalog.levels_of(&permission) else {
                error(
                    entry.permission.span(),
                    unknown_permission(catalog, &permission),
                );
                continue;
            };
            match Level::from_name(&level) {
                Some(found) if levels.contains(&found) => grants.push(Grant {
                    permission,
                    level: found,
                }),
                Some(_) => error(
                    entry.level.span(),
                    format!(
                        "permission `{permission}` has no level `{level}`; its levels are {}",
                        listed(levels.iter().map(|l| l.name()))
                    ),
                ),
                None => {
                    let names = levels.iter().map(|l| l.name());
                    let message = match suggest(&level.to_lowercase(), names.clone()) {
                        Some(close) => format!("no level `{level}`; did you mean `{close}`?"),
                        None => format!(
                            "no level `{level}`; the levels of `{permission}` are {}",
                            listed(names)
                        ),
                    };
                    error(entry.level.span(), message);
                }
            }
        }
        // What every installation holds needs no entry: it is implied, at
        // its lowest level, unless the declaration names it.
        for permission in &catalog.always_held {
            if !seen.contains(permission)
                && let Some(&lowest) = catalog.levels_of(permission).and_then(<[Level]>::first)
            {
                grants.push(Grant {
                    permission: permission.clone(),
                    level: lowest,
                });
            }
        }
        let order = |grant: &Grant| {
            catalog
                .permissions
                .iter()
                .position(|(name, _)| *name == grant.permission)
        };
        grants.sort_by_key(order);
        checked.push(Checked {
            declaration,
            grants,
        });
    }
    (checked, errors)
}

fn unknown_permission(catalog: &Catalog, permission: &str) -> String {
    let names = catalog.permissions.iter().map(|(name, _)| name.as_str());
    match suggest(permission, names.clone()) {
        Some(close) => format!("no permission `{permission}`; did you mean `{close}`?"),
        None => format!(
            "no permission `{permission}`; the permissions are {}",
            listed(names)
        ),
    }
}

/// `` `a`, `b` and `c` ``.
fn listed<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<String> = names.map(|name| format!("`{name}`")).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.join(""),
    }
}
