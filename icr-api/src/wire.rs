//! How generated models cross the wire without serde's derives: string
//! enums ([`wire_enum!`](crate::__wire_enum)) and the reading of structs
//! ([`wire_struct!`](crate::__wire_struct)).
//!
//! A large API has thousands of models, and `#[derive(Deserialize)]`
//! writes, for each, a field enum with its own visitor, a sequence visitor
//! JSON never uses and a map visitor: on GitHub's REST description that code
//! was over half the compiler's memory. What is generated here per struct is
//! only the map visitor's body; the rest is written once, below, and shared.
//! The decoding is serde's (a model is still `Deserialize`, errors and paths
//! read as serde's do): a member is read once (twice is an error), a
//! required member that is missing is an error, members the model does not
//! name are skipped or, for a model open to more, kept by name.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

/// A model whose members [`visit`] reads from a JSON object; implemented
/// by [`wire_struct!`](crate::__wire_struct).
pub trait WireStruct: Sized {
    /// The model's name, for errors.
    const NAME: &'static str;

    /// Reads the model's members from `map`.
    fn visit_map<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
}

/// Reads a [`WireStruct`] from a JSON object.
pub fn visit<'de, T: WireStruct, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    deserializer.deserialize_map(Visit(PhantomData))
}

struct Visit<T>(PhantomData<T>);

impl<'de, T: WireStruct> Visitor<'de> for Visit<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // serde's own words, which error messages have always used.
        write!(f, "struct {}", T::NAME)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::visit_map(map)
    }
}

/// A member's name, borrowed from the input when it can be.
pub struct Key<'de>(Cow<'de, str>);

impl Key<'_> {
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name, owned.
    pub fn into_string(self) -> String {
        self.0.into_owned()
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }

            fn visit_borrowed_str<E: de::Error>(self, name: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(name)))
            }

            fn visit_str<E: de::Error>(self, name: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(name.to_owned())))
            }

            fn visit_string<E: de::Error>(self, name: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(name)))
            }
        }

        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Reads the value of member `name` into its slot; a member given twice is
