//! What an ICR App was granted, as types.
//!
//! An app declares its permissions once with [`permissions!`](macro@crate::permissions):
//!
//! ```
//! icr_api::permissions! {
//!     /// What the release-notes app was granted on ICR.
//!     pub ReleaseNotes { projects: write, issues: read }
//! }
//! ```
//!
//! The declaration is a unit type that implements [`Declaration`] and one
//! trait of [`permissions`](mod@crate::permissions) per permission and level it holds
//! (`ProjectsWrite`, and through it `ProjectsRead`; `IssuesRead`). Every
//! request function names what its endpoint needs in its bounds, so a call
//! the app was not granted does not compile:
//!
//! ```compile_fail
//! # icr_api::permissions! { pub ReleaseNotes { projects: write, issues: read } }
//! # async fn run(client: &icr_api::InstallationClient<ReleaseNotes>) {
//! // error: the ICR App `ReleaseNotes` was not granted `issues: write`
//! let body = icr_api::models::IssueCreate::new("Release 1.2");
//! icr_api::issues::create_issue(client, 3001, &body).await;
//! # }
//! ```
//!
//! Generic code states its needs as bounds, and takes any declaration that
//! meets them:
//!
//! ```
//! use icr_api::permissions::IssuesRead;
//!
//! async fn count_issues<P: IssuesRead>(
//!     client: &icr_api::InstallationClient<P>,
//!     project: i64,
//! ) -> icr_api::Result<usize> {
//!     let open = icr_api::issues::list_project_issues(client, project).await?;
//!     Ok(open.len())
//! }
//! ```
//!
//! The declaration is also data: [`Declaration::grants`] lists what it
//! holds, and [`Manifest`] writes it as JSON, e.g. to print the settings the
//! app needs on ICR.

use std::collections::BTreeMap;
use std::fmt;

pub(crate) mod typed;

pub use typed::{And, LevelList, LevelMarker, Requirement, level};

/// How much of a permission is held; each level includes the ones below it
/// (`admin` ⊇ `write` ⊇ `read`).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Look, don't touch.
    Read,
    /// Change.
    Write,
    /// Create, delete, and change settings.
    Admin,
}

impl Level {
    /// The level's name, as the API and `permissions!` write it.
    pub const fn name(self) -> &'static str {
        match self {
            Level::Read => "read",
            Level::Write => "write",
            Level::Admin => "admin",
        }
    }

    /// The level with this name.
    pub fn from_name(name: &str) -> Option<Self> {
        [Level::Read, Level::Write, Level::Admin]
            .into_iter()
            .find(|level| level.name() == name)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A permission at a level, e.g. `issues: write`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Grant {
    /// The permission's name in the catalog.
    pub permission: &'static str,
    /// The level held.
    pub level: Level,
}

impl Grant {
    /// `permission: level`.
    pub const fn new(permission: &'static str, level: Level) -> Self {
        Self { permission, level }
    }
}

impl fmt::Display for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.permission, self.level)
    }
}

/// One permission of a spec's catalog (see `permissions::CATALOG` of the
/// generated bindings).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Permission {
    /// Its name, e.g. `issues`.
    pub name: &'static str,
    /// What it gives access to.
    pub description: &'static str,
    /// The levels it can be granted at, lowest first.
    pub levels: &'static [Level],
    /// Whether every installation holds it, asked for or not, as ICR's
    /// `metadata: read` is: a token may carry it undeclared, and
    /// `permissions!` implies it, at its lowest level, in every declaration.
    pub always_held: bool,
}

impl Permission {
    /// A catalog entry.
    pub const fn new(
        name: &'static str,
        description: &'static str,
        levels: &'static [Level],
    ) -> Self {
        Self {
            name,
            description,
            levels,
            always_held: false,
        }
    }

    /// The same entry, held by every installation.
    pub const fn always_held(mut self) -> Self {
        self.always_held = true;
        self
    }
}

