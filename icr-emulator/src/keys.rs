//! [`KeyPair`]: a fresh RSA key pair for an app, as PEM text, so that tests,
//! the quickstart and `--demo` never need a key from elsewhere.

use std::fmt;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;

/// An RSA 2048 key pair: the private key as PKCS#8 PEM (`PRIVATE KEY`),
/// the public key as SubjectPublicKeyInfo PEM (`PUBLIC KEY`).
#[derive(Clone)]
pub struct KeyPair {
    private_pem: String,
    public_pem: String,
}

/// Key generation failed in the crypto library.
#[derive(Debug, thiserror::Error)]
#[error("the RSA key pair could not be generated: {0}")]
pub struct KeyError(String);

impl KeyPair {
    /// Generates a new key pair.
    pub fn generate() -> Result<Self, KeyError> {
        let pair = RsaKeyPair::generate(KeySize::Rsa2048).map_err(|e| KeyError(e.to_string()))?;
        let private: Pkcs8V1Der<'static> = pair.as_der().map_err(|e| KeyError(e.to_string()))?;
        let public: PublicKeyX509Der<'static> = pair
            .public_key()
            .as_der()
            .map_err(|e| KeyError(e.to_string()))?;
        Ok(Self {
            private_pem: pem::encode(&pem::Pem::new("PRIVATE KEY", private.as_ref())),
            public_pem: pem::encode(&pem::Pem::new("PUBLIC KEY", public.as_ref())),
        })
    }

    /// The private key, PEM; give it to the app, never print it.
    pub fn private_pem(&self) -> &str {
        &self.private_pem
    }

    /// The public key, PEM; register it with the emulator.
    pub fn public_pem(&self) -> &str {
        &self.public_pem
    }
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair")
            .field("private_pem", &"[redacted]")
            .field("public_pem", &self.public_pem)
            .finish()
    }
}
