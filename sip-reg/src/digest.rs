//! HTTP digest authentication for SIP (RFC 7616, RFC 8760, RFC 3261 §22.4).
//!
//! The hashes come from the RustCrypto `md-5` and `sha2` crates (features
//! `md5` and `sha256`), audited `no_std` implementations; an algorithm whose
//! feature is off is reported as unsupported and never chosen.
//!
//! ```
//! # #[cfg(feature = "md5")] {
//! use dialtone_sip_reg::digest::{Algorithm, DigestInput};
//! use dialtone_sip_reg::wire::Qop;
//! // RFC 2617 §3.5 example.
//! let input = DigestInput {
//!     algorithm: Algorithm::Md5,
//!     username: "Mufasa",
//!     realm: "testrealm@host.com",
//!     password: "Circle Of Life",
//!     method: "GET",
//!     uri: "/dir/index.html",
//!     nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
//!     cnonce: Some("0a4f113b"),
//!     nc: Some(1),
//!     qop: Some(Qop::Auth),
//! };
//! assert_eq!(input.response().unwrap().as_str(), "6629fae49393a05397450978507c4ef1");
//! # }
//! ```

use crate::wire::Qop;

/// A digest algorithm (RFC 7616 §3.3 `algorithm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// `MD5` (the default when `algorithm` is absent).
    Md5,
    /// `MD5-sess`.
    Md5Sess,
    /// `SHA-256`.
    Sha256,
    /// `SHA-256-sess`.
    Sha256Sess,
}

impl Algorithm {
    /// Reads the `algorithm` token (`None` → MD5); `None` when unknown.
    #[must_use]
    pub fn from_token(token: Option<&str>) -> Option<Self> {
        let Some(t) = token else {
            return Some(Algorithm::Md5);
        };
        let eq = |s: &str| t.eq_ignore_ascii_case(s);
        if eq("MD5") {
            Some(Algorithm::Md5)
        } else if eq("MD5-sess") {
            Some(Algorithm::Md5Sess)
        } else if eq("SHA-256") {
            Some(Algorithm::Sha256)
        } else if eq("SHA-256-sess") {
            Some(Algorithm::Sha256Sess)
        } else {
            None
        }
    }

    /// The token as written on the wire.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Md5Sess => "MD5-sess",
            Algorithm::Sha256 => "SHA-256",
            Algorithm::Sha256Sess => "SHA-256-sess",
        }
    }

    /// Whether this build can compute it (features `md5`, `sha256`).
    #[must_use]
    pub fn is_supported(self) -> bool {
        match self {
            Algorithm::Md5 | Algorithm::Md5Sess => cfg!(feature = "md5"),
            Algorithm::Sha256 | Algorithm::Sha256Sess => cfg!(feature = "sha256"),
        }
    }

    fn is_sess(self) -> bool {
        matches!(self, Algorithm::Md5Sess | Algorithm::Sha256Sess)
    }
}

/// A lowercase hex digest (32 chars for MD5, 64 for SHA-256).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Hex {
    buf: [u8; 64],
    len: usize,
}

impl core::fmt::Debug for Hex {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Hex {
    #[allow(dead_code)]
    fn from_bytes(bytes: &[u8]) -> Self {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut h = Hex {
            buf: [0; 64],
            len: 0,
        };
        for (i, b) in bytes.iter().take(32).enumerate() {
            if let Some(pair) = h.buf.get_mut(2 * i..2 * i + 2) {
                pair[0] = DIGITS[usize::from(b >> 4)];
                pair[1] = DIGITS[usize::from(b & 15)];
            }
            h.len = 2 * i + 2;
        }
        h
    }

    /// The hex text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(self.buf.get(..self.len).unwrap_or_default()).unwrap_or("")
    }
}

/// `H(parts[0] || parts[1] || …)` in hex, `None` when the algorithm's feature
/// is off.
#[must_use]
pub fn hash_hex(algorithm: Algorithm, parts: &[&[u8]]) -> Option<Hex> {
    match algorithm {
        Algorithm::Md5 | Algorithm::Md5Sess => {
            #[cfg(feature = "md5")]
            {
                use md5::Digest as _;
                let mut d = md5::Md5::new();
                for p in parts {
                    d.update(p);
                }
                Some(Hex::from_bytes(&d.finalize()))
            }
            #[cfg(not(feature = "md5"))]
            {
                let _ = parts;
                None
            }
        }
        Algorithm::Sha256 | Algorithm::Sha256Sess => {
            #[cfg(feature = "sha256")]
            {
                use sha2::Digest as _;
                let mut d = sha2::Sha256::new();
                for p in parts {
                    d.update(p);
                }
                Some(Hex::from_bytes(&d.finalize()))
            }
            #[cfg(not(feature = "sha256"))]
            {
                let _ = parts;
                None
            }
        }
    }
}

