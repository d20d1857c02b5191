//! ICR's permission extensions: the catalog of permissions an app can be
//! granted (`x-icr-permission-catalog` at the document root) and the
//! permissions each marked operation needs (`x-icr-permissions`).
//!
//! An operation's requirement is a list of alternative sets: any one set
//! suffices, and every permission in a set is needed. `spec/README.md`
//! describes the format with a worked example.

use std::fmt;

use serde_json::Value;

use crate::error::ErrorKind;
use crate::naming::pascal;
use crate::{Document, JsonPointer, OperationRef, SpecError};

/// The root extension that holds the permission catalog.
pub const CATALOG_EXTENSION: &str = "x-icr-permission-catalog";
/// The operation extension that lists the permissions an operation needs.
pub const REQUIREMENT_EXTENSION: &str = "x-icr-permissions";

/// How much of a permission is held. Each level includes the ones below it:
/// `admin` ⊇ `write` ⊇ `read`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Look, don't touch.
    Read,
    /// Change.
    Write,
    /// Create, delete, and change settings.
    Admin,
}

impl Level {
    /// Every level, lowest first.
    pub const ALL: [Level; 3] = [Level::Read, Level::Write, Level::Admin];

    /// The level's name in the spec and in `permissions!`.
    pub fn name(self) -> &'static str {
        match self {
            Level::Read => "read",
            Level::Write => "write",
            Level::Admin => "admin",
        }
    }

    /// The level with this name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|level| level.name() == name)
    }

    /// Whether holding `self` is enough where `needed` is asked for.
    pub fn satisfies(self, needed: Level) -> bool {
        self >= needed
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One permission of the catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PermissionDef {
    /// Its name, a lower snake case identifier such as `issues`.
    pub name: String,
    /// What it gives access to.
    pub description: String,
    /// The levels it can be granted at, lowest first; always starts at `read`
    /// and has no gaps.
    pub levels: Vec<Level>,
    /// Whether every installation holds it at every level it has
    /// (`alwaysHeld: true`), whether or not a token request asks for it.
    pub always_held: bool,
}

/// A permission at a level, e.g. `issues: write`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Grant {
    /// The permission's name.
    pub permission: String,
    /// The level.
    pub level: Level,
}

impl Grant {
    /// The name of the trait a declaration implements when it holds this
    /// grant, e.g. `IssuesWrite`.
    pub fn trait_name(&self) -> String {
        format!("{}{}", pascal(&self.permission), pascal(self.level.name()))
    }
}

impl fmt::Display for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.permission, self.level)
    }
}

/// Permissions that are all needed together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PermissionSet {
    /// The grants, in the order the spec lists them.
    pub grants: Vec<Grant>,
}

impl fmt::Display for PermissionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, grant) in self.grants.iter().enumerate() {
            if i > 0 {
                f.write_str(" and ")?;
            }
            write!(f, "{grant}")?;
        }
        Ok(())
    }
}

/// What an operation needs: any one of the alternative sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    /// The alternatives, in the order the spec lists them; never empty.
    pub alternatives: Vec<PermissionSet>,
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let several = self.alternatives.len() > 1;
        for (i, set) in self.alternatives.iter().enumerate() {
            if i > 0 {
                f.write_str(" or ")?;
            }
            if several && set.grants.len() > 1 {
                write!(f, "({set})")?;
            } else {
                write!(f, "{set}")?;
            }
        }
        Ok(())
    }
}

