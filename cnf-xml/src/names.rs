//! Device names, MAC addresses and the TFTP file names a phone requests at boot.
//!
//! Facts: `cnf-xml.md` §2.1–§2.5 and §3, `phone-boot.md` §1.1 and §1.7.3. The MAC part of every
//! name is 12 upper-case hex digits without separators; the default files keep the
//! capitalisation below. A TFTP server should still match requests case-insensitively
//! (`cnf-xml.md` §2.5), which [`RequestedFile::parse`] does.

use core::fmt;

/// Why a MAC address or device name was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// Not 12 hex digits in one of the accepted layouts.
    #[error("not a MAC address: expected 12 hex digits, plain or grouped by '.', ':' or '-'")]
    BadMac,
    /// A device name prefix other than `SEP`, `SIP` or `MGC`.
    #[error("device name must start with SEP, SIP or MGC")]
    BadPrefix,
}

/// A 48-bit Ethernet MAC address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Mac(pub [u8; 6]);

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

impl Mac {
    /// Parses `0030.94C2.D5CA` (Cisco dotted), `00:30:94:c2:d5:ca`, `00-30-94-C2-D5-CA` or
    /// `003094c2d5ca`; hex digits in any case.
    ///
    /// # Errors
    /// [`NameError::BadMac`] for anything else.
    pub fn parse(s: &str) -> Result<Self, NameError> {
        let b = s.as_bytes();
        let mut digits = [0u8; 12];
        let mut n = 0usize;
        match b.len() {
            12 => {
                for &c in b {
                    *digits.get_mut(n).ok_or(NameError::BadMac)? =
                        hex_val(c).ok_or(NameError::BadMac)?;
                    n += 1;
                }
            }
            14 => {
                // xxxx.xxxx.xxxx
                for (i, &c) in b.iter().enumerate() {
                    if i == 4 || i == 9 {
                        if c != b'.' {
                            return Err(NameError::BadMac);
                        }
                        continue;
                    }
                    *digits.get_mut(n).ok_or(NameError::BadMac)? =
                        hex_val(c).ok_or(NameError::BadMac)?;
                    n += 1;
                }
            }
            17 => {
                let sep = b.get(2).copied().ok_or(NameError::BadMac)?;
                if sep != b':' && sep != b'-' {
                    return Err(NameError::BadMac);
                }
                for (i, &c) in b.iter().enumerate() {
                    if i % 3 == 2 {
                        if c != sep {
                            return Err(NameError::BadMac);
                        }
                        continue;
                    }
                    *digits.get_mut(n).ok_or(NameError::BadMac)? =
                        hex_val(c).ok_or(NameError::BadMac)?;
                    n += 1;
                }
            }
            _ => return Err(NameError::BadMac),
        }
        if n != 12 {
            return Err(NameError::BadMac);
        }
        let mut mac = [0u8; 6];
        for (i, m) in mac.iter_mut().enumerate() {
            *m = (digits[2 * i] << 4) | digits[2 * i + 1];
        }
        Ok(Mac(mac))
    }

    /// The 12 upper-case hex digits used in file and device names.
    #[must_use]
    pub fn hex_upper(&self) -> [u8; 12] {
        let mut out = [0u8; 12];
        for (i, b) in self.0.iter().enumerate() {
            out[2 * i] = HEX_UPPER[usize::from(b >> 4)];
            out[2 * i + 1] = HEX_UPPER[usize::from(b & 0xf)];
        }
        out
    }
}

impl fmt::Display for Mac {
    /// Writes the name form: 12 upper-case hex digits, no separators.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = self.hex_upper();
        // hex_upper only produces ASCII.
        f.write_str(core::str::from_utf8(&hex).unwrap_or("000000000000"))
    }
}

impl core::str::FromStr for Mac {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Mac::parse(s)
    }
}

/// The three-letter prefix of a per-device name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Prefix {
    /// `SEP`: the device name of every Cisco phone, and its XML/old config file prefix.
    #[default]
    Sep,
    /// `SIP`: 7940/7960 SIP image text config (`SIP<MAC>.cnf`).
    Sip,
    /// `MGC`: 7940/7960 MGCP image config (`MGC<MAC>.cnf`).
    Mgc,
}

impl Prefix {
    /// The prefix as it appears in names.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Prefix::Sep => "SEP",
            Prefix::Sip => "SIP",
            Prefix::Mgc => "MGC",
        }
    }
}

