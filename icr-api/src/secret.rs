//! [`SecretToken`]: a credential that never shows itself in `Debug` output,
//! errors, logs or serialized data, unless it is asked for by name.

use std::cell::Cell;
use std::fmt;

/// A bearer credential: an installation access token or an app JWT.
///
/// It has no `Display`, and its `Debug` prints `SecretToken([redacted])`, so
/// formatting a client, a request or an error never reveals it. Read it with
/// [`expose_secret`](Self::expose_secret) where it must leave the program.
///
/// Generated models use it for every string the API description marks
/// `format: password`, such as an installation access token or a webhook
/// secret. It reads from a plain JSON string. It *writes* only inside
/// [`expose_secrets`]: a request body that carries one is serialized that
/// way when it is sent, while serializing a value that holds one anywhere
/// else (logging a model as JSON, say) fails with an error instead of
/// printing the secret.
#[derive(Clone, Default, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(transparent)]
pub struct SecretToken(String);

impl SecretToken {
    /// Wraps a credential.
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// The credential itself.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretToken([redacted])")
    }
}

thread_local! {
    /// Whether this thread is inside [`expose_secrets`].
    static EXPOSED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `serialize` with every [`SecretToken`] it meets written as its
/// plain text: the one way to serialize a value that holds a secret, e.g.
/// to store a token in a cache of one's own.
///
/// ```
/// use icr_api::{SecretToken, expose_secrets};
///
/// let token = SecretToken::new("icr_inst_abc");
/// // By accident, as a log line would: an error, never the token.
/// assert!(serde_json::to_string(&token).is_err());
/// // On purpose.
/// let json = expose_secrets(|| serde_json::to_string(&token)).unwrap();
/// assert_eq!(json, r#""icr_inst_abc""#);
/// ```
pub fn expose_secrets<T>(serialize: impl FnOnce() -> T) -> T {
    /// Puts the flag back as it was, also when `serialize` unwinds.
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            EXPOSED.with(|exposed| exposed.set(self.0));
        }
    }
    let _restore = Restore(EXPOSED.with(|exposed| exposed.replace(true)));
    serialize()
}

impl serde::Serialize for SecretToken {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if EXPOSED.with(Cell::get) {
            serializer.serialize_str(&self.0)
        } else {
            Err(serde::ser::Error::custom(
                "a SecretToken is serialized only inside `icr_api::expose_secrets`",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{SecretToken, expose_secrets};

    #[test]
    fn debug_output_hides_the_token() {
        let token = SecretToken::new("icr_inst_do_not_print_me");
        let shown = format!("{token:?} {:#?}", Some(&token));
        assert!(!shown.contains("do_not_print_me"), "{shown}");
        assert!(shown.contains("[redacted]"));
        assert_eq!(token.expose_secret(), "icr_inst_do_not_print_me");
    }

    #[test]
    fn serializing_needs_the_explicit_call_and_the_flag_does_not_leak() {
        let token = SecretToken::new("icr_inst_do_not_print_me");
        let error = serde_json::to_string(&vec![&token]).unwrap_err();
        assert!(!error.to_string().contains("do_not_print_me"), "{error}");
        let shown = expose_secrets(|| serde_json::to_string(&token)).unwrap();
        assert_eq!(shown, "\"icr_inst_do_not_print_me\"");
        // Nested calls, and a panic inside, leave the thread as it was.
        let nested = expose_secrets(|| expose_secrets(|| 1) + 1);
        assert_eq!(nested, 2);
        assert!(serde_json::to_string(&token).is_err());
        let _ = std::panic::catch_unwind(|| expose_secrets(|| panic!("inside")));
        assert!(serde_json::to_string(&token).is_err());
    }
}
