//! [`SecretToken`]: a credential that never shows itself in `Debug` output,
//! errors or logs.

use std::fmt;

/// A bearer credential: an installation access token or an app JWT.
///
/// It has no `Display`, and its `Debug` prints `SecretToken([redacted])`, so
/// formatting a client, a request or an error never reveals it. Read it with
/// [`expose_secret`](Self::expose_secret) where it must leave the program.
///
/// Generated models use it for every string the API description marks
/// `format: password`, such as an installation access token or a webhook
/// secret; it reads and writes as a plain JSON string.
#[derive(Clone, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
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

#[cfg(test)]
mod tests {
    use super::SecretToken;

    #[test]
    fn debug_output_hides_the_token() {
        let token = SecretToken::new("icr_inst_do_not_print_me");
        let shown = format!("{token:?} {:#?}", Some(&token));
        assert!(!shown.contains("do_not_print_me"), "{shown}");
        assert!(shown.contains("[redacted]"));
        assert_eq!(token.expose_secret(), "icr_inst_do_not_print_me");
    }
}