impl Requirement {
    /// The same requirement in a canonical form: the grants of each set
    /// sorted, a grant that another of its set already implies dropped, the
    /// sets sorted, and a set that another set of the requirement makes
    /// redundant (because it needs at least as much) dropped. Two
    /// requirements that accept the same declarations have the same form.
    pub fn normalized(&self) -> Requirement {
        let mut sets: Vec<Vec<Grant>> = self
            .alternatives
            .iter()
            .map(|set| {
                let mut grants: Vec<Grant> = Vec::new();
                for grant in &set.grants {
                    match grants.iter_mut().find(|g| g.permission == grant.permission) {
                        Some(held) => held.level = held.level.max(grant.level),
                        None => grants.push(grant.clone()),
                    }
                }
                grants.sort();
                grants
            })
            .collect();
        sets.sort();
        sets.dedup();
        let covers = |small: &[Grant], large: &[Grant]| holds_all(large, small);
        let kept: Vec<Vec<Grant>> = sets
            .iter()
            .enumerate()
            .filter(|(i, set)| {
                !sets.iter().enumerate().any(|(j, other)| {
                    j != *i && covers(other, set) && (!covers(set, other) || j < *i)
                })
            })
            .map(|(_, set)| set.clone())
            .collect();
        Requirement {
            alternatives: kept
                .into_iter()
                .map(|grants| PermissionSet { grants })
                .collect(),
        }
    }

    /// Whether a declaration holding `held` satisfies the requirement.
    pub fn is_met_by(&self, held: &[Grant]) -> bool {
        self.alternatives
            .iter()
            .any(|set| holds_all(held, &set.grants))
    }

    /// The first set of the requirement that `held` meets, if any.
    pub fn first_met_by(&self, held: &[Grant]) -> Option<&PermissionSet> {
        self.alternatives
            .iter()
            .find(|set| holds_all(held, &set.grants))
    }

    /// For a requirement of several alternatives, the name of the trait that
    /// stands for it, e.g. `IssuesReadOrProjectsRead`; `None` for one set,
    /// whose grants are bounds of their own.
    pub fn trait_name(&self) -> Option<String> {
        let normalized = self.normalized();
        if normalized.alternatives.len() < 2 {
            return None;
        }
        let sets: Vec<String> = normalized
            .alternatives
            .iter()
            .map(|set| {
                let grants: Vec<String> = set.grants.iter().map(Grant::trait_name).collect();
                grants.join("And")
            })
            .collect();
        Some(sets.join("Or"))
    }
}

/// Whether `held` includes every grant of `needed`, at its level or higher.
fn holds_all(held: &[Grant], needed: &[Grant]) -> bool {
    needed.iter().all(|needed| {
        held.iter().any(|grant| {
            grant.permission == needed.permission && grant.level.satisfies(needed.level)
        })
    })
}

/// The permissions an app can be granted, as the spec's catalog lists them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Catalog {
    /// The permissions, in document order.
    pub permissions: Vec<PermissionDef>,
}

