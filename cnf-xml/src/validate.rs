//! Checks for the configuration mistakes the troubleshooting sources describe
//! (`phone-boot.md` §1.7.3–§1.7.5, `cnf-xml.md` §4–§6).

use alloc::vec::Vec;
use core::fmt;

use crate::load::{LoadForm, LoadId};
use crate::model::{Document, Protocol, RootKind};
use crate::xml::RepairKind;

/// A phone model number (`7962`, `8845`, `6921`), as far as checks need one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Model(pub u32);

/// Device type numbers (`loadInformationN`, SCCP `Register`) → model (`cnf-xml.md` §5 table).
const DEVICE_TYPES: &[(u32, u32)] = &[
    (6, 7910),
    (7, 7960),
    (8, 7940),
    (9, 7935),
    (20000, 7905),
    (30002, 7920),
    (30006, 7970),
    (30007, 7912),
    (30008, 7902),
    (30018, 7961),
    (30019, 7936),
    (115, 7941),
    (119, 7971),
    (302, 7985),
    (307, 7911),
    (308, 7961),
    (309, 7941),
    (348, 7931),
    (365, 7921),
    (369, 7906),
    (404, 7962),
    (412, 3951),
    (431, 7937),
    (434, 7942),
    (435, 7945),
    (436, 7965),
    (437, 7975),
    (484, 7925),
    (493, 9971),
    (495, 6921),
    (496, 6941),
    (497, 6961),
    (537, 9951),
    (540, 8961),
    (547, 6901),
    (548, 6911),
    (564, 6945),
    (577, 7926),
    (585, 8945),
    (586, 8941),
    (592, 3905),
    (621, 7821),
    (622, 7841),
    (623, 7861),
    (659, 8831),
    (683, 8841),
    (684, 8851),
    (685, 8861),
    (36217, 8811),
];

impl Model {
    /// The model of a device type number, when known.
    #[must_use]
    pub fn from_device_type(device_type: u32) -> Option<Model> {
        DEVICE_TYPES
            .iter()
            .find(|(t, _)| *t == device_type)
            .map(|&(_, m)| Model(m))
    }
}

/// Two-digit family code of the 79x1/79x2/79x5/797x/7906/7911/7931 load names (`cnf-xml.md` §6.1).
fn family_code(model: u32) -> Option<&'static str> {
    Some(match model {
        7941 | 7961 => "41",
        7942 | 7962 => "42",
        7945 | 7965 => "45",
        7970 | 7971 => "70",
        7975 => "75",
        7906 | 7911 => "11",
        7931 => "31",
        _ => return None,
    })
}

/// Does the load name fit the model? `None` when the rule does not know the name or model.
#[must_use]
pub fn load_matches_model(load: &str, model: Model) -> Option<bool> {
    let id = LoadId::parse(load);
    let m = model.0;
    match id.form() {
        LoadForm::Empty | LoadForm::Opaque => None,
        LoadForm::Compact => {
            // P0x3 = 7940/7960, P005 = 7935, S001 = 7914 module
            let p = id.prefix().to_ascii_uppercase();
            let fam = match (p.as_bytes().first(), p.as_bytes().get(3)) {
                (Some(b'P'), Some(b'3')) => &[7940u32, 7960][..],
                (Some(b'P'), Some(b'5')) => &[7935][..],
                _ => return None,
            };
            Some(fam.contains(&m))
        }
        LoadForm::Dated => {
            let p = id.prefix();
            let num: u32 = p.get(2..6)?.parse().ok()?;
            Some(num == m)
        }
        LoadForm::Indirect => {
            let code = id.name().get(4..6)?;
            Some(family_code(m)? == code)
        }
        LoadForm::Split => {
            let p = id.prefix().to_ascii_lowercase();
            if p == "p0s3" || p == "p003" || p == "p0m3" {
                return Some(m == 7940 || m == 7960);
            }
            let code = ["cmterm_", "sccp", "sip", "term", "cp"]
                .iter()
                .find_map(|pre| p.strip_prefix(pre))
                .unwrap_or(&p);
            let code: alloc::string::String = code
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if code.len() == 2 && code.bytes().all(|b| b.is_ascii_digit()) {
                return family_code(m).map(|c| c == code);
            }
            // `69xx`, `88xx`, `78xx`: the series
            if let Some(series) = code.strip_suffix("xx") {
                return Some(alloc::format!("{m}").starts_with(series));
            }
            // `8845_65` (8845 and 8865), `8941_8945`, `7921g`, `8961`
            let ms = alloc::format!("{m}");
            let parts: Vec<alloc::string::String> = code
                .split('_')
                .map(|part| part.chars().filter(char::is_ascii_digit).collect())
                .collect();
            let base = parts.first().cloned().unwrap_or_default();
            let mut known = false;
            for d in &parts {
                let full = if d.len() < base.len() {
                    alloc::format!("{}{d}", base.get(..base.len() - d.len()).unwrap_or(""))
                } else {
                    d.clone()
                };
                if full.len() == 4 {
                    known = true;
                }
                if full == ms {
                    return Some(true);
                }
            }
            known.then_some(false)
        }
    }
}

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing (a repair the phone also makes).
    Warning,
    /// The phone will not register or will not find its file.
    Error,
}