/// an error, as serde's derive has it.
pub fn read<'de, A, T>(
    slot: &mut Option<T>,
    map: &mut A,
    name: &'static str,
) -> Result<(), A::Error>
where
    A: MapAccess<'de>,
    T: Deserialize<'de>,
{
    if slot.is_some() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

/// A member that must be present.
pub fn required<T, E: de::Error>(slot: Option<T>, name: &'static str) -> Result<T, E> {
    slot.ok_or_else(|| E::missing_field(name))
}

/// A member that may be left out: absent and `null` are both `None`.
pub fn optional<T, E>(slot: Option<Option<T>>, _name: &'static str) -> Result<Option<T>, E> {
    Ok(slot.flatten())
}

/// A member that may be left out or `null`, which differ: absent is
/// `None`, `null` is `Some(None)`.
pub fn nullable<T, E>(
    slot: Option<Option<T>>,
    _name: &'static str,
) -> Result<Option<Option<T>>, E> {
    Ok(slot)
}

/// Makes a generated model `Deserialize` through [`WireStruct`]. Each
/// member is `mode field = "name"`, the mode being `required`, `optional`
/// or `nullable` (the functions above) and `= "name"` left out when the
/// name is the field's; `.. rest` names a map field that keeps the members
/// not listed.
#[doc(hidden)]
#[macro_export]
macro_rules! __wire_struct {
    ($name:ident { $($mode:ident $field:ident $(= $wire:literal)?),* $(,)? } $(.. $rest:ident)?) => {
        impl $crate::__private::WireStruct for $name {
            const NAME: &'static str = ::core::stringify!($name);

            fn visit_map<'de, A>(mut map: A) -> ::core::result::Result<Self, A::Error>
            where
                A: $crate::__private::serde::de::MapAccess<'de>,
            {
                $(let mut $field = ::core::option::Option::None;)*
                $(let mut $rest = ::std::collections::BTreeMap::new();)?
                while let ::core::option::Option::Some(key) =
                    map.next_key::<$crate::__private::Key<'de>>()?
                {
                    match key.as_str() {
                        $($crate::__wire_struct!(@wire $field $($wire)?) => $crate::__private::read(
                            &mut $field,
                            &mut map,
                            $crate::__wire_struct!(@wire $field $($wire)?),
                        )?,)*
                        _ => $crate::__wire_struct!(@other map key $($rest)?),
                    }
                }
                ::core::result::Result::Ok(Self {
                    $($field: $crate::__private::$mode::<_, A::Error>(
                        $field,
                        $crate::__wire_struct!(@wire $field $($wire)?),
                    )?,)*
                    $($rest,)?
                })
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D>(deserializer: D) -> ::core::result::Result<Self, D::Error>
            where
                D: $crate::__private::serde::Deserializer<'de>,
            {
                $crate::__private::visit(deserializer)
            }
        }
    };
    (@wire $field:ident $wire:literal) => {
        $wire
    };
    (@wire $field:ident) => {
        ::core::stringify!($field)
    };
    (@other $map:ident $key:ident) => {{
        $map.next_value::<$crate::__private::serde::de::IgnoredAny>()?;
    }};
    (@other $map:ident $key:ident $rest:ident) => {{
        $rest.insert($key.into_string(), $map.next_value()?);
    }};
}
/// What a generated string enum is on the wire: its value's text, and any
/// text it does not list kept in `Other`. The generated enum lists its
/// variants and calls this with each one's text: `as_str`, `From<String>`
/// and the serde impls, a few lines each, instead of a serde derive whose
/// `untagged` fallback is the costliest code serde writes.
#[doc(hidden)]
#[macro_export]
macro_rules! __wire_enum {
    ($name:ident { $($variant:ident = $wire:literal),* $(,)? }) => {
        impl $name {
            /// The value as the API writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::Other(other) => other,
                }
            }
        }

        impl ::core::convert::From<::std::string::String> for $name {
            fn from(wire: ::std::string::String) -> Self {
                match wire.as_str() {
                    $($wire => Self::$variant,)*
                    _ => Self::Other(wire),
                }
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error>
            where
                S: $crate::__private::serde::Serializer,
            {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D>(deserializer: D) -> ::core::result::Result<Self, D::Error>
            where
                D: $crate::__private::serde::Deserializer<'de>,
            {
                <::std::string::String as $crate::__private::serde::Deserialize>::deserialize(
                    deserializer,
                )
                .map(Self::from)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    #[derive(Debug, PartialEq)]
    struct Label {
        id: i64,
        r#type: Option<String>,
        color: Option<Option<String>>,
        parent: Option<Box<Label>>,
    }
    crate::__wire_struct!(Label {
        required id,
        optional r#type = "type",
        nullable color = "color",
        optional parent = "parentLabel",
    });

    #[derive(Debug, PartialEq)]
    struct Open {
        name: String,
        additional_properties: BTreeMap<String, serde_json::Value>,
    }
    crate::__wire_struct!(Open { required name } ..additional_properties);

    fn label(json: &str) -> Result<Label, String> {
        serde_json::from_str(json).map_err(|err| err.to_string())
    }

    #[test]
    fn members_are_read_by_their_wire_names_and_modes() {
        let read = label(r#"{"id": 1, "type": "bug", "color": "red", "parentLabel": {"id": 2}}"#);
        assert_eq!(
            read,
            Ok(Label {
                id: 1,
                r#type: Some("bug".to_owned()),
                color: Some(Some("red".to_owned())),
                parent: Some(Box::new(Label {
                    id: 2,
                    r#type: None,
                    color: None,
                    parent: None
                })),
            })
        );
        // Absent and null are one thing for an optional member, two for a
        // nullable one.
        let absent = label(r#"{"id": 1}"#).unwrap();
        assert_eq!((absent.r#type, absent.color), (None, None));
        let null = label(r#"{"id": 1, "type": null, "color": null}"#).unwrap();
        assert_eq!((null.r#type, null.color), (None, Some(None)));
    }

    #[test]
    fn unknown_members_are_skipped_or_kept_and_escaped_names_match() {
        let read = label(r#"{"other": [1, {"deep": true}], "i\u0064": 7}"#).unwrap();
        assert_eq!(read.id, 7);
        let open: Open =
            serde_json::from_str(r#"{"name": "a", "x": 1, "y\u0021": [true]}"#).unwrap();
        assert_eq!(open.name, "a");
        assert_eq!(
            open.additional_properties,
            BTreeMap::from([
                ("x".to_owned(), serde_json::json!(1)),
                ("y!".to_owned(), serde_json::json!([true])),
            ])
        );
    }

    #[test]
    fn bad_input_says_what_and_where() {
        let missing = label(r#"{"type": "bug"}"#).unwrap_err();
        assert!(missing.starts_with("missing field `id`"), "{missing}");
        let twice = label(r#"{"id": 1, "color": null, "color": "red"}"#).unwrap_err();
        assert!(twice.starts_with("duplicate field `color`"), "{twice}");
        let array = label("[1, null]").unwrap_err();
        assert!(array.contains("expected struct Label"), "{array}");
        let wrong = label(r#"{"id": "one"}"#).unwrap_err();
        assert!(
            wrong.contains("expected i64") && wrong.contains("column 12"),
            "{wrong}"
        );
        // The path to a bad member inside a nested model is found as it is
        // for serde's derives.
        let mut reader =
            serde_json::Deserializer::from_str(r#"{"id": 1, "parentLabel": {"id": true}}"#);
        let err = serde_path_to_error::deserialize::<_, Label>(&mut reader).unwrap_err();
        assert_eq!(err.path().to_string(), "parentLabel.id");
    }
}
