//! The type-level half of declarations: what makes a declaration's traits
//! and its grants one fact rather than two.
//!
//! A declaration states one thing, its *levels*: a list of level markers
//! ([`level::Read`], …), one per permission of its bindings' catalog, in the
//! catalog's order (`(level::Read, (level::Nothing, (level::Write, ())))`).
//! Everything else is derived from that list by code it cannot change:
//!
//! - its grants, at run time, by [`Declaration::grants`], a blanket impl
//!   over the list and the catalog;
//! - the permission traits it implements (`IssuesWrite`, …), by blanket
//!   impls in the bindings' `permissions` module that read its marker for
//!   each permission; a hand-written impl of one of those traits conflicts
//!   with the blanket impl (E0119);
//! - which declarations it is [`Within`](super::Within), by a blanket impl
//!   that compares the two lists permission by permission.
//!
//! The list is written by `permissions!` into an impl of
//! [`Declared`](crate::__private::unsupported::Declared), a trait in a
//! module whose name says that implementing it by hand is unsupported.
//! Even there, a hand-written list can only claim levels, and a claim is
//! what the run-time check holds against the server before any request is
//! sent.

use std::marker::PhantomData;

use super::Level;

/// The level markers: one type per level a declaration can hold of a
/// permission, and [`level::Nothing`] for a permission it does not hold.
pub mod level {
    /// The permission is not held.
    #[derive(Debug)]
    pub enum Nothing {}
    /// `read` is held.
    #[derive(Debug)]
    pub enum Read {}
    /// `write` (and so `read`) is held.
    #[derive(Debug)]
    pub enum Write {}
    /// `admin` (and so `write` and `read`) is held.
    #[derive(Debug)]
    pub enum Admin {}
}

/// Truth values as types, so that "any of these sets of grants" can be a
/// bound (`<A as Bool>::Or<B>: IsTrue`) rather than two impls that would
/// conflict.
pub mod logic {
    /// Holds.
    #[derive(Debug)]
    pub enum True {}
    /// Does not hold.
    #[derive(Debug)]
    pub enum False {}

    /// A truth value; implemented by [`True`] and [`False`] only.
    pub trait Bool: sealed::Bool {
        /// This value or `B`.
        type Or<B: Bool>: Bool;
        /// This value and `B`.
        type And<B: Bool>: Bool;
    }
    impl Bool for True {
        type Or<B: Bool> = True;
        type And<B: Bool> = B;
    }
    impl Bool for False {
        type Or<B: Bool> = B;
        type And<B: Bool> = False;
    }

    /// Implemented by [`True`] alone: the bound that says "holds".
    pub trait IsTrue: Bool {}
    impl IsTrue for True {}

    mod sealed {
        pub trait Bool {}
        impl Bool for super::True {}
        impl Bool for super::False {}
    }
}

/// A level marker: which levels it includes, as data and as truth values.
/// Implemented by the four types of [`level`] only.
pub trait LevelMarker: sealed::LevelMarker + 'static {
    /// The level held, `None` for [`level::Nothing`].
    const LEVEL: Option<Level>;
    /// Whether `read` is included.
    type Read: logic::Bool;
    /// Whether `write` is included.
    type Write: logic::Bool;
    /// Whether `admin` is included.
    type Admin: logic::Bool;
}

impl LevelMarker for level::Nothing {
    const LEVEL: Option<Level> = None;
    type Read = logic::False;
    type Write = logic::False;
    type Admin = logic::False;
}
impl LevelMarker for level::Read {
    const LEVEL: Option<Level> = Some(Level::Read);
    type Read = logic::True;
    type Write = logic::False;
    type Admin = logic::False;
}
impl LevelMarker for level::Write {
    const LEVEL: Option<Level> = Some(Level::Write);
    type Read = logic::True;
    type Write = logic::True;
    type Admin = logic::False;
}
impl LevelMarker for level::Admin {
    const LEVEL: Option<Level> = Some(Level::Admin);
    type Read = logic::True;
    type Write = logic::True;
    type Admin = logic::True;
}

/// A declaration's levels: `()`, or a marker followed by the rest,
/// `(level::Read, (level::Nothing, ()))`.
pub trait LevelList: sealed::LevelList + 'static {
    /// The levels, in order.
    fn levels() -> Vec<Option<Level>> {
        let mut out = Vec::new();
        Self::push(&mut out);
        out
    }

    #[doc(hidden)]
    fn push(out: &mut Vec<Option<Level>>);
}
impl LevelList for () {
    fn push(_: &mut Vec<Option<Level>>) {}
}
impl<H: LevelMarker, T: LevelList> LevelList for (H, T) {
    fn push(out: &mut Vec<Option<Level>>) {
        out.push(H::LEVEL);
        T::push(out);
    }
}

