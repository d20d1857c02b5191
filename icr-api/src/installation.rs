//! [`InstallationTokens`]: the making of installation access tokens for one
//! installation of the app, typed by the app's permission declaration, and
//! the [`InstallationToken`]s made. (The client that acts as an
//! installation is an [`InstallationClient`]; the installation as the API
//! describes it is [`models::Installation`](crate::models::Installation).)
//!
//! Creating a token is where the declaration meets the server: the token
//! request asks for exactly the declared permissions, and the permissions
//! the server reports for the new token are compared with them, so that an
//! installation whose organization never accepted a declared permission is
//! an error right then, naming what is missing, instead of a 403 on some
//! later call. A token can be narrowed to a smaller declaration; that it is
//! smaller is checked at compile time (`Within`).

use std::fmt;
use std::marker::PhantomData;

use crate::client::{AppClient, InstallationClient};
use crate::error::{Error, Result};
use crate::grants::{Declaration, Grant, Permission, Within};
use crate::models::{AccessTokenRequest, InstallationAccessToken, PermissionLevel, PermissionMap};
use crate::{DateTime, apps};

/// The access tokens of one installation of the app, made for declaration
/// `P`: from [`AppClient::installation_tokens`].
pub struct InstallationTokens<P> {
    app: AppClient,
    id: i64,
    declaration: PhantomData<fn() -> P>,
}

impl<P> Clone for InstallationTokens<P> {
    fn clone(&self) -> Self {
        Self {
            app: self.app.clone(),
            id: self.id,
            declaration: PhantomData,
        }
    }
}

impl<P: Declaration> fmt::Debug for InstallationTokens<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InstallationTokens")
            .field("id", &self.id)
            .field("declaration", &P::NAME)
            .field("app", &self.app)
            .finish()
    }
}

impl AppClient {
    /// The making of access tokens for installation `id` of the app, whose
    /// grants `P` declares.
    pub fn installation_tokens<P: Declaration>(&self, id: i64) -> InstallationTokens<P> {
        InstallationTokens {
            app: self.clone(),
            id,
            declaration: PhantomData,
        }
    }
}

impl<P: Declaration> InstallationTokens<P> {
    /// The installation's id.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// The same installation, for a declaration `Q` that holds no more
    /// than `P`: its tokens are asked for `Q`'s permissions only. That `Q`
    /// is within `P` is checked at compile time.
    pub fn narrow<Q: Within<P>>(&self) -> InstallationTokens<Q> {
        InstallationTokens {
            app: self.app.clone(),
            id: self.id,
            declaration: PhantomData,
        }
    }

    /// Creates an installation access token for `P`'s permissions
    /// (`POST /app/installations/{installationId}/accessTokens`) and checks
    /// that the server granted every one of them.
    ///
    /// Fails with [`Error::PermissionsNotGranted`] when the installation
    /// lacks a declared permission, whether the server refuses the request
    /// for it (422 naming the permissions) or reports a token without it.
    pub async fn create_token(&self) -> Result<InstallationToken<P>> {
        let created =
            create_checked(&self.app, self.id, &P::requested(), P::catalog(), P::NAME).await?;
        Ok(InstallationToken {
            // Checked just above: the server granted every permission of `P`.
            client: InstallationClient::with_token_unchecked(
                self.app.client().clone(),
                created.token.clone(),
            ),
            details: created,
        })
    }
}