/// A validation finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Finding<'d> {
    /// The file needed a lenient repair to be read.
    Repaired {
        /// The repair.
        kind: RepairKind<'d>,
        /// Byte offset.
        offset: usize,
    },
    /// No CallManager group or no member in it: the phone has nowhere to register.
    NoCallManager,
    /// Two members share a priority (the phone's order between them is the document order).
    DuplicatePriority(u32),
    /// A member without `@priority`.
    MissingPriority,
    /// A member whose `processNodeName` is empty (device files).
    EmptyCallManagerHost,
    /// A per-device file without `devicePool`.
    NoDevicePool,
    /// The MAC part of the file name is lower case (case-sensitive TFTP servers miss it).
    LowerCaseMac,
    /// The load does not fit the model.
    LoadModelMismatch {
        /// The load name.
        load: &'d str,
        /// The model.
        model: Model,
    },
    /// `deviceProtocol` is SCCP but the file has a `sipProfile`.
    SipProfileOnSccp,
    /// `deviceProtocol` is SIP but the file has no `sipProfile`.
    SipWithoutSipProfile,
    /// The load is a SIP load on an SCCP device or the other way round.
    LoadProtocolMismatch {
        /// The load name.
        load: &'d str,
        /// The device's protocol.
        protocol: Protocol,
    },
}

impl Finding<'_> {
    /// Severity.
    #[must_use]
    pub fn severity(&self) -> Severity {
        match self {
            Finding::NoCallManager | Finding::NoDevicePool | Finding::LowerCaseMac => {
                Severity::Error
            }
            _ => Severity::Warning,
        }
    }
}

impl fmt::Display for Finding<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::Repaired { kind, .. } => write!(f, "repaired: {kind:?}"),
            Finding::NoCallManager => f.write_str("no CallManager in the group"),
            Finding::DuplicatePriority(p) => write!(f, "two members with priority {p}"),
            Finding::MissingPriority => f.write_str("member without priority"),
            Finding::EmptyCallManagerHost => f.write_str("member with empty processNodeName"),
            Finding::NoDevicePool => f.write_str("no devicePool"),
            Finding::LowerCaseMac => f.write_str("lower-case MAC in the file name"),
            Finding::LoadModelMismatch { load, model } => {
                write!(f, "load {load} does not fit model {}", model.0)
            }
            Finding::SipProfileOnSccp => f.write_str("sipProfile on an SCCP device"),
            Finding::SipWithoutSipProfile => f.write_str("SIP device without sipProfile"),
            Finding::LoadProtocolMismatch { load, protocol } => {
                write!(f, "load {load} is not a {} load", protocol.as_str())
            }
        }
    }
}