/// The catalog of a set of bindings, as a type: declarations name it, so
/// that a declaration made for one API never implements another's traits.
/// Implemented by the `Catalog` type of each bindings' `permissions` module.
pub trait CatalogDef: 'static {
    /// Every permission of the catalog, in order.
    const PERMISSIONS: &'static [super::Permission];
}

/// Holds when declaration `Q` asks for nothing that `P` lacks; implemented
/// by each bindings' `Catalog` as one bound per permission, so that a
/// narrowing that asks for more reports each permission it asks for.
pub trait Narrow<Q, P> {}

/// Whether the catalog a `permissions!` call was handed is the one its
/// bindings define: the same permissions, in the same order, with the same
/// levels, the same ones held by every installation. The macro asserts it
/// at compile time.
pub const fn same_catalog(
    bindings: &[super::Permission],
    handed: &[(&str, &[Level], bool)],
) -> bool {
    if bindings.len() != handed.len() {
        return false;
    }
    let mut i = 0;
    while i < bindings.len() {
        let (name, levels, always_held) = handed[i];
        if !same_str(bindings[i].name, name)
            || !same_levels(bindings[i].levels, levels)
            || bindings[i].always_held != always_held
        {
            return false;
        }
        i += 1;
    }
    true
}

const fn same_str(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn same_levels(a: &[Level], b: &[Level]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] as u8 != b[i] as u8 {
            return false;
        }
        i += 1;
    }
    true
}

/// What a request needs, stated as a type, and met by declaration `P`.
///
/// Each bindings' `permissions::needs` module has one requirement per
/// permission trait (`needs::IssuesWrite` is met by every `P:
/// IssuesWrite`); [`And`] joins two. Generated request functions state
/// theirs when they send, and so does a hand-made request
/// ([`InstallationClient::send`](crate::InstallationClient::send)).
///
/// It is implemented for every type that meets the private
/// `RequirementSeal<P>`, which only the generated `needs` types and [`And`]
/// do; an impl written by hand conflicts or lacks the seal.
pub trait Requirement<P>: sealed::RequirementOf<P> {}

impl<P, T: sealed::RequirementOf<P>> Requirement<P> for T {}

/// Both requirements `A` and `B`: `And<needs::IssuesWrite, needs::ProjectsRead>`.
/// Met by `P` when both are.
pub struct And<A, B>(PhantomData<fn() -> (A, B)>);

impl<P, A: Requirement<P>, B: Requirement<P>> sealed::RequirementOf<P> for And<A, B> {}

pub(crate) mod sealed {
    pub trait LevelMarker {}
    impl LevelMarker for super::level::Nothing {}
    impl LevelMarker for super::level::Read {}
    impl LevelMarker for super::level::Write {}
    impl LevelMarker for super::level::Admin {}

    pub trait LevelList {}
    impl LevelList for () {}
    impl<H: super::LevelMarker, T: super::LevelList> LevelList for (H, T) {}

    /// The seal of [`Within`](super::super::Within), and what it is
    /// implemented over: two declarations of one catalog, the first asking
    /// for nothing the second lacks.
    pub trait Within<P> {}

    impl<Q, P> Within<P> for Q
    where
        Q: super::super::Declaration,
        P: super::super::Declaration<Catalog = Q::Catalog>,
        Q::Catalog: super::Narrow<Q, P>,
    {
    }

    /// The seal of [`Requirement`](super::Requirement), and what it is
    /// implemented over: generated bindings implement it for their `needs`
    /// types through `__private::unsupported::RequirementSeal`, each met by
    /// the declarations that hold its permission.
    pub trait RequirementOf<P> {}
}

/// What `permissions!` writes for a declaration; everything else about it
/// is derived. Reached as `icr_api::__private::unsupported::Declared`:
/// implementing it by hand is unsupported.
pub trait Declared: Send + Sync + 'static {
    /// The declaration's name, e.g. `ReleaseNotes` (read it as
    /// [`Declaration::NAME`](super::Declaration::NAME)).
    const LABEL: &'static str;
    /// The catalog of the bindings whose `permissions!` made it.
    type Catalog: CatalogDef;
    /// The level held of each permission of the catalog, in its order.
    type Levels: LevelList;
}
