//! One call of every installation function, for the end-to-end test that
//! runs each of them against the emulator (`tests/integration/every_function`).
//!
//! Only the shape of each call is generated here — which function, which
//! argument types, how the body is passed. The values come at run time
//! from the test's `Args`, which reads them from the spec (examples, enum
//! values) and from the resources the test created, so the generated file
//! stays a pure function of the spec.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::Emitter;
use crate::model::{Api, ClientKind, Encoding, Prim, Ty};
use crate::naming::ident;

/// The items of the calls file: `Everything`, a declaration holding every
/// permission at its highest level, `OPERATIONS`, the operation ids, and
/// `call`, which runs one by id.
pub fn every_call(api: &Api) -> TokenStream {
    let emitter = Emitter {
        api,
        std: super::Std::for_api(api),
        models: quote!(::icr_api::models),
        usages: Vec::new(),
    };
    let everything = api.catalog.permissions.iter().filter_map(|permission| {
        let level = permission.levels.last()?;
        let name = format_ident!("{}", permission.name);
        let level = format_ident!("{}", level.name());
        Some(quote!(#name: #level))
    });
    let operations: Vec<_> = api
        .operations
        .iter()
        .filter(|op| op.client == ClientKind::Installation)
        .collect();
    let ids = operations
        .iter()
        .map(|op| op.api_name.clone().unwrap_or_else(|| op.name.clone()));
    let arms = operations.iter().map(|op| {
        let id = op.api_name.clone().unwrap_or_else(|| op.name.clone());
        let module = ident(&op.module);
        let function = ident(&op.name);
        let args = op.args.iter().map(|param| {
            let name = &param.api_name;
            match &param.ty {
                Ty::Prim(Prim::String) => {
                    quote!(&args.value::<::std::string::String>(#id, #name))
                }
                Ty::Prim(
                    Prim::I32
                    | Prim::I64
                    | Prim::F32
                    | Prim::F64
                    | Prim::Bool
                    | Prim::DateTime
                    | Prim::Date,
                ) => {
                    let ty = emitter.ty(&param.ty, false);
                    quote!(args.value::<#ty>(#id, #name))
                }
                other => {
                    let ty = emitter.ty(other, false);
                    quote!(&args.value::<#ty>(#id, #name))
                }
            }
        });
        let body = op.body.as_ref().map(|body| {
            let value = match &body.encoding {
                Encoding::Text(_) => quote!(&args.body::<::std::string::String>(#id)),
                Encoding::Binary(_) => quote!(&args.body::<::std::vec::Vec<u8>>(#id)),
                _ => {
                    let ty = emitter.ty(&body.ty, false);
                    quote!(&args.body::<#ty>(#id))
                }
            };
            if body.required {
                value
            } else {
                quote!(::core::option::Option::Some(#value))
            }
        });
        let parameters = args.chain(body);
        quote! {
            #id => ::icr_api::#module::#function(client, #(#parameters),*).await.map(drop),
        }
    });
    quote! {
        #![allow(deprecated, reason = "every function is called, the deprecated ones too")]
        ::icr_api::permissions! {
            /// Every permission of the catalog at its highest level.
            pub(crate) Everything { #(#everything),* }
        }

        /// Every installation operation, by id.
        pub(crate) const OPERATIONS: &[&str] = &[#(#ids),*];

        /// Calls the function of operation `id` once, with values from `args`.
        pub(crate) async fn call(
            id: &str,
            client: &::icr_api::InstallationClient<Everything>,
            args: &impl super::Args,
        ) -> ::core::option::Option<::icr_api::Result<()>> {
            let result = match id {
                #(#arms)*
                _ => return ::core::option::Option::None,
            };
            ::core::option::Option::Some(result)
        }
    }
}