/// Creates a token asking for exactly `grants`, and checks the answer
/// against them: every grant held ([`Error::PermissionsNotGranted`]) and
/// nothing beyond them but what `catalog` says every installation holds
/// ([`Error::PermissionsExceeded`]; the too-broad token is revoked).
/// `declaration` names them in errors.
pub(crate) async fn create_checked(
    app: &AppClient,
    installation_id: i64,
    grants: &[Grant],
    catalog: &'static [Permission],
    declaration: &'static str,
) -> Result<InstallationAccessToken> {
    let not_granted =
        |missing: Vec<Grant>, server_message: Option<String>| Error::PermissionsNotGranted {
            declaration,
            installation_id,
            missing,
            server_message,
        };
    let request = AccessTokenRequest {
        permissions: Some(permission_map(grants)),
        ..AccessTokenRequest::default()
    };
    let created =
        match apps::create_installation_access_token(app, installation_id, Some(&request)).await {
            Ok(created) => created,
            Err(Error::Api(error)) if error.status == 422 => {
                let refused: Vec<Grant> = grants
                    .iter()
                    .filter(|grant| {
                        let field = format!("permissions.{}", grant.permission);
                        error
                            .errors
                            .iter()
                            .any(|e| e.field.as_deref() == Some(field.as_str()))
                    })
                    .copied()
                    .collect();
                if refused.is_empty() {
                    return Err(Error::Api(error));
                }
                return Err(not_granted(refused, Some(error.message.clone())));
            }
            // The answer holds a token, even when it does not decode: the
            // body must not reach an error's `Debug`.
            Err(Error::Decode(mut error)) => {
                error.body = bytes::Bytes::from_static(REDACTED_BODY);
                return Err(Error::Decode(error));
            }
            Err(error) => return Err(error),
        };
    let reported = || {
        created
            .permissions
            .iter()
            .map(|(name, level)| (name.as_str(), level_name(level)))
    };
    let missing = crate::grants::missing(grants, reported());
    let extra = crate::grants::beyond(grants, catalog, reported());
    if missing.is_empty() && extra.is_empty() {
        return Ok(created);
    }
    // Nobody will use this token as it is; do not leave it behind.
    let revoked = app
        .client()
        .execute(
            &crate::request::Request::delete("/installation/token")
                .operation("apps/revokeInstallationAccessToken"),
            crate::client::Bearer::Token(&created.token),
            crate::client::Caller {
                gate: &app.client().gate(Some(installation_id)),
                installation_id: Some(installation_id),
            },
        )
        .await;
    if let Err(error) = revoked {
        tracing::warn!(installation_id, %error, "a token that did not match its request could not be revoked");
    }
    if missing.is_empty() {
        Err(Error::PermissionsExceeded {
            declaration,
            installation_id,
            extra,
        })
    } else {
        Err(not_granted(missing, None))
    }
}

/// What replaces the body of a token answer that did not decode.
pub(crate) const REDACTED_BODY: &[u8] = b"[redacted: the answer to a token request holds a token]";

/// What a token request asks for: each declared permission at its level.
fn permission_map(grants: &[Grant]) -> PermissionMap {
    grants
        .iter()
        .map(|grant| {
            let level = match grant.level {
                crate::grants::Level::Read => PermissionLevel::Read,
                crate::grants::Level::Write => PermissionLevel::Write,
                crate::grants::Level::Admin => PermissionLevel::Admin,
            };
            (grant.permission.to_owned(), level)
        })
        .collect()
}

/// A level as the server wrote it.
pub(crate) fn level_name(level: &PermissionLevel) -> &str {
    match level {
        PermissionLevel::Read => "read",
        PermissionLevel::Write => "write",
        PermissionLevel::Admin => "admin",
        PermissionLevel::Other(other) => other,
    }
}

/// A new installation access token, with what the server said of it and a
/// client that sends it.
pub struct InstallationToken<P> {
    client: InstallationClient<P>,
    details: InstallationAccessToken,
}

impl<P: Declaration> fmt::Debug for InstallationToken<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InstallationToken")
            .field("declaration", &P::NAME)
            .field("expires_at", &self.details.expires_at)
            .field("permissions", &self.details.permissions)
            .field("token", &self.details.token)
            .finish()
    }
}

impl<P> InstallationToken<P> {
    /// A client that sends this token.
    pub fn client(&self) -> &InstallationClient<P> {
        &self.client
    }

    /// When the token stops working.
    pub fn expires_at(&self) -> DateTime {
        self.details.expires_at
    }

    /// The permissions the server granted the token.
    pub fn permissions(&self) -> &PermissionMap {
        &self.details.permissions
    }

    /// Everything the server answered, the token included.
    pub fn details(&self) -> &InstallationAccessToken {
        &self.details
    }
}
