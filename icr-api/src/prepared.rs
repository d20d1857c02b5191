//! [`Prepared`]: a call of a generated function that has optional
//! parameters, held until it is awaited so that they can be set by name.
//!
//! A generated function with optional parameters returns a type of its own
//! (`issues::ListProjectIssues` for `issues::list_project_issues`), defined
//! by [`operation_call!`](crate::__operation_call): a setter for each
//! optional parameter, `options` to give them all as data, `pages` for a
//! list, and `IntoFuture`, so that the call is sent by `.await`. Inside it
//! is a [`Prepared`]: the request as the required arguments made it, the
//! options set so far, and the client it goes through, its permissions
//! already checked where the function was called.

use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::client::Sender;
use crate::error::Result;
use crate::request::{Request, Response};
use crate::{Call, Pages};

/// What an operation's options struct does to the request: adds the query
/// parameters and headers it holds. The generated options structs
/// implement it; so may a hand-made one.
pub trait OperationOptions {
    /// The request with these options added.
    fn apply(&self, request: Request) -> Request;
}

/// A request with its required arguments, the optional parameters set so
/// far (`O`), and how to send it and read the answer (`T`); made by
/// [`InstallationClient::prepare`](crate::InstallationClient::prepare) or
/// [`AppClient::prepare`](crate::AppClient::prepare).
pub struct Prepared<'c, O, T> {
    request: Request,
    options: O,
    sender: Sender<'c>,
    decode: fn(Response) -> Result<T>,
}

/// Shows the request and the options, never the client's token.
impl<O: fmt::Debug, T> fmt::Debug for Prepared<'_, O, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Prepared")
            .field("request", &self.request)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<'c, O: OperationOptions, T: 'c> Prepared<'c, O, T> {
    pub(crate) fn new(
        request: Request,
        options: O,
        sender: Sender<'c>,
        decode: fn(Response) -> Result<T>,
    ) -> Self {
        Self {
            request,
            options,
            sender,
            decode,
        }
    }

    /// The optional parameters set so far, to set more.
    pub fn options_mut(&mut self) -> &mut O {
        &mut self.options
    }

    /// Sends the request with its options and decodes the answer.
    pub fn send(self) -> Call<'c, T> {
        let Self {
            request,
            options,
            sender,
            decode,
        } = self;
        let request = options.apply(request);
        Box::pin(async move { decode(sender.send(request).await?) })
    }

    /// Every item of the list the request asks for, page after page (see
    /// [`Pages`]). Unless the options chose a page size, each page asks for
    /// `per_page` items when given: the name of the page-size parameter
    /// and the most the API allows.
    pub fn pages<I>(self, per_page: Option<(&'static str, i64)>) -> Pages<'c, I>
    where
        I: DeserializeOwned + Send + 'c,
    {
        let Self {
            request,
            options,
            sender,
            decode: _,
        } = self;
        let mut request = options.apply(request);
        if let Some((name, most)) = per_page
            && !request.query.iter().any(|(asked, _)| *asked == name)
        {
            request = request.query(name, &most);
        }
        Pages::new(
            request,
            Arc::new(move |request| -> Call<'c, Response> { Box::pin(sender.send(request)) }),
        )
    }
}

/// Defines, for a generated function with optional parameters, the call
/// it returns (`$call`, around a [`Prepared`] of its options struct
/// `$options`): a setter for each optional parameter, `options` to set them
/// all from the struct, `pages` for a list, and `IntoFuture`, which sends
/// it. The generator gives the docs (`$doc` of the call, one per setter),
/// so that they link to the function and to each field. One invocation per
/// function: the definitions are written once, here, and expand in one
/// step (no nested expansion or `concat!` per parameter, which a large API
/// would pay for in check time).
#[macro_export]
#[doc(hidden)]
macro_rules! __operation_call {
    (
        $doc:literal $call:ident($options:ident) -> $output:ty
        $(, pages $item:ty $(= $per_page:literal $most:literal)?)?
        { $($field:ident: $ty:ty = $field_doc:literal),* $(,)? }
    ) => {
        #[doc = $doc]
        #[must_use = "a call is sent when it is awaited"]
        #[derive(Debug)]
        pub struct $call<'client>($crate::Prepared<'client, $options, $output>);

        impl<'client> $call<'client> {
            $(
                #[doc = $field_doc]
                pub fn $field(mut self, value: impl ::core::convert::Into<$ty>) -> Self {
                    self.0.options_mut().$field = ::core::option::Option::Some(value.into());
                    self
                }
            )*

            /// Sets every optional parameter from `options`, replacing any
            /// set before: for options kept or built as data.
            pub fn options(mut self, options: $options) -> Self {
                *self.0.options_mut() = options;
                self
            }

            $(
                /// Every item of the list, page after page, as a lazy
                /// `Stream` (a `Pages`): each page's `Link: rel="next"` is
                /// followed to the last page, a page fetched only when its
                /// items are wanted. Unless a page size is set, each page
                /// holds as many items as the API allows. `first_page` and
                /// `page_at` give single pages, with cursors to keep and
                /// resume from.
                pub fn pages(self) -> $crate::Pages<'client, $item> {
                    self.0.pages($crate::__operation_call!(@per_page $($per_page $most)?))
                }
            )?
        }

        impl<'client> ::core::future::IntoFuture for $call<'client> {
            type Output = $crate::Result<$output>;
            type IntoFuture = $crate::Call<'client, $output>;
            fn into_future(self) -> Self::IntoFuture {
                self.0.send()
            }
        }
    };
    (@per_page) => { ::core::option::Option::None };
    (@per_page $per_page:literal $most:literal) => {
        ::core::option::Option::Some(($per_page, $most))
    };
}
