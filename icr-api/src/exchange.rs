//! One exchange with the server: the HTTP request a [`Request`] describes,
//! sent once, and its answer read (status, the headers the client acts on,
//! the body up to the size limit) into a [`Response`] or an [`Error`].
//!
//! Every attempt of every call goes through [`Client::exchange`], so it is
//! kept lean: the work before sending and after the answer's head is done
//! in plain functions, and the future that waits holds little more than
//! the HTTP client's own (a small future stays in the allocator's fast
//! path and in the processor's cache; a large one, measured, did not).

use std::sync::{Arc, PoisonError};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use chrono::Datelike as _;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};

use crate::DateTime;
use crate::client::Client;
use crate::error::{ApiError, Error, FieldError, Result, Stage};
use crate::limits::{AnswerHeaders, RateGate};
use crate::request::{Request, Response};

/// What an error about this exchange names: the method, and the path sent.
struct Target<'r> {
    method: &'r str,
    path: String,
}

impl Target<'_> {
    fn invalid(&self, reason: String) -> Error {
        Error::InvalidRequest {
            method: self.method.to_owned(),
            path: self.path.clone(),
            reason,
        }
    }

    fn transport(&self, source: reqwest::Error, stage: Stage) -> Error {
        if source.is_builder() {
            // Never built, so never sent: a request the caller described
            // wrongly, not a network failure.
            return self.invalid(format!(
                "the HTTP request could not be built: {}",
                source.without_url()
            ));
        }
        Error::Transport {
            method: self.method.to_owned(),
            path: self.path.clone(),
            // A connect failure (refused, TLS, a connect timeout) sent
            // nothing; any other failure before the answer may have.
            stage: if stage == Stage::SentNoAnswer && source.is_connect() {
                Stage::NotSent
            } else {
                stage
            },
            timed_out: source.is_timeout(),
            source: Arc::new(source.without_url()),
        }
    }

    fn too_large(&self, limit: u64) -> Error {
        Error::AnswerTooLarge {
            method: self.method.to_owned(),
            path: self.path.clone(),
            limit,
        }
    }
}

/// An answer's head, read: what the rest of the exchange needs of it.
struct Head {
    status: u16,
    headers: HeaderMap,
    /// The URL answered (after redirects), when the answer has links to
    /// resolve against it.
    url: Option<reqwest::Url>,
    retry_after_seconds: Option<u64>,
    reset: Option<i64>,
    /// Refused for the rate limit: the primary one (a 403 with nothing
    /// remaining) or a secondary one (a 429, or a 403 with `Retry-After`).
    rate_limited: bool,
}

impl Client {
    /// Sends `request` once with `authorization`, after which its caller's
    /// `gate` knows what the answer said of the rate limit. On this
    /// client's own HTTP client, the exchange ends within `left` (or its
    /// timeout, if sooner); a caller's own client has a timeout this client
    /// cannot read, and [`attempts`](Client::attempts) bounds the exchange
    /// from outside.
    pub(crate) async fn exchange(
        &self,
        request: &Request,
        authorization: Option<HeaderValue>,
        gate: &RateGate,
        left: Duration,
    ) -> Result<Response> {
        let (http_request, target) = self.http_request(request, authorization, left)?;
        let mut answer = self
            .inner()
            .http
            .execute(http_request)
            .await
            .map_err(|e| target.transport(e, Stage::SentNoAnswer))?;
        let head = self.read_head(&mut answer, gate);
        let limit = self.inner().max_answer_bytes;
        if answer.content_length().is_some_and(|length| length > limit) {
            return Err(target.too_large(limit));
        }
        // Read up to the limit, and not a byte past it. Most answers come
        // as one chunk, which is kept as it is.
        let mut first: Option<Bytes> = None;
        let mut more = BytesMut::new();
        while let Some(chunk) = answer
            .chunk()
            .await
            .map_err(|e| target.transport(e, Stage::AnswerUnreadable))?
        {
            let read = first.as_ref().map_or(0, Bytes::len) + more.len();
            if (read + chunk.len()) as u64 > limit {
                return Err(target.too_large(limit));
            }
            match &first {
                None => first = Some(chunk),
                Some(first) => {
                    if more.is_empty() {
                        more.extend_from_slice(first);
                    }
                    more.extend_from_slice(&chunk);
                }
            }
        }
        let body = if more.is_empty() {
            first.unwrap_or_default()
        } else {
            more.freeze()
        };
        finish(head, body, target)
    }

