//! [`Error`]: everything a request can end with other than success, sorted by
//! what went wrong rather than by which library noticed.

use std::fmt;

/// What a call of this crate returns.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a request did not succeed.
///
/// Each variant is one failure mode, so callers can match on what they can
/// act on: retry a [`Transport`](Error::Transport) failure, wait out a
/// [`RateLimited`](Error::RateLimited) one, show an [`Api`](Error::Api)
/// error's message to a person. No variant carries a credential.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request got no answer that could be read: the connection failed
    /// before the request went out, the request went out and no answer came
    /// (a timeout, a connection reset), or the answer broke off. Which one
    /// is [`stage`](Error::Transport::stage): only [`Stage::NotSent`] is
    /// always safe to send again.
    #[error("{method} {path}: {stage}: {source}")]
    Transport {
        /// The request's method.
        method: String,
        /// The request's path, without the query.
        path: String,
        /// How far the request got.
        stage: Stage,
        /// Whether it ran out of time (rather than being refused or cut).
        timed_out: bool,
        /// What the HTTP client reported.
        #[source]
        source: std::sync::Arc<dyn std::error::Error + Send + Sync>,
    },
    /// The server answered with an error status other than a rate limit.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The caller's rate limit is used up: the server refused the request,
    /// or (with no [`error`](Error::RateLimited::error)) the client knew the
    /// limit to be used up for longer than its
    /// [`RetryPolicy`](crate::RetryPolicy) waits, and did not send it.
    #[error(
        "{method} {path} was rate limited{}{}",
        retry_after_text(*.retry_after_seconds),
        if error.is_none() { " (not sent: the limit was known to be used up)" } else { "" }
    )]
    RateLimited {
        /// The request's method.
        method: String,
        /// The request's path, without the query.
        path: String,
        /// How long the server asked to wait, from `Retry-After`.
        retry_after_seconds: Option<u64>,
        /// When the window resets, from `X-RateLimit-Reset` (Unix seconds).
        reset: Option<i64>,
        /// The error the server sent; `None` when the request was not sent.
        error: Option<Box<ApiError>>,
    },
    /// The server answered with success, but its body was not what the API
    /// description promises.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// The app's private key is not an RSA private key in PEM, or cannot
    /// sign. The key itself is never part of the message.
    #[error("the app's private key cannot be used: {reason}")]
    BadKey {
        /// What is wrong with it.
        reason: String,
    },
    /// The server refused the app's JWT: an unknown app, a key the server
    /// does not know, or a JWT it found expired or issued in the future.
    #[error("the server refused the JWT of app {app_id}: {message}")]
    JwtRejected {
        /// The app.
        app_id: i64,
        /// The server's explanation.
        message: String,
        /// The request id the server gave.
        request_id: Option<String>,
    },
    /// The installation does not exist (any more): the app was uninstalled,
    /// or reinstalled under a new id.
    #[error("installation {installation_id} of app {app_id} was not found: {message}")]
    InstallationNotFound {
        /// The app.
        app_id: i64,
        /// The installation asked for.
        installation_id: i64,
        /// The server's explanation.
        message: String,
    },
    /// The app is not installed on the organization it was looked up by
    /// (never installed, or uninstalled): install it there on ICR, or act
    /// on an organization that has it.
    #[error("app {app_id} is not installed on organization {organization}: {message}")]
    NotInstalled {
        /// The app.
        app_id: i64,
        /// The organization.
        organization: i64,
        /// The server's explanation.
        message: String,
    },
    /// Creating an installation access token failed for another reason than
    /// the above.
    #[error("no installation access token for installation {installation_id}: {source}")]
    TokenRequestFailed {
        /// The installation.
        installation_id: i64,
        /// What went wrong.
        #[source]
        source: Box<Error>,
    },
    /// The server refused an installation access token twice, the second
    /// time right after it was renewed.
    #[error(
        "installation {installation_id}'s access token was refused again after renewing it: {message}"
    )]
    TokenRejected {
        /// The installation.
        installation_id: i64,
        /// The server's explanation.
        message: String,
    },
    /// The installation does not hold every permission the app's
    /// declaration names: its organization never accepted them (or the app
    /// no longer asks for them). Ask the organization's owners to accept the
    /// app's permissions on ICR, or declare fewer.
    #[error(
        "installation {installation_id} was not granted what `{declaration}` declares: {}{}; the organization must accept these permissions for the app on ICR, or the declaration must ask for less",
        grant_list(missing),
        server_message.as_ref().map(|m| format!(" (the server said: {m})")).unwrap_or_default()
    )]
    PermissionsNotGranted {
        /// The declaration's name.
        declaration: &'static str,
        /// The installation.
        installation_id: i64,
        /// The declared grants the installation does not hold.
        missing: Vec<crate::grants::Grant>,
        /// What the server said, when it refused the token request.
        server_message: Option<String>,
    },
    /// The server granted a new token more than it was asked for: a token
    /// made for a declaration holds exactly its permissions, so a broader
    /// one is refused (and revoked) rather than used under the narrower
    /// type.
    #[error(
        "installation {installation_id}'s new token holds more than `{declaration}` asked for: {}; it was revoked",
        extra.join(", ")
    )]
    PermissionsExceeded {
        /// The declaration's name.
        declaration: &'static str,
        /// The installation.
        installation_id: i64,
        /// What the token holds beyond the declaration, `name: level`.
        extra: Vec<String>,
    },
    /// The answer was larger than
    /// [`ClientConfig::max_answer_bytes`](crate::ClientConfig::max_answer_bytes);
    /// the rest of it was not read.
    #[error("{method} {path}: the answer is larger than {limit} bytes, the most this client reads")]
    AnswerTooLarge {
        /// The request's method.
        method: String,
        /// The request's path, without the query.
        path: String,
        /// The limit.
        limit: u64,
    },
    /// A client that sends a fixed token was asked to narrow it. Narrowing
    /// creates a new token, which only the app (with its JWT) can do; the
    /// fixed token is never handed on under a smaller declaration.
    #[error(
        "cannot narrow `{from}` to `{to}` on a client with a fixed token: narrowing creates a new token, which takes the app's JWT; narrow a client from `App::installation`, or an `Installation`, instead"
    )]
    CannotNarrow {
        /// The client's declaration.
        from: &'static str,
        /// The declaration asked for.
        to: &'static str,
    },
    /// The request could not be built from the arguments given, e.g. a
    /// parameter value that cannot be written into a URL.
    #[error("{method} {path} could not be built: {reason}")]
    InvalidRequest {
        /// The request's method.
        method: String,
        /// The request's path template.
        path: String,
        /// What was wrong.
        reason: String,
    },
}

