//! The `events` module: the webhook events of `x-webhooks` as types. Each
//! event is a marker type (`Issues`) that names its payload and, through a
//! trait of its own (`ReceivesIssues`), the permissions an app needs to be
//! sent it, so that a handler for an event the app cannot receive does not
//! compile; `Event` is any one delivery, decoded by its name, with unknown
//! events kept as they came.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{Emitter, docs, permissions};
use crate::model::Event;
use crate::naming::ident;

impl Emitter<'_> {
    /// The items of the `events` module.
    pub(super) fn events(&self, events: &[Event]) -> TokenStream {
        let kinds = events.iter().map(|event| self.event_kind(event));
        let variants = events.iter().map(|event| {
            let variant = ident(&event.name);
            let payload = self.ty(&event.payload, false);
            let doc = docs(&format!(
                "`{}` events: see [`{}`].",
                event.api_name, event.name
            ));
            quote!(#doc #variant(::std::boxed::Box<#payload>),)
        });
        let decode_arms = events.iter().map(|event| {
            let variant = ident(&event.name);
            let wire = &event.api_name;
            quote! {
                #wire => rt::decode_event(name, body)
                    .map(|payload| Self::#variant(::std::boxed::Box::new(payload))),
            }
        });
        let name_arms = events.iter().map(|event| {
            let variant = ident(&event.name);
            let wire = &event.api_name;
            quote!(Self::#variant(_) => #wire,)
        });
        let names = events.iter().map(|event| &event.api_name);
        quote! {
            #(#kinds)*

            /// One webhook delivery's event, decoded by the name in its
            /// `X-ICR-Event` header.
            #[derive(Clone, Debug, PartialEq)]
            pub enum Event {
                #(#variants)*
                /// An event these bindings do not know (a newer server's),
                /// kept as it came.
                Other {
                    /// The event's name.
                    name: ::std::string::String,
                    /// Its payload.
                    payload: ::icr_api::JsonValue,
                },
            }

            impl Event {
                /// The names of the events these bindings know.
                pub const NAMES: &'static [&'static str] = &[#(#names),*];

                /// The event's name, as sent in `X-ICR-Event`.
                pub fn name(&self) -> &str {
                    match self {
                        #(#name_arms)*
                        Self::Other { name, .. } => name,
                    }
                }
            }

            impl ::icr_api::webhooks::Events for Event {
                fn decode(name: &str, body: &[u8]) -> ::icr_api::Result<Self> {
                    match name {
                        #(#decode_arms)*
                        _ => rt::decode_event(name, body).map(|payload| Self::Other {
                            name: ::std::borrow::ToOwned::to_owned(name),
                            payload,
                        }),
                    }
                }
            }
        }
    }

    /// An event's marker type, its payload, and the trait that says who may
    /// receive it.
    fn event_kind(&self, event: &Event) -> TokenStream {
        let kind = ident(&event.name);
        let wire = &event.api_name;
        let payload = self.ty(&event.payload, false);
        let requirement = &event.requirement;
        let receives = format_ident!("Receives{}", event.name);
        let mut text = format!("`{wire}` events");
        if let Some(summary) = &event.summary {
            text.push_str(&format!(": {}", summary.trim()));
        }
        text.push_str(".\n\n");
        if let Some(description) = &event.description {
            text.push_str(description.trim());
            text.push_str("\n\n");
        }
        if !event.actions.is_empty() {
            let actions: Vec<String> = event.actions.iter().map(|a| format!("`{a}`")).collect();
            text.push_str(&format!("**Actions:** {}.\n\n", actions.join(", ")));
        }
        text.push_str(&format!(
            "**Permissions:** `{requirement}`; a handler for these events compiles only for a declaration that holds them ([`{receives}`])."
        ));
        let doc = docs(&text);
        let message = format!(
            "the {platform} App `{{Self}}` was not granted `{requirement}`, which `{wire}` events need",
            platform = self.api.platform
        );
        let label = format!("receives `{wire}` events");
        let note = format!(
            "to grant it, add `{requirement}` to the `permissions!` declaration of `{{Self}}` and to the app's settings on {platform}; in generic code, where `{{Self}}` is a type parameter, add the bound `{{Self}}: {receives}`",
            platform = self.api.platform
        );
        let trait_doc = docs(&format!(
            "Held by declarations granted what `{wire}` events need: `{requirement}`."
        ));
        let bounds = permissions::bounds(Some(requirement));
        quote! {
            #doc
            #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
            pub struct #kind;
            impl rt::unsupported::EventSeal for #kind {}
            impl ::icr_api::webhooks::EventKind for #kind {
                const NAME: &'static str = #wire;
                type Payload = #payload;
            }
            #trait_doc
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
            pub trait #receives: ::icr_api::grants::Declaration {}
            #[diagnostic::do_not_recommend]
            impl<P> #receives for P #bounds {}
            impl<P: #receives> ::icr_api::webhooks::Receivable<P> for #kind {}
        }
    }
}