    /// The HTTP request `request` describes, and what its errors name.
    fn http_request<'r>(
        &self,
        request: &'r Request,
        authorization: Option<HeaderValue>,
        left: Duration,
    ) -> Result<(reqwest::Request, Target<'r>)> {
        let url = match request.server {
            None => request.url(&self.inner().base_url)?,
            Some(server) => request.url(&self.server_base(server, request)?)?,
        };
        let target = Target {
            method: request.method.as_str(),
            path: url.path().to_owned(),
        };
        let authorization = authorization.ok_or_else(|| {
            target.invalid("the credential holds characters a header cannot carry".to_owned())
        })?;
        let mut http_request = reqwest::Request::new(request.method.clone(), url);
        if self.inner().timeout.is_some_and(|timeout| left < timeout) {
            *http_request.timeout_mut() = Some(left);
        }
        let headers = http_request.headers_mut();
        headers.insert(AUTHORIZATION, authorization);
        let value = |name: &str, text: &str| {
            HeaderValue::from_str(text).map_err(|_| {
                target.invalid(format!(
                    "header `{name}` holds characters a header cannot carry"
                ))
            })
        };
        headers.insert(ACCEPT, value("Accept", request.accept)?);
        for (name, text) in &request.headers {
            let header = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| target.invalid(format!("`{name}` is not a header name")))?;
            headers.append(header, value(name, text)?);
        }
        if let Some((media_type, body)) = &request.body {
            headers.insert(CONTENT_TYPE, value("Content-Type", media_type)?);
            *http_request.body_mut() = Some(body.clone().into());
        }
        Ok((http_request, target))
    }

    /// Takes the answer's head, and acts on it: the server's clock, and
    /// the rate limit, whose gate closes here, before anyone can read this
    /// answer's state.
    fn read_head(&self, answer: &mut reqwest::Response, gate: &RateGate) -> Head {
        let status = answer.status().as_u16();
        let headers = std::mem::take(answer.headers_mut());
        let notable = AnswerHeaders::read(&headers);
        let url = notable.has_link.then(|| answer.url().clone());
        self.observe_date(notable.date);
        // A secondary limit: a 429, or a 403 that says when to come back;
        // one that does not say is taken as a minute.
        let retry_after = notable
            .retry_after
            .and_then(|v| self.retry_after_seconds(v));
        let secondary = status == 429 || (status == 403 && retry_after.is_some());
        let retry_after_seconds = retry_after.or(secondary.then_some(60));
        if secondary && let Some(seconds) = retry_after_seconds {
            gate.close_for(Duration::from_secs(seconds));
        }
        // The primary limit: the window is used up until its reset. Known
        // from any answer, so the next request waits instead of being refused.
        let reset = notable.rate_limit.as_ref().and_then(|state| state.reset);
        if notable.used_up
            && let Some(reset) = reset
        {
            let millis = reset
                .saturating_mul(1000)
                .saturating_sub(self.server_now_ms());
            let wait = Duration::from_millis(u64::try_from(millis).unwrap_or(0));
            if !wait.is_zero() {
                gate.close_for(wait);
            }
        }
        let rate_limited = secondary || (status == 403 && notable.used_up);
        gate.observe(notable.rate_limit);
        Head {
            status,
            headers,
            url,
            retry_after_seconds,
            reset,
            rate_limited,
        }
    }

    /// Learns the server's clock from a `Date` header. Offsets under two
    /// seconds are noise of the header's whole seconds and are ignored.
    fn observe_date(&self, date: Option<&HeaderValue>) {
        let Some(date) = date else {
            return;
        };
        {
            // The header changes once a second: parse it when it does.
            let mut last = self
                .inner()
                .last_date
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if last.as_ref() == Some(date) {
                return;
            }
            *last = Some(date.clone());
        }
        let Some(server) = date.to_str().ok().and_then(http_date) else {
            return;
        };
        let offset = (server - chrono::Utc::now()).num_milliseconds();
        if (offset - self.clock_offset_ms()).abs() >= 2000 {
            self.set_clock_offset_ms(offset);
        }
    }

    /// A `Retry-After` value in seconds: a number of seconds, or an HTTP
    /// date, counted from now on the server's clock.
    fn retry_after_seconds(&self, value: &str) -> Option<u64> {
        if let Ok(seconds) = value.trim().parse() {
            return Some(seconds);
        }
        let wait = http_date(value)? - self.server_now();
        Some(u64::try_from(wait.num_seconds()).unwrap_or(0))
    }
}

