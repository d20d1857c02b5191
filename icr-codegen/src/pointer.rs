//! JSON pointers (RFC 6901) into a spec document, the address every
//! [`SpecError`](crate::SpecError) carries.

use std::fmt;

/// A JSON pointer such as `/paths/~1app/get`, the root being the empty
/// pointer.
///
/// Segments are escaped as RFC 6901 asks (`~` → `~0`, `/` → `~1`), so
/// [`serde_json::Value::pointer`] finds the node it names.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JsonPointer(String);

impl JsonPointer {
    /// The pointer to the whole document.
    pub fn root() -> Self {
        Self::default()
    }

    /// This pointer extended by one segment (an object key or an array index).
    #[must_use]
    pub fn join(&self, segment: impl fmt::Display) -> Self {
        let segment = segment.to_string();
        let mut pointer = String::with_capacity(self.0.len() + segment.len() + 1);
        pointer.push_str(&self.0);
        pointer.push('/');
        for c in segment.chars() {
            match c {
                '~' => pointer.push_str("~0"),
                '/' => pointer.push_str("~1"),
                c => pointer.push(c),
            }
        }
        Self(pointer)
    }

    /// This pointer extended by another pointer's segments, given as its text
    /// (already escaped, e.g. `/labels/0`). `None` when `tail` is not a
    /// pointer (it neither is empty nor starts with `/`).
    pub fn concat(&self, tail: &str) -> Option<Self> {
        (tail.is_empty() || tail.starts_with('/')).then(|| Self(format!("{}{tail}", self.0)))
    }

    /// Reads the fragment of a local reference (`#/components/schemas/Issue`),
    /// undoing URI percent-encoding. `None` when `reference` is not local.
    pub fn from_fragment(reference: &str) -> Option<Self> {
        let fragment = reference.strip_prefix('#')?;
        if !fragment.is_empty() && !fragment.starts_with('/') {
            return None;
        }
        Some(Self(percent_decode(fragment)?))
    }

    /// The pointer's text, empty for the root.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The pointer one level up; `None` for the root.
    pub fn parent(&self) -> Option<Self> {
        let (parent, _) = self.0.rsplit_once('/')?;
        Some(Self(parent.to_owned()))
    }

    /// Every segment, unescaped (`/paths/~1a/get` → `paths`, `/a`, `get`).
    pub fn segments(&self) -> Vec<String> {
        self.0
            .split('/')
            .skip(1)
            .map(|segment| segment.replace("~1", "/").replace("~0", "~"))
            .collect()
    }

    /// The last segment, unescaped; `None` for the root.
    pub fn last(&self) -> Option<String> {
        let (_, last) = self.0.rsplit_once('/')?;
        Some(last.replace("~1", "/").replace("~0", "~"))
    }
}

impl fmt::Display for JsonPointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Decodes `%XX` escapes; `None` when an escape is malformed or the result is
/// not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    if !text.contains('%') {
        return Some(text.to_owned());
    }
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        if byte == b'%' {
            let hex = tail.get(..2)?;
            let hex = std::str::from_utf8(hex).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            rest = &tail[2..];
        } else {
            bytes.push(byte);
            rest = tail;
        }
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::JsonPointer;
    use serde_json::json;

    #[test]
    fn segments_are_escaped_and_resolve() {
        let pointer = JsonPointer::root()
            .join("paths")
            .join("/app/{id}")
            .join("get");
        assert_eq!(pointer.as_str(), "/paths/~1app~1{id}/get");
        assert_eq!(pointer.last().as_deref(), Some("get"));
        assert_eq!(pointer.parent().unwrap().as_str(), "/paths/~1app~1{id}");
        assert_eq!(JsonPointer::root().parent(), None);
        let doc = json!({"paths": {"/app/{id}": {"get": 1}}, "a~b": 2});
        assert_eq!(doc.pointer(pointer.as_str()), Some(&json!(1)));
        let tilde = JsonPointer::root().join("a~b");
        assert_eq!(tilde.as_str(), "/a~0b");
        assert_eq!(tilde.last().as_deref(), Some("a~b"));
        assert_eq!(doc.pointer(tilde.as_str()), Some(&json!(2)));
        assert_eq!(
            pointer.concat("/x~1y/0").unwrap().as_str(),
            "/paths/~1app~1{id}/get/x~1y/0"
        );
        assert_eq!(pointer.concat("").as_ref(), Some(&pointer));
        assert_eq!(pointer.concat("nope"), None);
    }

    #[test]
    fn fragments_are_read_from_local_references_only() {
        let check = |reference: &str, expected: Option<&str>| {
            assert_eq!(
                JsonPointer::from_fragment(reference)
                    .as_ref()
                    .map(JsonPointer::as_str),
                expected,
                "{reference}"
            );
        };
        check(
            "#/components/schemas/Issue",
            Some("/components/schemas/Issue"),
        );
        check("#/paths/~1app%7Bx%7D/get", Some("/paths/~1app{x}/get"));
        check("#", Some(""));
        check("other.yaml#/components/schemas/Issue", None);
        check("#components", None);
        check("#/bad%zz", None);
        check("#/truncated%4", None);
    }
}