impl Catalog {
    /// Reads the catalog from the document root. A document without one has
    /// an empty catalog. Every malformed entry is reported.
    pub fn from_document(doc: &Document) -> Result<Self, Vec<SpecError>> {
        let at = JsonPointer::root().join(CATALOG_EXTENSION);
        let Some(node) = doc.raw().get(CATALOG_EXTENSION) else {
            return Ok(Self::default());
        };
        let Some(entries) = node.as_object() else {
            return Err(vec![doc.error(
                ErrorKind::Permission,
                at,
                "the permission catalog must map each permission name to its description and levels",
            )]);
        };
        let mut errors = Vec::new();
        let mut permissions = Vec::new();
        for (name, entry) in entries {
            let here = at.join(name);
            let mut fail = |pointer: JsonPointer, message: String| {
                errors.push(doc.error(ErrorKind::Permission, pointer, message));
            };
            if !is_permission_name(name) {
                fail(
                    here.clone(),
                    format!(
                        "permission name `{name}` must be a lower snake case identifier such as `issues`"
                    ),
                );
            }
            let description = entry.get("description").and_then(Value::as_str);
            if description.is_none() {
                fail(
                    here.clone(),
                    format!("permission `{name}` needs a `description` string"),
                );
            }
            let levels = match entry.get("levels").and_then(Value::as_array) {
                Some(levels) => levels,
                None => {
                    fail(
                        here.join("levels"),
                        format!("permission `{name}` needs a `levels` list"),
                    );
                    continue;
                }
            };
            let mut parsed = Vec::new();
            for (index, level) in levels.iter().enumerate() {
                match level.as_str().and_then(Level::from_name) {
                    Some(level) => parsed.push(level),
                    None => fail(
                        here.join("levels").join(index),
                        format!(
                            "unknown level {level}; the levels are `read`, `write` and `admin`"
                        ),
                    ),
                }
            }
            if parsed.is_empty() || parsed[..] != Level::ALL[..parsed.len()] {
                let written: Vec<&str> = parsed.iter().map(|l| l.name()).collect();
                fail(
                    here.join("levels"),
                    format!(
                        "levels of `{name}` are [{}]; they must be `[read]`, `[read, write]` or `[read, write, admin]`, as each level includes the ones below it",
                        written.join(", ")
                    ),
                );
            }
            let always_held = match entry.get("alwaysHeld") {
                None => false,
                Some(Value::Bool(held)) => *held,
                Some(other) => {
                    fail(
                        here.join("alwaysHeld"),
                        format!("`alwaysHeld` of `{name}` must be `true` or `false`, not {other}"),
                    );
                    false
                }
            };
            permissions.push(PermissionDef {
                name: name.clone(),
                description: description.unwrap_or_default().to_owned(),
                levels: parsed,
                always_held,
            });
        }
        for (i, permission) in permissions.iter().enumerate() {
            if let Some(earlier) = permissions[..i]
                .iter()
                .find(|p| pascal(&p.name) == pascal(&permission.name))
            {
                errors.push(doc.error(
                    ErrorKind::Permission,
                    at.join(&permission.name),
                    format!(
                        "permissions `{}` and `{}` would both be `{}` in Rust; rename one",
                        earlier.name,
                        permission.name,
                        pascal(&permission.name)
                    ),
                ));
            }
        }
        if errors.is_empty() {
            Ok(Self { permissions })
        } else {
            Err(errors)
        }
    }

    /// The permission with this name.
    pub fn get(&self, name: &str) -> Option<&PermissionDef> {
        self.permissions.iter().find(|p| p.name == name)
    }

    /// The catalog name closest to a misspelt one, to suggest.
    pub fn suggest(&self, name: &str) -> Option<&str> {
        suggest(name, self.permissions.iter().map(|p| p.name.as_str()))
    }

    /// Reads what `operation` needs from its `x-icr-permissions`: `None` when
    /// it lists none. Every malformed or unknown entry is reported.
    pub fn requirement(
        &self,
        doc: &Document,
        operation: &OperationRef<'_>,
    ) -> Result<Option<Requirement>, Vec<SpecError>> {
        let Some(node) = operation.value.get(REQUIREMENT_EXTENSION) else {
            return Ok(None);
        };
        let at = operation.pointer.join(REQUIREMENT_EXTENSION);
        let mut errors = Vec::new();
        let mut fail = |pointer: JsonPointer, message: String| {
            errors.push(operation.error(doc, ErrorKind::Permission, pointer, message));
        };
        let sets = match node.as_array() {
            Some(sets) if !sets.is_empty() => sets,
            _ => {
                fail(
                    at,
                    format!(
                        "`{REQUIREMENT_EXTENSION}` must be a non-empty list of permission sets, e.g. `- {{issues: write}}`"
                    ),
                );
                return Err(errors);
            }
        };
        let mut alternatives = Vec::new();
        for (index, set) in sets.iter().enumerate() {
            let here = at.join(index);
            let entries = match set.as_object() {
                Some(entries) if !entries.is_empty() => entries,
                _ => {
                    fail(
                        here,
                        "a permission set must map at least one permission name to a level"
                            .to_owned(),
                    );
                    continue;
                }
            };
            let mut grants = Vec::new();
            for (name, level) in entries {
                let entry = here.join(name);
                let Some(def) = self.get(name) else {
                    let hint = match self.suggest(name) {
                        Some(close) => format!("; did you mean `{close}`?"),
                        None if self.permissions.is_empty() => {
                            format!("; the document has no `{CATALOG_EXTENSION}`")
                        }
                        None => String::new(),
                    };
                    fail(entry, format!("unknown permission `{name}`{hint}"));
                    continue;
                };
                let Some(level_name) = level.as_str() else {
                    fail(
                        entry,
                        format!("the level of `{name}` must be a string such as `read`"),
                    );
                    continue;
                };
                match Level::from_name(level_name).filter(|l| def.levels.contains(l)) {
                    Some(level) => grants.push(Grant {
                        permission: name.clone(),
                        level,
                    }),
                    None => {
                        let allowed: Vec<&str> = def.levels.iter().map(|l| l.name()).collect();
                        fail(
                            entry,
                            format!(
                                "permission `{name}` has no level `{level_name}`; its levels are {}",
                                allowed.join(", ")
                            ),
                        );
                    }
                }
            }
            alternatives.push(PermissionSet { grants });
        }
        if errors.is_empty() {
            Ok(Some(Requirement { alternatives }))
        } else {
            Err(errors)
        }
    }
}