/// The [`Response`] of a success status, or the error of another.
fn finish(head: Head, body: Bytes, target: Target<'_>) -> Result<Response> {
    let Head {
        status,
        headers,
        url,
        retry_after_seconds,
        reset,
        rate_limited,
    } = head;
    if (200..300).contains(&status) {
        return Ok(Response {
            status,
            method: target.method.to_owned(),
            path: target.path,
            headers,
            body,
            url,
        });
    }
    let error = Box::new(api_error(status, &target, &headers, body));
    if rate_limited {
        return Err(Error::RateLimited {
            method: target.method.to_owned(),
            path: target.path,
            retry_after_seconds,
            reset,
            error: Some(error),
        });
    }
    Err(Error::Api(error))
}

/// The error body every ICR error answer has; each field optional so that a
/// body of another shape still yields what it has.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    message: Option<String>,
    documentation_url: Option<String>,
    request_id: Option<String>,
    #[serde(default)]
    errors: Vec<FieldError>,
}

/// The [`ApiError`] of an error answer: what its body says, its headers
/// (but cookies), and a bounded prefix of the body.
fn api_error(status: u16, target: &Target<'_>, headers: &HeaderMap, body: Bytes) -> ApiError {
    let decoded: Option<ErrorBody> = serde_json::from_slice(&body).ok();
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("unknown status");
    let (message, documentation_url, request_id, errors) = match decoded {
        Some(body) => (
            body.message,
            body.documentation_url,
            body.request_id,
            body.errors,
        ),
        None => (None, None, None, Vec::new()),
    };
    let header_request_id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    ApiError {
        status,
        method: target.method.to_owned(),
        path: target.path.clone(),
        message: message.unwrap_or_else(|| reason.to_owned()),
        documentation_url,
        request_id: request_id.or(header_request_id),
        errors,
        headers: headers
            .iter()
            .filter(|(name, _)| *name != "set-cookie")
            .filter_map(|(name, value)| {
                Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
            })
            .collect(),
        body: body.slice(..body.len().min(ApiError::BODY_KEPT)),
    }
}

/// An HTTP date in any of its three forms (RFC 9110), if it falls between
/// 1970 and 9999: a server's clock may be far off, but a date outside that
/// is nonsense, and times computed from it would overflow.
pub(crate) fn http_date(text: &str) -> Option<DateTime> {
    let at: DateTime = httpdate::parse_http_date(text.trim()).ok()?.into();
    (at.year() <= 9999).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::http_date;

    #[test]
    fn http_dates_are_read_in_all_three_forms_within_bounds() {
        let expected = http_date("Sat, 06 Nov 2094 08:49:37 GMT").unwrap();
        assert_eq!(http_date(" Sat Nov  6 08:49:37 2094 "), Some(expected));
        let rfc850 = http_date("Sunday, 06-Nov-94 08:49:37 GMT").unwrap();
        assert_eq!(rfc850.timestamp(), 784_111_777);
        // Out of range, a weekday that does not match, not a date.
        assert_eq!(http_date("Fri, 31 Dec 10000 23:59:59 GMT"), None);
        assert_eq!(http_date("Sun, 06 Nov 2094 08:49:37 GMT"), None);
        assert_eq!(http_date("yesterday"), None);
    }
}