/// A device name: a prefix and a MAC, written `SEP003094C2D5CA` (MAC always upper case).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct DeviceName {
    /// Prefix (`SEP` for the device name proper).
    pub prefix: Prefix,
    /// The MAC address.
    pub mac: Mac,
}

impl DeviceName {
    /// The `SEP` device name of a MAC.
    #[must_use]
    pub const fn sep(mac: Mac) -> Self {
        DeviceName {
            prefix: Prefix::Sep,
            mac,
        }
    }

    /// Parses `SEP003094C2D5CA` (also `SIP…`/`MGC…`, prefix and hex in any case) or any bare MAC
    /// form accepted by [`Mac::parse`] (then the prefix is `SEP`).
    ///
    /// # Errors
    /// [`NameError`] when neither form matches.
    pub fn parse(s: &str) -> Result<Self, NameError> {
        if let Ok(mac) = Mac::parse(s) {
            return Ok(DeviceName::sep(mac));
        }
        let (p, rest) = s.split_at_checked(3).ok_or(NameError::BadPrefix)?;
        let prefix = if p.eq_ignore_ascii_case("SEP") {
            Prefix::Sep
        } else if p.eq_ignore_ascii_case("SIP") {
            Prefix::Sip
        } else if p.eq_ignore_ascii_case("MGC") {
            Prefix::Mgc
        } else {
            return Err(NameError::BadPrefix);
        };
        if rest.len() != 12 {
            return Err(NameError::BadMac);
        }
        Ok(DeviceName {
            prefix,
            mac: Mac::parse(rest)?,
        })
    }
}

impl fmt::Display for DeviceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.prefix.as_str())?;
        fmt::Display::fmt(&self.mac, f)
    }
}

impl core::str::FromStr for DeviceName {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DeviceName::parse(s)
    }
}

/// Longest file name [`request_sequence`] produces (`SEP<MAC>.cnf.xml.enc.sgn` is 31).
pub const FILE_NAME_CAP: usize = 40;

/// A file name held inline (no allocation), as produced by [`request_sequence`].
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileName {
    buf: [u8; FILE_NAME_CAP],
    len: u8,
}

impl FileName {
    const EMPTY: FileName = FileName {
        buf: [0; FILE_NAME_CAP],
        len: 0,
    };

    fn build(parts: &[&[u8]]) -> Self {
        let mut f = FileName::EMPTY;
        let mut n = 0usize;
        for p in parts {
            for &b in *p {
                if let Some(slot) = f.buf.get_mut(n) {
                    *slot = b;
                    n += 1;
                }
            }
        }
        f.len = u8::try_from(n).unwrap_or(0);
        f
    }

    /// The name as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        let bytes = self.buf.get(..usize::from(self.len)).unwrap_or(&[]);
        // Only built from ASCII parts.
        core::str::from_utf8(bytes).unwrap_or("")
    }
}

impl fmt::Debug for FileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for FileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for FileName {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Which boot behaviour a phone has (`cnf-xml.md` §2.1–§2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Generation {
    /// Early 79xx SCCP images (CallManager 3.x): `OS79XX.TXT`, `SEP<MAC>.cnf`, `SEPDefault.cnf`.
    Legacy,
    /// 7940/7960 with the universal application loader: `CTLSEP<MAC>.tlv`, `SEP<MAC>.cnf.xml`,
    /// `SIP<MAC>.cnf`, `MGC<MAC>.cnf`, `XMLDefault.cnf.xml`; the first per-device file found
    /// decides the protocol.
    UniversalLoader,
    /// Java-based and later phones: CTL/ITL trust files, `SEP<MAC>.cnf.xml`, then `XMLDefault.cnf.xml`.
    #[default]
    Xml,
    /// 7940/7960 running the SIP image: `SIPDefault.cnf` then `SIP<MAC>.cnf`, both read.
    SipImage,
}

/// How a phone that holds a trust list asks for its configuration (`cnf-xml.md` §2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Security {
    /// No trust list: plain names.
    #[default]
    None,
    /// A trust list with a TFTP certificate: configuration files as `<name>.sgn`.
    Signed,
    /// Encrypted configuration: the device file as `SEP<MAC>.cnf.xml.enc.sgn`.
    Encrypted,
}

/// Inputs of [`request_sequence`] besides the MAC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BootProfile {
    /// The phone's generation.
    pub generation: Generation,
    /// Fetch trust files (`CTLSEP`, `ITLSEP`, `ITLFile`) first. Default: on for [`Generation::Xml`],
    /// `CTLSEP` only for [`Generation::UniversalLoader`], off for the others (`phone-boot.md` §1.7.3, proj).
    pub trust_files: bool,
    /// Signed or encrypted variants (only for [`Generation::Xml`]).
    pub security: Security,
    /// Ask for `OS79XX.TXT` first. Default: on for [`Generation::Legacy`], off otherwise (the
    /// universal loader asks for it only after a factory reset, `cnf-xml.md` §2.2).
    pub os79xx: bool,
}