/// Everything a digest response depends on (RFC 7616 §3.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DigestInput<'a> {
    /// Algorithm.
    pub algorithm: Algorithm,
    /// `username`.
    pub username: &'a str,
    /// `realm`.
    pub realm: &'a str,
    /// The password.
    pub password: &'a str,
    /// Request method (`REGISTER`).
    pub method: &'a str,
    /// digest-uri: the Request-URI as sent.
    pub uri: &'a str,
    /// Server nonce.
    pub nonce: &'a str,
    /// Client nonce (required with qop and with `-sess`).
    pub cnonce: Option<&'a str>,
    /// Nonce count (with qop).
    pub nc: Option<u32>,
    /// Quality of protection; `None` = RFC 2069 compatibility form.
    pub qop: Option<Qop>,
}

impl DigestInput<'_> {
    /// The `response` value; `None` when the algorithm is not compiled in or
    /// qop is `auth-int` (bodies are not hashed here).
    #[must_use]
    pub fn response(&self) -> Option<Hex> {
        let alg = self.algorithm;
        let mut ha1 = hash_hex(
            alg,
            &[
                self.username.as_bytes(),
                b":",
                self.realm.as_bytes(),
                b":",
                self.password.as_bytes(),
            ],
        )?;
        if alg.is_sess() {
            let cnonce = self.cnonce.unwrap_or("");
            ha1 = hash_hex(
                alg,
                &[
                    ha1.as_str().as_bytes(),
                    b":",
                    self.nonce.as_bytes(),
                    b":",
                    cnonce.as_bytes(),
                ],
            )?;
        }
        if self.qop == Some(Qop::AuthInt) {
            return None;
        }
        let ha2 = hash_hex(alg, &[self.method.as_bytes(), b":", self.uri.as_bytes()])?;
        match self.qop {
            Some(qop) => {
                let mut nc = [0u8; 8];
                let v = self.nc.unwrap_or(1);
                for (i, d) in nc.iter_mut().enumerate() {
                    let shift = 28 - 4 * i as u32;
                    *d = b"0123456789abcdef"[((v >> shift) & 15) as usize];
                }
                hash_hex(
                    alg,
                    &[
                        ha1.as_str().as_bytes(),
                        b":",
                        self.nonce.as_bytes(),
                        b":",
                        &nc,
                        b":",
                        self.cnonce.unwrap_or("").as_bytes(),
                        b":",
                        qop.as_str().as_bytes(),
                        b":",
                        ha2.as_str().as_bytes(),
                    ],
                )
            }
            None => hash_hex(
                alg,
                &[
                    ha1.as_str().as_bytes(),
                    b":",
                    self.nonce.as_bytes(),
                    b":",
                    ha2.as_str().as_bytes(),
                ],
            ),
        }
    }

    /// Whether `response` (hex, any case) is the right answer; compares in
    /// time independent of where the strings differ.
    #[must_use]
    pub fn verify(&self, response: &str) -> bool {
        let Some(expected) = self.response() else {
            return false;
        };
        let a = expected.as_str().as_bytes();
        let b = response.as_bytes();
        if a.len() != b.len() {
            return false;
        }
        a.iter()
            .zip(b)
            .fold(0u8, |acc, (x, y)| acc | (x ^ y.to_ascii_lowercase()))
            == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "md5")]
    #[test]
    fn rfc2617_md5_example_and_verify() {
        let input = DigestInput {
            algorithm: Algorithm::Md5,
            username: "Mufasa",
            realm: "testrealm@host.com",
            password: "Circle Of Life",
            method: "GET",
            uri: "/dir/index.html",
            nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
            cnonce: Some("0a4f113b"),
            nc: Some(1),
            qop: Some(Qop::Auth),
        };
        let r = input.response().unwrap();
        assert_eq!(r.as_str(), "6629fae49393a05397450978507c4ef1");
        assert!(input.verify("6629FAE49393A05397450978507C4EF1"));
        assert!(!input.verify("6629fae49393a05397450978507c4ef2"));
        assert!(!input.verify(""));
    }

    #[cfg(feature = "sha256")]
    #[test]
    fn rfc7616_sha256_example() {
        // RFC 7616 §3.9.1.
        let input = DigestInput {
            algorithm: Algorithm::Sha256,
            username: "Mufasa",
            realm: "http-auth@example.org",
            password: "Circle of Life",
            method: "GET",
            uri: "/dir/index.html",
            nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
            cnonce: Some("f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"),
            nc: Some(1),
            qop: Some(Qop::Auth),
        };
        assert_eq!(
            input.response().unwrap().as_str(),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
        );
        let md5 = DigestInput {
            algorithm: Algorithm::Md5,
            ..input
        };
        assert_eq!(
            md5.response().unwrap().as_str(),
            "8ca523f5e9506fed4657c9700eebdbec"
        );
    }

    #[test]
    fn algorithm_tokens() {
        assert_eq!(Algorithm::from_token(None), Some(Algorithm::Md5));
        assert_eq!(
            Algorithm::from_token(Some("sha-256")),
            Some(Algorithm::Sha256)
        );
        assert_eq!(Algorithm::from_token(Some("SHA-512-256")), None);
        assert_eq!(Algorithm::Md5Sess.as_str(), "MD5-sess");
    }
}