fn is_permission_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The candidate closest to `name` by edit distance, when it is close enough
/// to be a likely typo (at most a third of the name's length, and at least
/// one edit allowed).
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|candidate| (edit_distance(name, candidate), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(yaml: &str) -> Document {
        Document::parse("perm.yaml", yaml).unwrap()
    }

    const CATALOG: &str = "
openapi: 3.0.3
info: {title: t, version: '1'}
x-icr-permission-catalog:
  issues: {description: Issues., levels: [read, write]}
  projects: {description: Projects., levels: [read, write, admin]}
";

    fn requirement_of(sets: &str) -> Result<Option<Requirement>, Vec<SpecError>> {
        let doc = doc(&format!(
            "{CATALOG}paths:\n  /x:\n    get:\n      operationId: t/getX\n      x-icr-permissions: {sets}\n      responses: {{'204': {{description: x}}}}\n"
        ));
        let catalog = Catalog::from_document(&doc).unwrap();
        let op = doc.operations().remove(0);
        catalog.requirement(&doc, &op)
    }

    #[test]
    fn requirements_read_as_alternatives_of_sets() {
        let check = |sets: &str, expected: &str| {
            let requirement = requirement_of(sets).unwrap().unwrap();
            assert_eq!(requirement.to_string(), expected, "{sets}");
        };
        check("[{issues: read}]", "issues: read");
        check(
            "[{issues: write, projects: read}]",
            "issues: write and projects: read",
        );
        check(
            "[{issues: read}, {projects: read}]",
            "issues: read or projects: read",
        );
        check(
            "[{issues: write, projects: read}, {projects: admin}]",
            "(issues: write and projects: read) or projects: admin",
        );
    }

    #[test]
    fn bad_requirements_are_all_reported_at_their_entry() {
        let check = |sets: &str, expected: &[(&str, &str)]| {
            let errors = requirement_of(sets).unwrap_err();
            let found: Vec<(String, &str)> = errors
                .iter()
                .map(|e| (e.pointer.to_string(), e.message.as_str()))
                .collect();
            assert_eq!(found.len(), expected.len(), "{sets}: {found:#?}");
            for ((pointer, message), (want_pointer, want_text)) in found.iter().zip(expected) {
                assert_eq!(pointer, want_pointer, "{sets}");
                assert!(message.contains(want_text), "{sets}: {message}");
            }
            assert!(
                errors
                    .iter()
                    .all(|e| e.operation_id.as_deref() == Some("t/getX"))
            );
        };
        let at = "/paths/~1x/get/x-icr-permissions";
        check("[]", &[(at, "non-empty list")]);
        check("{issues: read}", &[(at, "non-empty list")]);
        check("[{}]", &[(&format!("{at}/0"), "at least one permission")]);
        check(
            "[{project: read}]",
            &[(&format!("{at}/0/project"), "did you mean `projects`?")],
        );
        check(
            "[{zzz: read}]",
            &[(&format!("{at}/0/zzz"), "unknown permission `zzz`")],
        );
        check(
            "[{issues: admin}]",
            &[(&format!("{at}/0/issues"), "its levels are read, write")],
        );
        check(
            "[{issues: read}, {projects: owner, isues: read}]",
            &[
                (&format!("{at}/1/projects"), "no level `owner`"),
                (&format!("{at}/1/isues"), "did you mean `issues`?"),
            ],
        );
    }

    #[test]
    fn malformed_catalogs_are_reported() {
        let doc = doc("
openapi: 3.0.3
x-icr-permission-catalog:
  Issues: {description: Bad name., levels: [read]}
  gaps: {description: Gap., levels: [read, admin]}
  nodesc: {levels: [read]}
  weird: {description: W., levels: [read, owner]}
  held: {description: H., levels: [read], alwaysHeld: 1}
");
        let errors = Catalog::from_document(&doc).unwrap_err();
        let pointers: Vec<String> = errors.iter().map(|e| e.pointer.to_string()).collect();
        assert_eq!(
            pointers,
            [
                "/x-icr-permission-catalog/Issues",
                "/x-icr-permission-catalog/gaps/levels",
                "/x-icr-permission-catalog/nodesc",
                "/x-icr-permission-catalog/weird/levels/1",
                "/x-icr-permission-catalog/held/alwaysHeld",
            ]
        );
        assert!(
            errors[4]
                .message
                .contains("must be `true` or `false`, not 1")
        );
    }

    #[test]
    fn alternatives_are_named_by_their_canonical_form() {
        let check = |sets: &str, normalized: &str, name: Option<&str>| {
            let requirement = requirement_of(sets).unwrap().unwrap();
            assert_eq!(requirement.normalized().to_string(), normalized, "{sets}");
            assert_eq!(requirement.trait_name().as_deref(), name, "{sets}");
        };
        check("[{issues: read}]", "issues: read", None);
        check(
            "[{projects: read, issues: write}]",
            "issues: write and projects: read",
            None,
        );
        check(
            "[{projects: read}, {issues: read}]",
            "issues: read or projects: read",
            Some("IssuesReadOrProjectsRead"),
        );
        check(
            "[{issues: read}, {projects: read}]",
            "issues: read or projects: read",
            Some("IssuesReadOrProjectsRead"),
        );
        // A set that needs more than another adds nothing.
        check(
            "[{issues: write, projects: read}, {issues: read}]",
            "issues: read",
            None,
        );
        check(
            "[{projects: admin}, {issues: write, projects: read}]",
            "(issues: write and projects: read) or projects: admin",
            Some("IssuesWriteAndProjectsReadOrProjectsAdmin"),
        );
    }

    #[test]
    fn requirements_are_met_by_higher_levels_and_any_alternative() {
        let requirement = requirement_of("[{issues: write, projects: read}, {projects: admin}]")
            .unwrap()
            .unwrap();
        let grant = |permission: &str, level| Grant {
            permission: permission.to_owned(),
            level,
        };
        assert!(requirement.is_met_by(&[grant("projects", Level::Admin)]));
        assert!(requirement.is_met_by(&[
            grant("issues", Level::Write),
            grant("projects", Level::Write)
        ]));
        assert!(!requirement.is_met_by(&[
            grant("issues", Level::Read),
            grant("projects", Level::Write)
        ]));
        assert!(!requirement.is_met_by(&[]));
    }

    #[test]
    fn levels_include_the_ones_below() {
        assert!(Level::Admin.satisfies(Level::Write));
        assert!(Level::Write.satisfies(Level::Read));
        assert!(Level::Read.satisfies(Level::Read));
        assert!(!Level::Read.satisfies(Level::Write));
        assert!(!Level::Write.satisfies(Level::Admin));
    }

    #[test]
    fn suggestions_are_close_names_only() {
        let names = ["issues", "projects", "members", "metadata"];
        assert_eq!(suggest("project", names), Some("projects"));
        assert_eq!(suggest("isues", names), Some("issues"));
        assert_eq!(suggest("member", names), Some("members"));
        assert_eq!(suggest("webhooks", names), None);
    }
}