impl BootProfile {
    /// The defaults of a generation.
    #[must_use]
    pub const fn new(generation: Generation) -> Self {
        BootProfile {
            generation,
            trust_files: matches!(generation, Generation::Xml | Generation::UniversalLoader),
            security: Security::None,
            os79xx: matches!(generation, Generation::Legacy),
        }
    }

    /// Same profile with another [`Security`].
    #[must_use]
    pub const fn with_security(mut self, security: Security) -> Self {
        self.security = security;
        self
    }

    /// Same profile with trust-file fetching switched on or off.
    #[must_use]
    pub const fn with_trust_files(mut self, on: bool) -> Self {
        self.trust_files = on;
        self
    }

    /// Same profile with the `OS79XX.TXT` request switched on or off.
    #[must_use]
    pub const fn with_os79xx(mut self, on: bool) -> Self {
        self.os79xx = on;
        self
    }
}

impl Default for BootProfile {
    fn default() -> Self {
        BootProfile::new(Generation::Xml)
    }
}

/// What a requested file is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FileRole {
    /// `OS79XX.TXT`: the image the universal loader should run.
    ImagePointer,
    /// `CTLSEP<MAC>.tlv`, `ITLSEP<MAC>.tlv`, `ITLFile.tlv`.
    TrustList,
    /// A per-device configuration of the given protocol family.
    DeviceConfig(ConfigFormat),
    /// A default (auto-registration) configuration.
    DefaultConfig(ConfigFormat),
}

/// Format of a configuration file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConfigFormat {
    /// `SEP<MAC>.cnf.xml` / `XMLDefault.cnf.xml` (SCCP or SIP, per `deviceProtocol`).
    Xml,
    /// Old CallManager binary-ish `SEP<MAC>.cnf` / `SEPDefault.cnf`, served as opaque bytes.
    OldSccp,
    /// 7940/7960 SIP text format (`SIPDefault.cnf`, `SIP<MAC>.cnf`).
    SipText,
    /// 7940/7960 MGCP (`MGC<MAC>.cnf`).
    Mgcp,
}

/// Where the sequence goes after a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Next {
    /// Request the next step of the sequence.
    Continue,
    /// Skip ahead: the next request is the step with this index.
    Goto(u8),
    /// The configuration is complete: stop requesting configuration files.
    Done,
    /// No configuration at all: the phone restarts its configuration process (DHCP again, TN-REG).
    Restart,
    /// The phone runs on the values stored in flash (SIP image without `SIP<MAC>.cnf`).
    UseFlash,
}

/// One request of a boot sequence and what its answer means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Step {
    /// The exact name requested.
    pub name: FileName,
    /// What the file is.
    pub role: FileRole,
    /// After the file was received.
    pub if_found: Next,
    /// After TFTP error 1 (file not found).
    pub if_missing: Next,
}

/// Maximum number of steps in any sequence.
pub const MAX_STEPS: usize = 8;

/// The fixed list of requests of one phone generation; iterate it or index it with [`get`](Self::get).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestSequence {
    steps: [Option<Step>; MAX_STEPS],
    len: u8,
    pos: u8,
}

impl RequestSequence {
    fn push(&mut self, name: FileName, role: FileRole, if_found: Next, if_missing: Next) {
        if let Some(slot) = self.steps.get_mut(usize::from(self.len)) {
            *slot = Some(Step {
                name,
                role,
                if_found,
                if_missing,
            });
            self.len += 1;
        }
    }

    /// Number of steps.
    #[must_use]
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// True when there are no steps (never for a sequence from [`request_sequence`]).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Step `i`, if any.
    #[must_use]
    pub fn get(&self, i: usize) -> Option<&Step> {
        self.steps.get(i).and_then(Option::as_ref)
    }