/// What an app was granted, as a type.
///
/// Implemented for every type that [`permissions!`](macro@crate::permissions)
/// declares, and for no other: it is a blanket impl over what the macro
/// writes (the level held of each permission of the catalog, as a
/// [`LevelList`] of [`level`] markers), so a
/// declaration's grants and the permission traits it implements are
/// derived from one list and cannot disagree.
pub trait Declaration: typed::Declared {
    /// The declaration's name, e.g. `ReleaseNotes`.
    const NAME: &'static str;

    /// What it holds, one grant per permission at the level declared, in
    /// the catalog's order.
    fn grants() -> Vec<Grant>;

    /// The catalog of the bindings it was declared for.
    fn catalog() -> &'static [Permission];

    /// What a token for it asks for and must hold: its grants but those of
    /// permissions every installation holds (`alwaysHeld`, ICR's
    /// `metadata`), which a declaration holds whether or not it names
    /// them and a token carries without being asked.
    fn requested() -> Vec<Grant> {
        let catalog = Self::catalog();
        Self::grants()
            .into_iter()
            .filter(|grant| {
                !catalog
                    .iter()
                    .any(|p| p.name == grant.permission && p.always_held)
            })
            .collect()
    }

    /// The level held of `permission`, if any.
    fn level_of(permission: &str) -> Option<Level> {
        Self::grants()
            .into_iter()
            .find(|grant| grant.permission == permission)
            .map(|grant| grant.level)
    }
}

impl<T: typed::Declared> Declaration for T {
    const NAME: &'static str = T::LABEL;

    fn catalog() -> &'static [Permission] {
        <T::Catalog as typed::CatalogDef>::PERMISSIONS
    }

    fn grants() -> Vec<Grant> {
        Self::catalog()
            .iter()
            .zip(T::Levels::levels())
            .filter_map(|(permission, level)| Some(Grant::new(permission.name, level?)))
            .collect()
    }
}

/// Holds for a declaration `Self` whose every grant `P` holds too, at the
/// same level or a higher one: a token narrowed from `P` to `Self` is
/// allowed. A blanket impl compares the two declarations permission by
/// permission; asking for more is a compile error for each permission
/// asked for beyond `P`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be narrowed from `{P}`: they belong to different bindings, or `{Self}` asks for more",
    label = "not a narrowing of `{P}`"
)]
pub trait Within<P: Declaration>: Declaration + typed::sealed::Within<P> {}

impl<Q, P> Within<P> for Q
where
    Q: Declaration + typed::sealed::Within<P>,
    P: Declaration,
{
}

/// A grant of a declaration that the requests made under it never needed
/// at the level declared: drop it, or lower it to `used`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnusedGrant {
    /// The permission.
    pub permission: &'static str,
    /// The level declared.
    pub declared: Level,
    /// The highest level a request needed, if any needed the permission.
    pub used: Option<Level>,
}

impl fmt::Display for UnusedGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.used {
            None => write!(f, "{}: {} is never needed", self.permission, self.declared),
            Some(used) => write!(
                f,
                "{}: {} is needed only as {used}",
                self.permission, self.declared
            ),
        }
    }
}

/// What declaration `P` asks for beyond what requests needed, given the
/// permissions they needed (by name, each at the highest level one needed,
/// as `icr_emulator::Emulator::permissions_used` reports them): the grants
/// an app can drop or lower. Permissions every installation holds are
/// never reported.
///
/// ```
/// icr_api::permissions! {
///     /// What the release-notes app asks for.
///     pub ReleaseNotes { projects: write, issues: read }
/// }
/// let used = [("projects".to_owned(), "read".to_owned())].into();
/// let unused = icr_api::grants::unused::<ReleaseNotes>(&used);
/// let said: Vec<String> = unused.iter().map(ToString::to_string).collect();
/// assert_eq!(said, ["projects: write is needed only as read", "issues: read is never needed"]);
/// ```
pub fn unused<P: Declaration>(used: &BTreeMap<String, String>) -> Vec<UnusedGrant> {
    P::requested()
        .into_iter()
        .filter_map(|grant| {
            let used = used
                .get(grant.permission)
                .and_then(|level| Level::from_name(level));
            let enough = used.is_some_and(|used| used >= grant.level);
            (!enough).then_some(UnusedGrant {
                permission: grant.permission,
                declared: grant.level,
                used,
            })
        })
        .collect()
}

