//! Setters of the models an app sends ([`setters!`](crate::__setters)):
//! a body is built as `IssueUpdate::default().title("…").clear_milestone()`
//! rather than as a struct literal with `Some(Some(…))` for a member that
//! may be `null`. The struct literal stays, for bodies built as data.

/// Defines the setters of a model: first the members that are an
/// `Option<Type>` (the setter makes one `Some`), then, after `;`, those that
/// are an `Option<Option<Type>>` (left out, `null` or a value: the setter
/// gives a value, and `| clear_member`, when given, names the one that
/// sends `null`). Each setter's docs (`= "…"`) come from the generator,
/// which links them to the member.
///
/// One invocation per model, expanded in one step: a large API has
/// hundreds of models to send, and each nested expansion or `concat!` per
/// member would cost its check time.
#[macro_export]
#[doc(hidden)]
macro_rules! __setters {
    (
        $name:ident {
            $($field:ident: $ty:ty = $doc:literal),* $(,)?
            $(; $($nullable:ident: $inner:ty = $nullable_doc:literal $(| $clear:ident = $clear_doc:literal)?),* $(,)?)?
        }
    ) => {
        impl $name {
            $(
                #[doc = $doc]
                pub fn $field(mut self, value: impl ::core::convert::Into<$ty>) -> Self {
                    self.$field = ::core::option::Option::Some(value.into());
                    self
                }
            )*
            $($(
                #[doc = $nullable_doc]
                pub fn $nullable(mut self, value: impl ::core::convert::Into<$inner>) -> Self {
                    self.$nullable =
                        ::core::option::Option::Some(::core::option::Option::Some(value.into()));
                    self
                }
                $(
                    #[doc = $clear_doc]
                    pub fn $clear(mut self) -> Self {
                        self.$nullable = ::core::option::Option::Some(::core::option::Option::None);
                        self
                    }
                )?
            )*)?
        }
    };
}