    /// Index of the step that follows step `i` for an answer (`found` or file not found);
    /// `Err(next)` when the answer ends the sequence ([`Next::Done`], [`Next::Restart`],
    /// [`Next::UseFlash`]).
    ///
    /// # Errors
    /// Returns the terminal [`Next`] as `Err` when there is no further request.
    pub fn after(&self, i: usize, found: bool) -> Result<usize, Next> {
        let Some(step) = self.get(i) else {
            return Err(Next::Restart);
        };
        match if found {
            step.if_found
        } else {
            step.if_missing
        } {
            Next::Continue if i + 1 < self.len() => Ok(i + 1),
            Next::Continue => Err(Next::Done),
            Next::Goto(j) if usize::from(j) < self.len() => Ok(usize::from(j)),
            Next::Goto(_) => Err(Next::Done),
            other => Err(other),
        }
    }
}

impl Iterator for RequestSequence {
    type Item = Step;
    fn next(&mut self) -> Option<Step> {
        let s = self.get(usize::from(self.pos)).copied();
        if s.is_some() {
            self.pos += 1;
        }
        s
    }
}

/// The exact TFTP requests a phone of `profile` with `mac` sends for its configuration, in
/// order, with the fallback of each. No allocation; the boot state machine and a TFTP server
/// both use this one function.
///
/// | generation | requests (`if missing` → ) |
/// |---|---|
/// | [`Generation::Legacy`] | `OS79XX.TXT` (→ next), `SEP<MAC>.cnf` (→ `SEPDefault.cnf`), `SEPDefault.cnf` (→ restart) |
/// | [`Generation::UniversalLoader`] | `CTLSEP<MAC>.tlv` (→ next), `SEP<MAC>.cnf.xml`, `SIP<MAC>.cnf`, `MGC<MAC>.cnf` (each → the next probe; found → done), `XMLDefault.cnf.xml` (→ restart) |
/// | [`Generation::Xml`] | `CTLSEP<MAC>.tlv` (→ next), `ITLSEP<MAC>.tlv` (→ `ITLFile.tlv`; found → skips it), `ITLFile.tlv` (→ next), `SEP<MAC>.cnf.xml` (→ `XMLDefault.cnf.xml`), `XMLDefault.cnf.xml` (→ restart) |
/// | [`Generation::SipImage`] | `SIPDefault.cnf` (found or missing → next: both are read), `SIP<MAC>.cnf` (→ flash values) |
///
/// With [`Security::Signed`] the two XML configuration names get `.sgn`
/// (`SEP<MAC>.cnf.xml.sgn`, `XMLDefault.cnf.xml.sgn`); with [`Security::Encrypted`] the
/// device file is `SEP<MAC>.cnf.xml.enc.sgn`. Trust files never get a suffix.
/// Sources: `cnf-xml.md` §2.1–§2.4, `phone-boot.md` §1.7.3.
///
/// ```
/// use dialtone_cnf_xml::names::{request_sequence, BootProfile, Generation, Mac, Next};
/// let mac = Mac::parse("0030.94C2.D5CA").unwrap();
/// let seq = request_sequence(mac, BootProfile::new(Generation::Xml));
/// let names: Vec<_> = seq.map(|s| s.name.as_str().to_owned()).collect();
/// assert_eq!(names, ["CTLSEP003094C2D5CA.tlv", "ITLSEP003094C2D5CA.tlv", "ITLFile.tlv",
///                    "SEP003094C2D5CA.cnf.xml", "XMLDefault.cnf.xml"]);
/// assert_eq!(seq.after(3, false), Ok(4)); // no device file: the default file
/// assert_eq!(seq.after(4, false), Err(Next::Restart));
/// ```
#[must_use]
pub fn request_sequence(mac: Mac, profile: BootProfile) -> RequestSequence {
    let hex = mac.hex_upper();
    let m: &[u8] = &hex;
    let mut seq = RequestSequence {
        steps: [None; MAX_STEPS],
        len: 0,
        pos: 0,
    };
    let n = FileName::build;
    if profile.os79xx {
        seq.push(
            n(&[b"OS79XX.TXT"]),
            FileRole::ImagePointer,
            Next::Continue,
            Next::Continue,
        );
    }
    // Every generation that reads trust files asks for its CTL first.
    if profile.trust_files && profile.generation != Generation::SipImage {
        seq.push(
            n(&[b"CTLSEP", m, b".tlv"]),
            FileRole::TrustList,
            Next::Continue,
            Next::Continue,
        );
    }
    match profile.generation {
        Generation::Legacy => {
            seq.push(
                n(&[b"SEP", m, b".cnf"]),
                FileRole::DeviceConfig(ConfigFormat::OldSccp),
                Next::Done,
                Next::Continue,
            );
            seq.push(
                n(&[b"SEPDefault.cnf"]),
                FileRole::DefaultConfig(ConfigFormat::OldSccp),
                Next::Done,
                Next::Restart,
            );
        }
        Generation::UniversalLoader => {
            seq.push(
                n(&[b"SEP", m, b".cnf.xml"]),
                FileRole::DeviceConfig(ConfigFormat::Xml),
                Next::Done,
                Next::Continue,
            );
            seq.push(
                n(&[b"SIP", m, b".cnf"]),
                FileRole::DeviceConfig(ConfigFormat::SipText),
                Next::Done,
                Next::Continue,
            );
            seq.push(
                n(&[b"MGC", m, b".cnf"]),
                FileRole::DeviceConfig(ConfigFormat::Mgcp),
                Next::Done,
                Next::Continue,
            );
            seq.push(
                n(&[b"XMLDefault.cnf.xml"]),
                FileRole::DefaultConfig(ConfigFormat::Xml),
                Next::Done,
                Next::Restart,
            );
        }
        Generation::Xml => {
            if profile.trust_files {
                // A per-MAC ITL overrides ITLFile.tlv: found -> skip it.
                let skip = seq.len + 2;
                seq.push(
                    n(&[b"ITLSEP", m, b".tlv"]),
                    FileRole::TrustList,
                    Next::Goto(skip),
                    Next::Continue,
                );
                seq.push(
                    n(&[b"ITLFile.tlv"]),
                    FileRole::TrustList,
                    Next::Continue,
                    Next::Continue,
                );
            }
            let (dev, def): (&[u8], &[u8]) = match profile.security {
                Security::None => (b"", b""),
                Security::Signed => (b".sgn", b".sgn"),
                Security::Encrypted => (b".enc.sgn", b".sgn"),
            };
            seq.push(
                n(&[b"SEP", m, b".cnf.xml", dev]),
                FileRole::DeviceConfig(ConfigFormat::Xml),
                Next::Done,
                Next::Continue,
            );
            seq.push(
                n(&[b"XMLDefault.cnf.xml", def]),
                FileRole::DefaultConfig(ConfigFormat::Xml),
                Next::Done,
                Next::Restart,
            );
        }
        Generation::SipImage => {
            seq.push(
                n(&[b"SIPDefault.cnf"]),
                FileRole::DefaultConfig(ConfigFormat::SipText),
                Next::Continue,
                Next::Continue,
            );
            seq.push(
                n(&[b"SIP", m, b".cnf"]),
                FileRole::DeviceConfig(ConfigFormat::SipText),
                Next::Done,
                Next::UseFlash,
            );
        }
    }
    seq
}

