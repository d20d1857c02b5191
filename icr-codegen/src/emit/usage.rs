//! Which way each generated type crosses the wire: sent (a request body or
//! parameter, so it needs `Serialize`), received (an answer or a webhook
//! payload, so it needs `Deserialize`), or both. A type derives only what
//! its uses need, which halves the serde code of a large API, whose types
//! are mostly answers.

use crate::model::{Api, ResponseShape, Ty, TypeKind};

/// How one type is used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Part of something sent: derives `Serialize`.
    pub sent: bool,
    /// Part of something received: derives `Deserialize`.
    pub received: bool,
}

/// The usage of every type of `api`, by index. With `both`, every type is
/// sent and received (bindings whose users may write answers back out, or
/// read requests in, as `icr-api`'s do). A type no operation or event
/// reaches is given both, so that nothing it might be used for is missing.
pub(crate) fn usages(api: &Api, both: bool) -> Vec<Usage> {
    if both {
        return vec![
            Usage {
                sent: true,
                received: true,
            };
            api.types.len()
        ];
    }
    let mut sent = vec![false; api.types.len()];
    let mut received = vec![false; api.types.len()];
    for op in &api.operations {
        let parameters = op
            .args
            .iter()
            .chain(op.options.iter().flat_map(|o| &o.params));
        for param in parameters {
            reach(api, &param.ty, &mut sent);
        }
        if let Some(body) = &op.body {
            reach(api, &body.ty, &mut sent);
        }
        match &op.response {
            ResponseShape::Single { ty, .. } => reach(api, ty, &mut received),
            ResponseShape::Enum { variants, .. } => {
                for variant in variants {
                    reach(api, &variant.ty, &mut received);
                }
            }
        }
    }
    for event in &api.events {
        reach(api, &event.payload, &mut received);
    }
    sent.into_iter()
        .zip(received)
        .map(|(sent, received)| {
            if sent || received {
                Usage { sent, received }
            } else {
                Usage {
                    sent: true,
                    received: true,
                }
            }
        })
        .collect()
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
