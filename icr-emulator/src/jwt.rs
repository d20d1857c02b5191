//! App JWTs, checked as ICR checks them: RS256, signed by the key the app
//! registered, `iss` the app's id, `iat` not in the future beyond a small
//! leeway, `exp` present, not passed, and at most ten minutes after `iat`.
//! Each rejection says which rule failed.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

/// How far in the future `iat` may be, for clocks that are slightly apart.
pub(crate) const LEEWAY_SECONDS: i64 = 60;
/// The longest a JWT may live.
pub(crate) const MAX_LIFETIME_SECONDS: i64 = 600;

/// Checks `token` at time `now`; `key_of` gives the registered public key of
/// an app id. Returns the app id, or why the JWT is refused.
pub(crate) fn verify(
    token: &str,
    now: DateTime<Utc>,
    key_of: impl Fn(i64) -> Option<DecodingKey>,
) -> Result<i64, String> {
    let header = jsonwebtoken::decode_header(token)
        .map_err(|e| format!("the JWT could not be decoded: {e}"))?;
    if header.alg != Algorithm::RS256 {
        return Err(format!(
            "the JWT is signed with {:?}; ICR accepts RS256 only",
            header.alg
        ));
    }
    let claims: Value = token
        .split('.')
        .nth(1)
        .and_then(|payload| URL_SAFE_NO_PAD.decode(payload).ok())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or("the JWT's payload is not base64url-encoded JSON")?;
    let app_id = match claims.get("iss") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    }
    .ok_or("the JWT's `iss` must be the app's id")?;
    let key = key_of(app_id).ok_or_else(|| {
        format!("the JWT's `iss` is {app_id}, and no app with that id is registered")
    })?;
    let mut validation = Validation::new(Algorithm::RS256);
    // Times are checked below, on the emulator's clock.
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    jsonwebtoken::decode::<Value>(token, &key, &validation).map_err(|e| match e.kind() {
        jsonwebtoken::errors::ErrorKind::InvalidSignature => format!(
            "the JWT's signature does not verify with the public key registered for app {app_id}"
        ),
        _ => format!("the JWT could not be verified: {e}"),
    })?;
    let time = |name: &str| {
        claims.get(name).and_then(Value::as_i64).ok_or(format!(
            "the JWT has no `{name}` (a time in seconds since 1970)"
        ))
    };
    let issued = time("iat")?;
    let expires = time("exp")?;
    let now_s = now.timestamp();
    // In i128, so that no `iat` or `exp` a JWT can carry overflows.
    let (issued, expires, now_s) = (i128::from(issued), i128::from(expires), i128::from(now_s));
    if issued > now_s + i128::from(LEEWAY_SECONDS) {
        return Err(format!(
            "the JWT's `iat` is {} s in the future of the server's time {now}; the leeway is {LEEWAY_SECONDS} s",
            issued - now_s
        ));
    }
    if expires <= now_s {
        return Err(format!(
            "the JWT expired {} s ago (server time {now})",
            now_s - expires
        ));
    }
    if expires - issued > i128::from(MAX_LIFETIME_SECONDS) {
        return Err(format!(
            "the JWT's `exp` is {} s after its `iat`; at most {MAX_LIFETIME_SECONDS} s (ten minutes) are allowed",
            expires - issued
        ));
    }
    Ok(app_id)
}