/// A configuration-related file name a phone requested, recognised case-insensitively
/// (server side of `cnf-xml.md` §2.5 and §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RequestedFile {
    /// `OS79XX.TXT`.
    Os79xx,
    /// `CTLSEP<MAC>.tlv`.
    CtlDevice(Mac),
    /// `CTLFile.tlv`.
    CtlFile,
    /// `ITLSEP<MAC>.tlv`.
    ItlDevice(Mac),
    /// `ITLFile.tlv`.
    ItlFile,
    /// A per-device file: `SEP<MAC>.cnf.xml`, `SEP<MAC>.cnf`, `SIP<MAC>.cnf`, `MGC<MAC>.cnf`.
    Device {
        /// The device the request names.
        name: DeviceName,
        /// Format implied by the name.
        format: ConfigFormat,
        /// The `.sgn` / `.enc.sgn` variant was asked for.
        security: Security,
    },
    /// `XMLDefault.cnf.xml`, `SEPDefault.cnf`, `SIPDefault.cnf`, `MGCDefault.cnf`.
    Default {
        /// Format implied by the name.
        format: ConfigFormat,
        /// The `.sgn` variant was asked for.
        security: Security,
    },
    /// `<load>.loads`; the load name without the extension.
    Loads,
}

fn strip_suffix_ci<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = s.len().checked_sub(suffix.len())?;
    let (head, tail) = s.split_at_checked(cut)?;
    tail.eq_ignore_ascii_case(suffix).then_some(head)
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let (head, tail) = s.split_at_checked(prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then_some(tail)
}