fn grant_list(grants: &[crate::grants::Grant]) -> String {
    let listed: Vec<String> = grants.iter().map(|grant| format!("`{grant}`")).collect();
    listed.join(", ")
}

/// How far a request got before its transport failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stage {
    /// The connection was not made: nothing was sent, so sending again
    /// cannot do anything twice.
    NotSent,
    /// The request was (or may have been) sent, and no answer came: the
    /// server may have acted on it.
    SentNoAnswer,
    /// An answer began, and could not be read to its end.
    AnswerUnreadable,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::NotSent => "not sent (no connection to the server)",
            Stage::SentNoAnswer => "sent, but no answer came",
            Stage::AnswerUnreadable => "the answer could not be read",
        })
    }
}

fn retry_after_text(seconds: Option<u64>) -> String {
    seconds
        .map(|s| format!("; retry after {s} s"))
        .unwrap_or_default()
}

impl Error {
    /// The error behind a failed token request, or this one: the
    /// predicates below look through [`Error::TokenRequestFailed`].
    fn cause(&self) -> &Error {
        match self {
            Error::TokenRequestFailed { source, .. } => source.cause(),
            other => other,
        }
    }

    /// Whether the request ran out of time.
    pub fn is_timeout(&self) -> bool {
        matches!(
            self.cause(),
            Error::Transport {
                timed_out: true,
                ..
            }
        )
    }

    /// Whether the request never left: sending it again cannot do anything
    /// twice. True also when it failed before sending, for want of a token
    /// (the token request's own failure is in the error) or of a valid
    /// description.
    pub fn is_not_sent(&self) -> bool {
        matches!(
            self,
            Error::Transport {
                stage: Stage::NotSent,
                ..
            } | Error::RateLimited { error: None, .. }
                | Error::TokenRequestFailed { .. }
                | Error::JwtRejected { .. }
                | Error::BadKey { .. }
                | Error::InstallationNotFound { .. }
                | Error::PermissionsNotGranted { .. }
                | Error::PermissionsExceeded { .. }
                | Error::CannotNarrow { .. }
                | Error::InvalidRequest { .. }
        )
    }