/// The protocol a load name implies, when it says.
#[must_use]
pub fn load_protocol(load: &str) -> Option<Protocol> {
    let id = LoadId::parse(load);
    let p = id.prefix().to_ascii_uppercase();
    match id.form() {
        LoadForm::Compact | LoadForm::Split if p.len() == 4 && p.starts_with("P0") => {
            match p.as_bytes().get(2) {
                Some(b'0') => Some(Protocol::Sccp),
                Some(b'S') => Some(Protocol::Sip),
                _ => None,
            }
        }
        LoadForm::Split if p.starts_with("SCCP") => Some(Protocol::Sccp),
        LoadForm::Split if p.starts_with("SIP") => Some(Protocol::Sip),
        LoadForm::Dated => {
            let n = id.name().to_ascii_uppercase();
            if n.contains("SCCP") {
                Some(Protocol::Sccp)
            } else if n.contains("SIP") {
                Some(Protocol::Sip)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Validates a parsed document. `file_name` is the name it is stored under (for the MAC
/// case check); `model` is the phone's model when known (per-device files carry none;
/// `loadInformationN` entries of a default file are checked against their own device type).
#[must_use]
pub fn validate<'d>(
    doc: &'d Document<'_>,
    file_name: Option<&str>,
    model: Option<Model>,
) -> Vec<Finding<'d>> {
    let mut out = Vec::new();
    for r in &doc.repairs {
        out.push(Finding::Repaired {
            kind: r.kind,
            offset: r.offset,
        });
    }
    if file_name.is_some_and(crate::names::has_lower_case_mac) {
        out.push(Finding::LowerCaseMac);
    }
    let cfg = &doc.config;
    if doc.root == RootKind::Device && cfg.device_pool.is_none() {
        out.push(Finding::NoDevicePool);
    }
    let cms = cfg.call_managers();
    if cms.is_empty() {
        out.push(Finding::NoCallManager);
    }
    let mut seen: Vec<u32> = Vec::new();
    for c in &cms {
        match c.priority {
            Some(p) if seen.contains(&p) => {
                if !out.contains(&Finding::DuplicatePriority(p)) {
                    out.push(Finding::DuplicatePriority(p));
                }
            }
            Some(p) => seen.push(p),
            None => out.push(Finding::MissingPriority),
        }
        if doc.root == RootKind::Device && c.host().is_empty() {
            out.push(Finding::EmptyCallManagerHost);
        }
    }
    let protocol = cfg.protocol();
    match (protocol, cfg.sip_profile.is_some()) {
        (Some(Protocol::Sccp), true) => out.push(Finding::SipProfileOnSccp),
        (Some(Protocol::Sip), false) if doc.root == RootKind::Device => {
            out.push(Finding::SipWithoutSipProfile)
        }
        _ => {}
    }
    for li in &cfg.load_information {
        let load = li.name();
        if load.is_empty() {
            continue;
        }
        if let (Some(p), Some(lp)) = (protocol, load_protocol(load)) {
            if p != lp {
                out.push(Finding::LoadProtocolMismatch { load, protocol: p });
            }
        }
        let m = match li.device_type {
            Some(t) => Model::from_device_type(t),
            None => model,
        };
        if let Some(m) = m {
            if load_matches_model(load, m) == Some(false) {
                out.push(Finding::LoadModelMismatch { load, model: m });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_model_rules() {
        let m = |n| Model(n);
        assert_eq!(load_matches_model("SIP42.9-4-2SR3-1S", m(7962)), Some(true));
        assert_eq!(
            load_matches_model("SIP42.9-4-2SR3-1S", m(7961)),
            Some(false)
        );
        assert_eq!(
            load_matches_model("SCCP41.9-4-2SR3-1S", m(7941)),
            Some(true)
        );
        assert_eq!(load_matches_model("SIP11.9-4-2SR1-1S", m(7911)), Some(true));
        assert_eq!(load_matches_model("P0S3-8-12-00", m(7960)), Some(true));
        assert_eq!(load_matches_model("P00308010200", m(7940)), Some(true));
        assert_eq!(load_matches_model("P0S3-8-12-00", m(7962)), Some(false));
        assert_eq!(load_matches_model("SIP69xx.9-3-3-2", m(6921)), Some(true));
        assert_eq!(load_matches_model("SIP69xx.9-3-3-2", m(7962)), Some(false));
        assert_eq!(
            load_matches_model("sip88xx.12-0-7MPP0201-66", m(8861)),
            Some(true)
        );
        assert_eq!(
            load_matches_model("sip8845_65.12-8-1-0001-455", m(8865)),
            Some(true)
        );
        assert_eq!(
            load_matches_model("sip8845_65.12-8-1-0001-455", m(8845)),
            Some(true)
        );
        assert_eq!(
            load_matches_model("sip8845_65.12-8-1-0001-455", m(8861)),
            Some(false)
        );
        assert_eq!(
            load_matches_model("CP7912080004SCCP080108A", m(7912)),
            Some(true)
        );
        assert_eq!(
            load_matches_model("CP7912080004SCCP080108A", m(7905)),
            Some(false)
        );
        assert_eq!(load_matches_model("term41.default", m(7961)), Some(true));
        assert_eq!(load_matches_model("sip8961.9-4-1-9", m(8961)), Some(true));
        assert_eq!(load_matches_model("A001C030", m(7961)), None);
    }

    #[test]
    fn load_protocols() {
        assert_eq!(load_protocol("P0S3-8-12-00"), Some(Protocol::Sip));
        assert_eq!(load_protocol("P00308010200"), Some(Protocol::Sccp));
        assert_eq!(load_protocol("SCCP41.9-4-2SR3-1S"), Some(Protocol::Sccp));
        assert_eq!(
            load_protocol("sip88xx.12-0-7MPP0201-66"),
            Some(Protocol::Sip)
        );
        assert_eq!(load_protocol("CP7912080000SIP060111A"), Some(Protocol::Sip));
        assert_eq!(load_protocol("term41.default"), None);
    }
}