impl RequestedFile {
    /// Recognises a requested name (a leading `/` is ignored), or `None` for any other file.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        let name = name.strip_prefix('/').unwrap_or(name);
        if name.eq_ignore_ascii_case("OS79XX.TXT") {
            return Some(RequestedFile::Os79xx);
        }
        if name.eq_ignore_ascii_case("CTLFile.tlv") {
            return Some(RequestedFile::CtlFile);
        }
        if name.eq_ignore_ascii_case("ITLFile.tlv") {
            return Some(RequestedFile::ItlFile);
        }
        if let Some(tlv) = strip_suffix_ci(name, ".tlv") {
            if let Some(m) = strip_prefix_ci(tlv, "CTLSEP") {
                return Mac::parse(m).ok().map(RequestedFile::CtlDevice);
            }
            if let Some(m) = strip_prefix_ci(tlv, "ITLSEP") {
                return Mac::parse(m).ok().map(RequestedFile::ItlDevice);
            }
            return None;
        }
        if strip_suffix_ci(name, ".loads").is_some() {
            return Some(RequestedFile::Loads);
        }
        let (base, security) = if let Some(b) = strip_suffix_ci(name, ".enc.sgn") {
            (b, Security::Encrypted)
        } else if let Some(b) = strip_suffix_ci(name, ".sgn") {
            (b, Security::Signed)
        } else {
            (name, Security::None)
        };
        let (stem, xml) = if let Some(s) = strip_suffix_ci(base, ".cnf.xml") {
            (s, true)
        } else if let Some(s) = strip_suffix_ci(base, ".cnf") {
            (s, false)
        } else {
            return None;
        };
        if xml
            && (stem.eq_ignore_ascii_case("XMLDefault") || stem.eq_ignore_ascii_case("SEPDefault"))
        {
            return Some(RequestedFile::Default {
                format: ConfigFormat::Xml,
                security,
            });
        }
        if !xml {
            let format = if stem.eq_ignore_ascii_case("SEPDefault") {
                Some(ConfigFormat::OldSccp)
            } else if stem.eq_ignore_ascii_case("SIPDefault") {
                Some(ConfigFormat::SipText)
            } else if stem.eq_ignore_ascii_case("MGCDefault") {
                Some(ConfigFormat::Mgcp)
            } else {
                None
            };
            if let Some(format) = format {
                return Some(RequestedFile::Default { format, security });
            }
        }
        let dn = DeviceName::parse(stem).ok()?;
        if stem.len() != 15 {
            return None;
        }
        let format = match (dn.prefix, xml) {
            (Prefix::Sep, true) => ConfigFormat::Xml,
            (Prefix::Sep, false) => ConfigFormat::OldSccp,
            (Prefix::Sip, false) => ConfigFormat::SipText,
            (Prefix::Mgc, false) => ConfigFormat::Mgcp,
            _ => return None,
        };
        Some(RequestedFile::Device {
            name: dn,
            format,
            security,
        })
    }
}