/// A declaration as data, to print or to write as JSON:
/// `{"name": "ReleaseNotes", "permissions": {"issues": "read", "projects": "write"}}`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Manifest {
    /// The declaration's name.
    pub name: &'static str,
    /// Each permission with its level.
    pub permissions: BTreeMap<&'static str, Level>,
}

impl Manifest {
    /// The manifest of declaration `P`.
    pub fn of<P: Declaration>() -> Self {
        Self {
            name: P::NAME,
            permissions: P::grants()
                .into_iter()
                .map(|grant| (grant.permission, grant.level))
                .collect(),
        }
    }
}

impl fmt::Display for Manifest {
    /// One line per permission, `issues: read`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (permission, level)) in self.permissions.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{permission}: {level}")?;
        }
        Ok(())
    }
}

/// The grants of `declared` that `reported` (permission name → level name,
/// as a server reports them) does not hold at the declared level or higher.
pub fn missing<'a>(
    declared: &[Grant],
    reported: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<Grant> {
    let reported: BTreeMap<&str, Option<Level>> = reported
        .into_iter()
        .map(|(permission, level)| (permission, Level::from_name(level)))
        .collect();
    declared
        .iter()
        .filter(|grant| {
            !matches!(
                reported.get(grant.permission),
                Some(Some(level)) if *level >= grant.level
            )
        })
        .copied()
        .collect()
}

/// The permissions of `reported` (permission name → level name, as a server
/// reports them) beyond what `declared` asked for, written `name: level`:
/// any permission not declared, or held at a higher level than declared,
/// except those `catalog` marks as held by every installation.
pub fn beyond<'a>(
    declared: &[Grant],
    catalog: &[Permission],
    reported: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<String> {
    reported
        .into_iter()
        .filter(|(permission, level)| {
            let always = catalog.iter().any(|p| {
                p.name == *permission
                    && p.always_held
                    && Level::from_name(level).is_some_and(|level| p.levels.contains(&level))
            });
            let asked = declared
                .iter()
                .find(|grant| grant.permission == *permission)
                .map(|grant| grant.level);
            let within = match (asked, Level::from_name(level)) {
                (Some(asked), Some(level)) => level <= asked,
                _ => false,
            };
            !always && !within
        })
        .map(|(permission, level)| format!("{permission}: {level}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grant_is_missing_when_absent_lower_or_unknown() {
        let declared = [
            Grant::new("issues", Level::Write),
            Grant::new("metadata", Level::Read),
            Grant::new("projects", Level::Read),
        ];
        let missing = missing(
            &declared,
            [
                ("issues", "read"),
                ("projects", "admin"),
                ("metadata", "owner"),
            ],
        );
        assert_eq!(
            missing,
            [
                Grant::new("issues", Level::Write),
                Grant::new("metadata", Level::Read)
            ]
        );
        assert!(
            super::missing(
                &declared,
                [
                    ("issues", "admin"),
                    ("metadata", "read"),
                    ("projects", "read")
                ]
            )
            .is_empty()
        );
    }

    #[test]
    fn a_grant_is_beyond_when_undeclared_or_higher_unless_always_held() {
        let declared = [Grant::new("issues", Level::Read)];
        let catalog = [
            Permission::new("metadata", "", &[Level::Read]).always_held(),
            Permission::new("issues", "", &[Level::Read, Level::Write]),
            Permission::new("projects", "", &[Level::Read]),
        ];
        let reported = [
            ("metadata", "read"),
            ("issues", "write"),
            ("projects", "read"),
            ("issues", "owner"),
            ("metadata", "owner"),
        ];
        assert_eq!(
            beyond(&declared, &catalog, reported),
            [
                "issues: write",
                "projects: read",
                "issues: owner",
                "metadata: owner"
            ]
        );
        assert!(
            beyond(
                &declared,
                &catalog,
                [("issues", "read"), ("metadata", "read")]
            )
            .is_empty()
        );
    }
}
