//! Webhook deliveries: [`verify`] checks a delivery's signature against the
//! app's secrets before anything of it is read, and gives a
//! [`VerifiedDelivery`], the only thing an installation client can be made
//! from ([`App::installation_from_webhook`](crate::App::installation_from_webhook)).
//!
//! A delivery is a `POST` of JSON with three headers: `X-ICR-Event` (the
//! kind of event), `X-ICR-Delivery` (its id, the same for redeliveries) and
//! `X-ICR-Signature-256` (`sha256=` and the hex HMAC-SHA256 of the raw body,
//! keyed with the app's webhook secret). The check is over the bytes as
//! received, with `aws-lc-rs`'s constant-time comparison; several secrets
//! may be given while one is being replaced by another.
//!
//! [`Handlers`] hands each delivery to the handler registered for its
//! event, with a client of the installation it was made for; a handler
//! for an event the app's declaration cannot receive does not compile.
//! Behind the `axum` feature, the `receiver` module serves it all as a route.
//!
//! This module also holds the generated functions of the API's `webhooks`
//! tag (an organization's own webhooks), which it re-exports.
//!
//! ```
//! use icr_api::webhooks::{self, WebhookSecret};
//! use reqwest::header::{HeaderMap, HeaderValue};
//!
//! let secret = WebhookSecret::new("a-long-random-secret");
//! let body = br#"{"event":"ping","zen":"Keep it small.","installation":{"id":7001}}"#;
//! let mut headers = HeaderMap::new();
//! headers.insert("x-icr-event", HeaderValue::from_static("ping"));
//! headers.insert("x-icr-delivery", HeaderValue::from_static("0b6c1e5e-8f3a-11ef-8000-1a2b3c4d5e6f"));
//! headers.insert("x-icr-signature-256", webhooks::sign(&secret, body).parse()?);
//!
//! let delivery = webhooks::verify(&headers, body, &[secret])?;
//! assert_eq!(delivery.event(), "ping");
//! assert_eq!(delivery.installation_id()?, 7001);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use aws_lc_rs::hmac;
use bytes::Bytes;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use crate::error::{DecodeError, Error};

pub use crate::generated::webhooks::*;

mod handlers;
#[cfg(feature = "axum")]
pub mod receiver;

pub use handlers::{
    DeliveryFuture, DeliveryStore, Handled, HandlerError, Handlers, MemoryDeliveries,
};

/// The header that names the kind of event.
pub const EVENT_HEADER: &str = "x-icr-event";
/// The header that holds the delivery's id.
pub const DELIVERY_HEADER: &str = "x-icr-delivery";
/// The header that holds the delivery's signature.
pub const SIGNATURE_HEADER: &str = "x-icr-signature-256";

/// The signature's prefix, naming its algorithm.
const SCHEME: &str = "sha256=";
/// Hex digits in an HMAC-SHA256.
const HEX_DIGITS: usize = 64;
/// The longest event name and delivery id taken (a UUID has 36
/// characters): a receiver remembers ids, so their size is bounded.
const MAX_NAME: usize = 128;

/// A webhook secret: the key deliveries are signed with. It never appears
/// in `Debug` output, and has no `Display` or `Serialize`.
#[derive(Clone)]
pub struct WebhookSecret {
    key: hmac::Key,
    /// An empty secret verifies nothing ([`verify`] skips it).
    empty: bool,
}