/// True when the MAC part of a per-device file name (e.g. `SEPec44761f03f7.cnf.xml`) has
/// lower-case hex digits, which case-sensitive TFTP servers will not find (`phone-boot.md`
/// §1.7.3, `cnf-xml.md` §2.5).
#[must_use]
pub fn has_lower_case_mac(file_name: &str) -> bool {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let b = base.as_bytes();
    let start =
        if strip_prefix_ci(base, "CTLSEP").is_some() || strip_prefix_ci(base, "ITLSEP").is_some() {
            6
        } else if strip_prefix_ci(base, "SEP").is_some()
            || strip_prefix_ci(base, "SIP").is_some()
            || strip_prefix_ci(base, "MGC").is_some()
        {
            3
        } else {
            return false;
        };
    let Some(mac) = b.get(start..start + 12) else {
        return false;
    };
    let after = b.get(start + 12).copied();
    mac.iter().all(|c| c.is_ascii_hexdigit())
        && matches!(after, None | Some(b'.'))
        && mac.iter().any(u8::is_ascii_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;
    use std::vec::Vec;

    const MAC: Mac = Mac([0x00, 0x30, 0x94, 0xc2, 0xd5, 0xca]);

    #[test]
    fn parses_every_mac_layout_of_the_spec() {
        for s in [
            "0030.94C2.D5CA",
            "00:30:94:c2:d5:ca",
            "003094c2d5ca",
            "00-30-94-C2-D5-CA",
            "0030.94c2.d5ca",
        ] {
            assert_eq!(Mac::parse(s), Ok(MAC), "{s}");
        }
        for s in [
            "",
            "0030.94C2.D5C",
            "00:30:94:c2:d5:cg",
            "00:30-94:c2:d5:ca",
            "003094c2d5ca0",
        ] {
            assert!(Mac::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn device_name_is_sep_plus_upper_case_mac() {
        // phone-boot.md §1.1: 0030.94C2.D5CA -> SEP003094C2D5CA
        assert_eq!(DeviceName::sep(MAC).to_string(), "SEP003094C2D5CA");
        assert_eq!(
            DeviceName::parse("SEP003094C2D5CA"),
            Ok(DeviceName::sep(MAC))
        );
        assert_eq!(
            DeviceName::parse("sep003094c2d5ca")
                .map(|d| d.to_string())
                .as_deref(),
            Ok("SEP003094C2D5CA")
        );
        assert_eq!(
            DeviceName::parse("00:30:94:c2:d5:ca")
                .map(|d| d.to_string())
                .as_deref(),
            Ok("SEP003094C2D5CA")
        );
        assert_eq!(
            DeviceName::parse("SIP0015F92EC692").map(|d| d.prefix),
            Ok(Prefix::Sip)
        );
        assert!(DeviceName::parse("XYZ003094C2D5CA").is_err());
        assert!(DeviceName::parse("SEPMAC").is_err());
    }

    fn names(seq: RequestSequence) -> Vec<std::string::String> {
        seq.map(|s| s.name.as_str().to_string()).collect()
    }

    #[test]
    fn legacy_sequence_matches_the_tn_reg_trace() {
        let seq = request_sequence(MAC, BootProfile::new(Generation::Legacy));
        assert_eq!(
            names(seq),
            ["OS79XX.TXT", "SEP003094C2D5CA.cnf", "SEPDefault.cnf"]
        );
        assert_eq!(seq.after(0, false), Ok(1));
        assert_eq!(seq.after(1, true), Err(Next::Done));
        assert_eq!(seq.after(1, false), Ok(2));
        assert_eq!(seq.after(2, false), Err(Next::Restart));
    }

    #[test]
    fn universal_loader_probes_like_log_jh() {
        let seq = request_sequence(MAC, BootProfile::new(Generation::UniversalLoader));
        assert_eq!(
            names(seq),
            [
                "CTLSEP003094C2D5CA.tlv",
                "SEP003094C2D5CA.cnf.xml",
                "SIP003094C2D5CA.cnf",
                "MGC003094C2D5CA.cnf",
                "XMLDefault.cnf.xml"
            ]
        );
        assert_eq!(seq.after(1, false), Ok(2));
        assert_eq!(seq.after(2, true), Err(Next::Done));
        assert_eq!(seq.after(3, false), Ok(4));
        assert_eq!(seq.after(4, false), Err(Next::Restart));
        let with_os = request_sequence(
            MAC,
            BootProfile::new(Generation::UniversalLoader).with_os79xx(true),
        );
        assert_eq!(with_os.get(0).map(|s| s.name.as_str()), Some("OS79XX.TXT"));
    }

    #[test]
    fn xml_phone_sequence_matches_log_wm() {
        let seq = request_sequence(MAC, BootProfile::new(Generation::Xml));
        assert_eq!(
            names(seq),
            [
                "CTLSEP003094C2D5CA.tlv",
                "ITLSEP003094C2D5CA.tlv",
                "ITLFile.tlv",
                "SEP003094C2D5CA.cnf.xml",
                "XMLDefault.cnf.xml"
            ]
        );
        // All trust files missing: straight on to the device file.
        assert_eq!(seq.after(0, false), Ok(1));
        assert_eq!(seq.after(1, false), Ok(2));
        assert_eq!(seq.after(2, false), Ok(3));
        // A per-MAC ITL overrides ITLFile.tlv.
        assert_eq!(seq.after(1, true), Ok(3));
        assert_eq!(seq.after(3, true), Err(Next::Done));
        assert_eq!(seq.after(3, false), Ok(4));
        assert_eq!(seq.after(4, false), Err(Next::Restart));
        assert_eq!(seq.after(9, false), Err(Next::Restart));
        let no_trust = request_sequence(
            MAC,
            BootProfile::new(Generation::Xml).with_trust_files(false),
        );
        assert_eq!(
            names(no_trust),
            ["SEP003094C2D5CA.cnf.xml", "XMLDefault.cnf.xml"]
        );
    }

    #[test]
    fn signed_and_encrypted_variants() {
        let p = BootProfile::new(Generation::Xml).with_trust_files(false);
        let signed = request_sequence(MAC, p.with_security(Security::Signed));
        assert_eq!(
            names(signed),
            ["SEP003094C2D5CA.cnf.xml.sgn", "XMLDefault.cnf.xml.sgn"]
        );
        let enc = request_sequence(MAC, p.with_security(Security::Encrypted));
        assert_eq!(
            names(enc),
            ["SEP003094C2D5CA.cnf.xml.enc.sgn", "XMLDefault.cnf.xml.sgn"]
        );
        let with_trust = request_sequence(
            MAC,
            BootProfile::new(Generation::Xml).with_security(Security::Signed),
        );
        assert_eq!(
            with_trust.get(0).map(|s| s.name.as_str()),
            Some("CTLSEP003094C2D5CA.tlv")
        );
    }

    #[test]
    fn sip_image_reads_both_files() {
        let seq = request_sequence(MAC, BootProfile::new(Generation::SipImage));
        assert_eq!(names(seq), ["SIPDefault.cnf", "SIP003094C2D5CA.cnf"]);
        // Found or not, SIPDefault.cnf is followed by SIP<MAC>.cnf.
        assert_eq!(seq.after(0, true), Ok(1));
        assert_eq!(seq.after(0, false), Ok(1));
        assert_eq!(seq.after(1, false), Err(Next::UseFlash));
        assert_eq!(seq.after(1, true), Err(Next::Done));
    }

    #[test]
    fn recognises_requested_names_case_insensitively() {
        let dev = DeviceName::sep(MAC);
        assert_eq!(
            RequestedFile::parse("SEP003094C2D5CA.cnf.xml"),
            Some(RequestedFile::Device {
                name: dev,
                format: ConfigFormat::Xml,
                security: Security::None
            })
        );
        assert_eq!(
            RequestedFile::parse("sep003094c2d5ca.cnf.xml.sgn"),
            Some(RequestedFile::Device {
                name: dev,
                format: ConfigFormat::Xml,
                security: Security::Signed
            })
        );
        assert_eq!(
            RequestedFile::parse("SEPDEFAULT.cnf"),
            Some(RequestedFile::Default {
                format: ConfigFormat::OldSccp,
                security: Security::None
            })
        );
        assert_eq!(
            RequestedFile::parse("/OS79XX.TXT"),
            Some(RequestedFile::Os79xx)
        );
        assert_eq!(
            RequestedFile::parse("ITLFile.tlv"),
            Some(RequestedFile::ItlFile)
        );
        assert_eq!(
            RequestedFile::parse("CTLSEP003094C2D5CA.tlv"),
            Some(RequestedFile::CtlDevice(MAC))
        );
        assert_eq!(
            RequestedFile::parse("P0S3-8-12-00.loads"),
            Some(RequestedFile::Loads)
        );
        assert_eq!(RequestedFile::parse("mk-sip.jar"), None);
        assert_eq!(RequestedFile::parse("SEPMAC.cnf.xml"), None);
        // Every name a sequence produces is recognised.
        for g in [
            Generation::Legacy,
            Generation::UniversalLoader,
            Generation::Xml,
            Generation::SipImage,
        ] {
            for s in request_sequence(MAC, BootProfile::new(g)) {
                assert!(
                    RequestedFile::parse(s.name.as_str()).is_some(),
                    "{:?}",
                    s.name
                );
            }
        }
    }

    #[test]
    fn flags_lower_case_mac_in_file_names() {
        assert!(has_lower_case_mac("SEPec44761f03f7.cnf.xml"));
        assert!(!has_lower_case_mac("SEPEC44761F03F7.cnf.xml"));
        assert!(!has_lower_case_mac("SEPMAC.cnf.xml"));
        assert!(!has_lower_case_mac("XMLDefault.cnf.xml"));
        assert!(has_lower_case_mac("tftp/SIP0015f92ec692.cnf"));
    }
}