    /// Whether the same request may succeed later: a transport failure, a
    /// rate limit, or a 500, 502, 503 or 504. (Whether it is safe to send a
    /// write again is another question: see [`is_not_sent`](Self::is_not_sent).)
    pub fn is_retryable(&self) -> bool {
        match self.cause() {
            Error::Transport { .. } | Error::RateLimited { .. } => true,
            Error::Api(error) => matches!(error.status, 500 | 502 | 503 | 504),
            _ => false,
        }
    }

    /// How long the server asked to wait before trying again, in seconds.
    pub fn retry_after(&self) -> Option<u64> {
        match self.cause() {
            Error::RateLimited {
                retry_after_seconds,
                ..
            } => *retry_after_seconds,
            _ => None,
        }
    }

    /// The id the server gave the request, to quote when reporting it.
    pub fn request_id(&self) -> Option<&str> {
        match self.cause() {
            Error::Api(error)
            | Error::RateLimited {
                error: Some(error), ..
            } => error.request_id.as_deref(),
            Error::JwtRejected { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// The HTTP status the server answered with, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(error)
            | Error::RateLimited {
                error: Some(error), ..
            } => Some(error.status),
            Error::Decode(error) => Some(error.status),
            Error::RateLimited { error: None, .. } => None,
            Error::Transport { .. }
            | Error::InvalidRequest { .. }
            | Error::PermissionsNotGranted { .. }
            | Error::CannotNarrow { .. }
            | Error::AnswerTooLarge { .. }
            | Error::PermissionsExceeded { .. }
            | Error::BadKey { .. }
            | Error::JwtRejected { .. }
            | Error::InstallationNotFound { .. }
            | Error::NotInstalled { .. }
            | Error::TokenRejected { .. } => None,
            Error::TokenRequestFailed { source, .. } => source.status(),
        }
    }
}

/// An error answer of the API, decoded from its error body (`message`,
/// `documentationUrl`, `requestId`, `errors`).
///
/// A body that is not of that shape is kept as it came, in [`body`](Self::body).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// The request's method.
    pub method: String,
    /// The request's path, without the query.
    pub path: String,
    /// The server's explanation, or the status's reason when the body had
    /// none.
    pub message: String,
    /// The reference page the server pointed to.
    pub documentation_url: Option<String>,
    /// The id of the request, from the body or the `X-Request-Id` header.
    pub request_id: Option<String>,
    /// The fields that failed validation.
    pub errors: Vec<FieldError>,
    /// The answer's headers (rate limits, `Retry-After`, …), by lower-case
    /// name; `set-cookie` is left out.
    pub headers: Vec<(String, String)>,
    /// The body as received, or its first [`ApiError::BODY_KEPT`] bytes.
    pub body: bytes::Bytes,
}

impl ApiError {
    /// How much of an error answer's body is kept.
    pub const BODY_KEPT: usize = 64 * 1024;

    /// The value of header `name` (lower case), if the answer had it.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, value)| value.as_str())
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} failed with {}: {}",
            self.method, self.path, self.status, self.message
        )?;
        for error in &self.errors {
            write!(f, "; {error}")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// One field of a request that the server found missing or invalid.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FieldError {
    /// The kind of resource the field belongs to.
    pub resource: Option<String>,
    /// The field.
    pub field: Option<String>,
    /// The kind of problem, e.g. `missingField`.
    pub code: String,
    /// The problem in words.
    pub message: Option<String>,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.resource, &self.field) {
            (Some(resource), Some(field)) => write!(f, "{resource}.{field}: {}", self.code)?,
            (None, Some(field)) => write!(f, "{field}: {}", self.code)?,
            _ => write!(f, "{}", self.code)?,
        }
        if let Some(message) = &self.message {
            write!(f, " ({message})")?;
        }
        Ok(())
    }
}

/// A success answer whose body did not decode as the API description says.
/// The body is kept, so nothing the server sent is lost.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct DecodeError {
    /// The HTTP status; 0 for a webhook delivery (a request, not an answer).
    pub status: u16,
    /// The request's method.
    pub method: String,
    /// The request's path, without the query.
    pub path: String,
    /// The response's `Content-Type`, if any.
    pub content_type: Option<String>,
    /// What did not fit.
    pub reason: String,
    /// The body as received.
    pub body: bytes::Bytes,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A webhook delivery is a request ICR made, not an answer (status 0).
        if self.status == 0 {
            return write!(f, "the {} could not be decoded: {}", self.path, self.reason);
        }
        write!(
            f,
            "the {} answer to {} {} could not be decoded: {}",
            self.status, self.method, self.path, self.reason
        )
    }
}

impl std::error::Error for DecodeError {}