impl WebhookSecret {
    /// The secret `secret`, as set in the app's webhook configuration. An
    /// empty one is never used to accept a delivery.
    pub fn new(secret: impl AsRef<[u8]>) -> Self {
        Self {
            key: hmac::Key::new(hmac::HMAC_SHA256, secret.as_ref()),
            empty: secret.as_ref().is_empty(),
        }
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

/// Why a delivery was refused. Each says what was wrong and where, and
/// none quotes a signature or a secret.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// No secret was given to check the delivery with.
    #[error("no webhook secret was given to verify the delivery with")]
    NoSecret,
    /// A delivery header is missing.
    #[error("the delivery has no `{header}` header")]
    MissingHeader {
        /// The header, in lower case.
        header: &'static str,
    },
    /// A delivery header is not visible ASCII text, is empty, or is
    /// longer than 128 characters (an event name or delivery id).
    #[error("the delivery's `{header}` header is empty, not text, or longer than 128 characters")]
    MalformedHeader {
        /// The header, in lower case.
        header: &'static str,
    },
    /// The signature does not start with `sha256=`, or is not hex.
    #[error("the delivery's signature is malformed: {reason}")]
    MalformedSignature {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The signature has the wrong number of hex digits (an HMAC-SHA256
    /// has 64): cut short, or of another algorithm.
    #[error("the delivery's signature has {digits} hex digits; an HMAC-SHA256 has 64")]
    WrongLength {
        /// How many it has.
        digits: usize,
    },
    /// The signature is well formed but matches none of the secrets: the
    /// body was changed, or signed with another secret.
    #[error("the delivery's signature matches none of the {secrets} secret(s) given")]
    Mismatch {
        /// How many secrets were tried.
        secrets: usize,
    },
    /// The signed body is of another event than `X-ICR-Event` (which is
    /// not signed) says, or names none: a delivery passed off as another.
    #[error(
        "the delivery's `x-icr-event` says `{header}`, but its signed body is {}",
        match body { Some(event) => format!("a `{event}` event"), None => "not an ICR event".to_owned() }
    )]
    EventMismatch {
        /// What the header says.
        header: String,
        /// What the signed body says, if anything.
        body: Option<String>,
    },
}

/// A delivery whose signature was checked: its event, its id and its body,
/// as received. Only [`verify`] makes one.
#[derive(Clone)]
pub struct VerifiedDelivery {
    event: String,
    id: String,
    body: Bytes,
}

impl fmt::Debug for VerifiedDelivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedDelivery")
            .field("event", &self.event)
            .field("id", &self.id)
            .field("body", &format!("{} bytes", self.body.len()))
            .finish()
    }
}

impl VerifiedDelivery {
    /// The kind of event (`X-ICR-Event`), such as `issues`.
    pub fn event(&self) -> &str {
        &self.event
    }

    /// The delivery's id (`X-ICR-Delivery`), the same for a delivery and
    /// its redeliveries.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The body, as received.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The payload decoded as `T` (a generated event payload such as
    /// [`models::IssuesEvent`](crate::models::IssuesEvent), or any type of
    /// the caller's).
    pub fn payload<T: DeserializeOwned>(&self) -> Result<T, Error> {
        decode(&self.event, &self.body)
    }

    /// The event, typed: [`events::Event`](crate::events::Event) for ICR's
    /// own bindings, or the `Event` of bindings generated from another
    /// description. An event the bindings do not know is `Event::Other`.
    pub fn event_typed<E: Events>(&self) -> Result<E, Error> {
        E::decode(&self.event, &self.body)
    }

    /// The id of the installation the delivery was made for (the
    /// payload's `installation.id`).
    pub fn installation_id(&self) -> Result<i64, Error> {
        #[derive(serde::Deserialize)]
        struct Payload {
            installation: Installation,
        }
        #[derive(serde::Deserialize)]
        struct Installation {
            id: i64,
        }
        match serde_json::from_slice::<Payload>(&self.body) {
            Ok(payload) if payload.installation.id >= 1 => Ok(payload.installation.id),
            Ok(payload) => Err(self.decode_error(format!(
                "the payload's `installation.id` is {}, not an installation's id",
                payload.installation.id
            ))),
            Err(err) => Err(self.decode_error(format!(
                "the payload has no `installation.id` ({err}); was it sent to an ICR App?"
            ))),
        }
    }

    fn decode_error(&self, reason: String) -> Error {
        decode_error(&self.event, reason, &self.body)
    }
}

/// A kind of webhook event: a marker type the generator makes for each
/// event of `x-webhooks`, naming its payload. Sealed: only generated
/// marker types are kinds.
pub trait EventKind:
    crate::__private::unsupported::EventSeal + Copy + Send + Sync + 'static
{
    /// The event's name, as sent in `X-ICR-Event`.
    const NAME: &'static str;
    /// Its payload.
    type Payload: DeserializeOwned + Send + 'static;
}

/// Implemented by an event kind for each declaration `P` that holds what
/// the event needs; generated, with a compile error that names the missing
/// permission for any other.
pub trait Receivable<P>: EventKind {}

