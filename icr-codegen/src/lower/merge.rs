//! Structurally identical types defined once. A large API repeats small
//! inline schemas (a permission level `read | write` under every
//! permission, the same `{selected_repository_ids}` body in three tags):
//! each would be a type of its own, with its derives, and compile as many
//! times. Types with the same shape (fields with their names, types,
//! optionality and boxing; enum values; union variants), once the types
//! they contain are merged too, become one definition, and every other
//! name stays, as a `type` alias of it, so code that names any of them
//! keeps compiling.
//!
//! Which one is defined is fixed by the group, not by the order of the
//! spec: a component before an inline type, then the first JSON pointer.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::model::{Event, Operation, Ty, TypeDef, TypeKind};

/// Merges the identical types among `types`, and points every use in
/// `operations` and `events` at the one kept.
pub(crate) fn identical_types(
    types: &mut [TypeDef],
    operations: &mut [Operation],
    events: &mut [Event],
) {
    let count = types.len();
    // The type each one stands for; each starts as itself.
    let mut canon: Vec<usize> = (0..count).collect();
    // Merging children can make parents identical: repeat to a fixpoint.
    loop {
        let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
        for (id, def) in types.iter().enumerate() {
            if canon[id] != id || matches!(def.kind, TypeKind::Alias { .. }) {
                continue;
            }
            groups.entry(shape(&def.kind, &canon)).or_default().push(id);
        }
        let mut merged = false;
        for members in groups.into_values().filter(|m| m.len() > 1) {
            let kept = *members
                .iter()
                .min_by(|&&a, &&b| rank(&types[a]).cmp(&rank(&types[b])))
                .unwrap_or(&members[0]);
            for &id in &members {
                if id != kept {
                    canon[id] = kept;
                    merged = true;
                }
            }
        }
        if !merged {
            break;
        }
    }
    // Chains (a merged into b, then b into c) end at the last.
    for id in 0..count {
        let mut target = canon[id];
        while canon[target] != target {
            target = canon[target];
        }
        canon[id] = target;
    }
    for def in types.iter_mut() {
        rewrite_kind(&mut def.kind, &canon);
    }
    for (id, &kept) in canon.iter().enumerate() {
        if kept != id {
            types[id].kind = TypeKind::Alias {
                ty: Ty::Named(kept),
                newtype: false,
            };
        }
    }
    for op in operations {
        for ty in op.types_mut() {
            rewrite(ty, &canon);
        }
    }
    for event in events {
        rewrite(&mut event.payload, &canon);
    }
}

/// Which of a group is defined: components first (their names are the
/// API's), then the first pointer.
fn rank(def: &TypeDef) -> (bool, &str) {
    (def.api_name.is_none(), def.pointer.as_str())
}

/// What makes two types the same, written out, with the types they name
/// read as the ones those stand for; documentation does not count.
fn shape(kind: &TypeKind, canon: &[usize]) -> String {
    let mut key = String::new();
    match kind {
        TypeKind::Struct { fields, additional } => {
            key.push('S');
            for field in fields {
                let _ = write!(
                    key,
                    "{{{}|{}|{}{}{}|",
                    field.api_name,
                    field.name,
                    u8::from(field.required),
                    u8::from(field.nullable),
                    u8::from(field.boxed)
                );
                ty_key(&field.ty, canon, &mut key);
                key.push('}');
            }
            if let Some(ty) = additional {
                key.push('+');
                ty_key(ty, canon, &mut key);
            }
        }
        TypeKind::Enum { variants } => {
            key.push('E');
            for variant in variants {
                let _ = write!(key, "{{{}={}}}", variant.name, variant.wire);
            }
        }
        TypeKind::Union { tag, variants } => {
            let _ = write!(key, "U{tag:?}");
            for variant in variants {
                let _ = write!(
                    key,
                    "{{{}|{:?}|{}|",
                    variant.name,
                    variant.tags,
                    u8::from(variant.boxed)
                );
                ty_key(&variant.ty, canon, &mut key);
                key.push('}');
            }
        }
        TypeKind::Alias { ty, newtype } => {
            let _ = write!(key, "A{}", u8::from(*newtype));
            ty_key(ty, canon, &mut key);
        }
    }
    key
}

/// A type, written into a shape's key.
fn ty_key(ty: &Ty, canon: &[usize], key: &mut String) {
    match ty {
        Ty::Named(id) => {
            let _ = write!(key, "#{}", canon[*id]);
        }
        Ty::Prim(prim) => {
            let _ = write!(key, "{prim:?}");
        }
        Ty::Vec(inner) | Ty::Map(inner) | Ty::Option(inner) => {
            key.push(match ty {
                Ty::Vec(_) => '[',
                Ty::Map(_) => '{',
                _ => '?',
            });
            ty_key(inner, canon, key);
            key.push(';');
        }
        Ty::Unit => key.push_str("()"),
    }
}

fn rewrite_kind(kind: &mut TypeKind, canon: &[usize]) {
    match kind {
        TypeKind::Struct { fields, additional } => {
            for field in fields {
                rewrite(&mut field.ty, canon);
            }
            if let Some(ty) = additional {
                rewrite(ty, canon);
            }
        }
        TypeKind::Union { variants, .. } => {
            for variant in variants {
                rewrite(&mut variant.ty, canon);
            }
        }
        TypeKind::Alias { ty, .. } => rewrite(ty, canon),
        TypeKind::Enum { .. } => {}
    }
}

fn rewrite(ty: &mut Ty, canon: &[usize]) {
    match ty {
        Ty::Named(id) => *id = canon[*id],
        Ty::Vec(inner) | Ty::Map(inner) | Ty::Option(inner) => rewrite(inner, canon),
        Ty::Prim(_) | Ty::Unit => {}
    }
}
