//! How each generated type is used. Which way it crosses the wire: sent (a
//! request body or parameter, so it needs `Serialize`), received (an
//! answer or a webhook payload, so it needs `Deserialize`), or both; a type
//! derives only what its uses need, which halves the serde code of a large
//! API, whose types are mostly answers. And which tags' operations use it:
//! a type is compiled when any of them is.

use std::collections::BTreeSet;

use crate::model::{Api, Ty, TypeKind};

/// How one type is used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Part of something sent: derives `Serialize`.
    pub sent: bool,
    /// Part of something received: derives `Deserialize`.
    pub received: bool,
    /// Part of a request body the API describes: gets setters, for
    /// building one (whatever `both` says of serde).
    pub built: bool,
}

/// The usage of every type of `api`, by index. With `both`, every type is
/// sent and received (bindings whose users may write answers back out, or
/// read requests in, as `icr-api`'s do). A type no operation or event
/// reaches is given both, so that nothing it might be used for is missing.
pub(crate) fn usages(api: &Api, both: bool) -> Vec<Usage> {
    let mut sent = vec![false; api.types.len()];
    let mut received = vec![false; api.types.len()];
    for op in &api.operations {
        for ty in op.sent_types() {
            reach(api, ty, &mut sent);
        }
        for ty in op.received_types() {
            reach(api, ty, &mut received);
        }
    }
    for event in &api.events {
        reach(api, &event.payload, &mut received);
    }
    sent.into_iter()
        .zip(received)
        .map(|(sent, received)| Usage {
            sent: sent || both || !received,
            received: received || both || !sent,
            built: sent,
        })
        .collect()
}

/// The tags (by module) whose operations use each type, by index; `None`
/// for a type that every build needs: one a webhook event carries (the
/// events are always compiled) or one no operation reaches.
pub(crate) fn tags_of_types(api: &Api) -> Vec<Option<BTreeSet<String>>> {
    let mut tags: Vec<Option<BTreeSet<String>>> = vec![Some(BTreeSet::new()); api.types.len()];
    let mut modules: Vec<&str> = api.operations.iter().map(|o| o.module.as_str()).collect();
    modules.sort_unstable();
    modules.dedup();
    for module in modules {
        let mut marks = vec![false; api.types.len()];
        for op in api.operations.iter().filter(|o| o.module == module) {
            for ty in op.sent_types().chain(op.received_types()) {
                reach(api, ty, &mut marks);
            }
        }
        for (id, marked) in marks.into_iter().enumerate() {
            if let (true, Some(set)) = (marked, &mut tags[id]) {
                set.insert(module.to_owned());
            }
        }
    }
    // An alias no operation names (a type merged into another, whose uses
    // now name that one) comes with the type it names.
    loop {
        let mut changed = false;
        for (id, def) in api.types.iter().enumerate() {
            let TypeKind::Alias {
                ty: Ty::Named(target),
                ..
            } = def.kind
            else {
                continue;
            };
            if target != id
                && tags[id].as_ref().is_some_and(BTreeSet::is_empty)
                && tags[target].as_ref().is_some_and(|set| !set.is_empty())
            {
                tags[id] = tags[target].clone();
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // Always compiled: what the events carry, what no operation reaches,
    // and everything those contain.
    let mut always = vec![false; api.types.len()];
    for event in &api.events {
        reach(api, &event.payload, &mut always);
    }
    for (id, set) in tags.iter().enumerate() {
        if set.as_ref().is_some_and(BTreeSet::is_empty) {
            reach(api, &Ty::Named(id), &mut always);
        }
    }
    for (id, set) in tags.iter_mut().enumerate() {
        if always[id] {
            *set = None;
        }
    }
    tags
}

/// Marks every type `ty` contains, itself included, in `marks`.
fn reach(api: &Api, ty: &Ty, marks: &mut [bool]) {
    let mut stack = vec![ty];
    while let Some(ty) = stack.pop() {
        match ty {
            Ty::Named(id) => {
                if std::mem::replace(&mut marks[*id], true) {
                    continue;
                }
                match &api.types[*id].kind {
                    TypeKind::Struct { fields, additional } => {
                        stack.extend(fields.iter().map(|f| &f.ty));
                        stack.extend(additional);
                    }
                    TypeKind::Union { variants, .. } => {
                        stack.extend(variants.iter().map(|v| &v.ty));
                    }
                    TypeKind::Alias { ty, .. } => stack.push(ty),
                    TypeKind::Enum { .. } => {}
                }
            }
            Ty::Vec(inner) | Ty::Map(inner) | Ty::Option(inner) => stack.push(inner),
            Ty::Prim(_) | Ty::Unit => {}
        }
    }
}