/// Every event of a set of bindings, decoded by name (the generated
/// `events::Event`).
pub trait Events: Sized {
    /// Decodes the payload `body` of the event `name`.
    fn decode(name: &str, body: &[u8]) -> Result<Self, Error>;
}

/// Decodes a payload, saying where it went wrong.
pub(crate) fn decode<T: DeserializeOwned>(event: &str, body: &[u8]) -> Result<T, Error> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let at = err.path().to_string();
        decode_error(event, format!("at `{at}`: {}", err.inner()), body)
    })
}

fn decode_error(event: &str, reason: String, body: &[u8]) -> Error {
    Error::Decode(Box::new(DecodeError {
        status: 0,
        method: "POST".to_owned(),
        path: format!("webhook delivery of a `{event}` event"),
        content_type: Some("application/json".to_owned()),
        reason,
        body: Bytes::copy_from_slice(body),
    }))
}

/// Checks a delivery: its signature against `secrets` (any one may match,
/// so that a secret can be replaced without losing deliveries), then its
/// event and id headers. Nothing of the body is read before the signature
/// holds.
pub fn verify(
    headers: &HeaderMap,
    body: &[u8],
    secrets: &[WebhookSecret],
) -> Result<VerifiedDelivery, VerifyError> {
    // An empty secret signs nothing: anyone can compute its HMAC.
    let secrets: Vec<&WebhookSecret> = secrets.iter().filter(|s| !s.empty).collect();
    if secrets.is_empty() {
        return Err(VerifyError::NoSecret);
    }
    let signature = header(headers, SIGNATURE_HEADER)?;
    let Some(hex) = signature.strip_prefix(SCHEME) else {
        return Err(VerifyError::MalformedSignature {
            reason: "it does not start with `sha256=`",
        });
    };
    if hex.len() != HEX_DIGITS {
        return Err(VerifyError::WrongLength { digits: hex.len() });
    }
    let Some(tag) = from_hex(hex) else {
        return Err(VerifyError::MalformedSignature {
            reason: "it is not hexadecimal",
        });
    };
    if !secrets
        .iter()
        .any(|secret| hmac::verify(&secret.key, body, &tag).is_ok())
    {
        return Err(VerifyError::Mismatch {
            secrets: secrets.len(),
        });
    }
    let event = header(headers, EVENT_HEADER)?;
    let id = header(headers, DELIVERY_HEADER)?;
    // The header is not signed; the body's own `event` is.
    #[derive(serde::Deserialize)]
    struct Named<'b> {
        #[serde(borrow)]
        event: Option<std::borrow::Cow<'b, str>>,
    }
    let named = serde_json::from_slice::<Named<'_>>(body)
        .ok()
        .and_then(|named| named.event);
    if named.as_deref() != Some(event) {
        return Err(VerifyError::EventMismatch {
            header: event.to_owned(),
            body: named.map(|n| n.chars().take(MAX_NAME).collect()),
        });
    }
    Ok(VerifiedDelivery {
        event: event.to_owned(),
        id: id.to_owned(),
        body: Bytes::copy_from_slice(body),
    })
}

/// The `X-ICR-Signature-256` value of `body` signed with `secret`: what a
/// server sends, and what a test of a receiver needs.
pub fn sign(secret: &WebhookSecret, body: &[u8]) -> String {
    let tag = hmac::sign(&secret.key, body);
    let mut text = String::with_capacity(SCHEME.len() + HEX_DIGITS);
    text.push_str(SCHEME);
    for byte in tag.as_ref() {
        text.push_str(&format!("{byte:02x}"));
    }
    text
}

fn header<'h>(headers: &'h HeaderMap, name: &'static str) -> Result<&'h str, VerifyError> {
    let value = headers
        .get(name)
        .ok_or(VerifyError::MissingHeader { header: name })?;
    value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|text| !text.is_empty() && (name == SIGNATURE_HEADER || text.len() <= MAX_NAME))
        .ok_or(VerifyError::MalformedHeader { header: name })
}

/// Hex text as bytes; `None` when a digit is not hex (either case).
fn from_hex(hex: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| (c as char).to_digit(16);
    hex.as_bytes()
        .chunks(2)
        .map(|pair| match pair {
            [high, low] => Some((digit(*high)? * 16 + digit(*low)?) as u8),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{VerifyError, WebhookSecret, sign, verify};
    use reqwest::header::{HeaderMap, HeaderValue};

    fn headers(signature: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-icr-event", HeaderValue::from_static("issues"));
        headers.insert("x-icr-delivery", HeaderValue::from_static("d-1"));
        headers.insert("x-icr-signature-256", signature.parse().unwrap());
        headers
    }

    #[test]
    fn each_way_a_signature_can_be_wrong_has_its_own_error() {
        let secret = WebhookSecret::new("s3cret");
        let body = br#"{"event":"issues","installation":{"id":1}}"#;
        let good = sign(&secret, body);
        assert!(verify(&headers(&good), body, std::slice::from_ref(&secret)).is_ok());
        let cases = [
            (
                good.replace("sha256=", "sha1="),
                VerifyError::MalformedSignature {
                    reason: "it does not start with `sha256=`",
                },
            ),
            (
                good[..good.len() - 2].to_owned(),
                VerifyError::WrongLength { digits: 62 },
            ),
            (
                format!("sha256={}", "zz".repeat(32)),
                VerifyError::MalformedSignature {
                    reason: "it is not hexadecimal",
                },
            ),
        ];
        for (signature, expected) in cases {
            let got = verify(&headers(&signature), body, std::slice::from_ref(&secret));
            assert_eq!(got.unwrap_err(), expected, "{signature}");
        }
        // Hex digits in either case are the same digits.
        let upper = format!("sha256={}", good["sha256=".len()..].to_uppercase());
        assert!(verify(&headers(&upper), body, std::slice::from_ref(&secret)).is_ok());
        let mut tampered = body.to_vec();
        let last_digit = tampered.len() - 3;
        tampered[last_digit] = b'2';
        assert_eq!(
            verify(&headers(&good), &tampered, std::slice::from_ref(&secret)).unwrap_err(),
            VerifyError::Mismatch { secrets: 1 }
        );
        let mut missing = headers(&good);
        missing.remove("x-icr-delivery");
        assert_eq!(
            verify(&missing, body, std::slice::from_ref(&secret)).unwrap_err(),
            VerifyError::MissingHeader {
                header: "x-icr-delivery"
            }
        );
        assert_eq!(
            verify(&headers(&good), body, &[]).unwrap_err(),
            VerifyError::NoSecret
        );
        // Rotation: the old secret or the new one.
        let new = WebhookSecret::new("n3w");
        assert!(verify(&headers(&good), body, &[new.clone(), secret]).is_ok());
        assert!(verify(&headers(&good), body, &[new]).is_err());
    }

    #[test]
    fn the_signed_body_must_be_the_event_the_header_names() {
        let secret = WebhookSecret::new("s3cret");
        let label = br#"{"event":"label","installation":{"id":1}}"#;
        let passed_off = verify(
            &headers(&sign(&secret, label)),
            label,
            std::slice::from_ref(&secret),
        );
        assert_eq!(
            passed_off.unwrap_err(),
            VerifyError::EventMismatch {
                header: "issues".to_owned(),
                body: Some("label".to_owned())
            }
        );
        let unnamed = br#"{"installation":{"id":1}}"#;
        let error = verify(&headers(&sign(&secret, unnamed)), unnamed, &[secret]).unwrap_err();
        assert!(error.to_string().contains("not an ICR event"), "{error}");
    }

    #[test]
    fn empty_secrets_and_oversized_ids_are_refused() {
        let body = br#"{"event":"issues","installation":{"id":1}}"#;
        let empty = WebhookSecret::new("");
        let forged = sign(&empty, body);
        assert_eq!(
            verify(&headers(&forged), body, &[empty]).unwrap_err(),
            VerifyError::NoSecret
        );
        let secret = WebhookSecret::new("s3cret");
        let mut long = headers(&sign(&secret, body));
        long.insert("x-icr-delivery", "d".repeat(129).parse().unwrap());
        assert_eq!(
            verify(&long, body, &[secret]).unwrap_err(),
            VerifyError::MalformedHeader {
                header: "x-icr-delivery"
            }
        );
    }
}
