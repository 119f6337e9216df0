//! Enumerations with an `Unknown(u32)` fallback (`sccp.md` §3,
//! `phone-boot.md` §2.5): a new value never breaks decoding.

macro_rules! u32_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $n:literal => $label:literal,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vm])* $v,)*
            /// A value this crate does not name.
            Unknown(u32),
        }

        impl From<u32> for $name {
            fn from(v: u32) -> Self {
                match v {
                    $($n => $name::$v,)*
                    other => $name::Unknown(other),
                }
            }
        }

        impl From<$name> for u32 {
            fn from(v: $name) -> u32 {
                match v {
                    $($name::$v => $n,)*
                    $name::Unknown(other) => other,
                }
            }
        }

        impl $name {
            /// Every named value.
            pub const ALL: &'static [$name] = &[$($name::$v),*];

            /// Human-readable name (`None` for `Unknown`).
            #[must_use]
            pub fn name(&self) -> Option<&'static str> {
                match self {
                    $($name::$v => Some($label),)*
                    $name::Unknown(_) => None,
                }
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "unknown ({})", u32::from(*self)),
                }
            }
        }
    };
}

u32_enum!(
    /// Device type in Register, RegisterTokenReq and MediaResourceNotification (§3.1).
    DeviceType {
        /// 30SP+.
        Station30SpPlus = 1 => "30SP+",
        /// 12SP+.
        Station12SpPlus = 2 => "12SP+",
        /// 12SP.
        Station12Sp = 3 => "12SP",
        /// 12.
        Station12 = 4 => "12",
        /// 30 VIP.
        Station30Vip = 5 => "30 VIP",
        /// 7910.
        Cisco7910 = 6 => "7910",
        /// 7960.
        Cisco7960 = 7 => "7960",
        /// 7940.
        Cisco7940 = 8 => "7940",
        /// 7935.
        Cisco7935 = 9 => "7935",
        /// VGC virtual phone.
        Vgc = 10 => "VGC",
        /// ATA 186.
        Ata186 = 12 => "ATA 186",
        /// ATA 188.
        Ata188 = 13 => "ATA 188",
        /// Virtual 30SP+.
        Virtual30SpPlus = 20 => "Virtual 30SP+",
        /// Analog access gateway.
        AnalogAccess = 30 => "Analog Access",
        /// Digital access (PRI).
        DigitalAccessPri = 40 => "Digital Access PRI",
        /// Digital access (T1).
        DigitalAccessT1 = 41 => "Digital Access T1",
        /// Digital access (T1 PRI).
        DigitalAccessTitan1 = 42 => "Digital Access Titan1",
        /// Digital access (Lennon).
        DigitalAccessLennon = 43 => "Digital Access Lennon",
        /// Analog access (Elvis).
        AnalogAccessElvis = 47 => "Analog Access Elvis",
        /// Conference bridge.
        ConferenceBridge = 50 => "Conference Bridge",
        /// Conference bridge (Yoko).
        ConferenceBridgeYoko = 51 => "Conference Bridge Yoko",
        /// Conference bridge (DixieLand, IOS DSP farm).
        ConferenceBridgeDixieLand = 52 => "Conference Bridge DixieLand",
        /// Conference bridge (Summit).
        ConferenceBridgeSummit = 53 => "Conference Bridge Summit",
        /// Music on hold.
        MusicOnHold = 70 => "Music On Hold",
        /// Media termination point.
        Mtp = 110 => "MTP",
        /// Media termination point (Yoko).
        MtpYoko = 111 => "MTP Yoko",
        /// Media termination point (DixieLand).
        MtpDixieLand = 112 => "MTP DixieLand",
        /// Media termination point (Summit).
        MtpSummit = 113 => "MTP Summit",
        /// 7941.
        Cisco7941 = 115 => "7941",
        /// 7971.
        Cisco7971 = 119 => "7971",
        /// 7914 add-on.
        Cisco7914 = 124 => "7914",
        /// Annunciator.
        Annunciator = 126 => "Annunciator",
        /// 7915 add-on, 12 buttons.
        Cisco7915_12 = 227 => "7915 12",
        /// 7915 add-on, 24 buttons.
        Cisco7915_24 = 228 => "7915 24",
        /// 7916 add-on, 12 buttons.
        Cisco7916_12 = 229 => "7916 12",
        /// 7916 add-on, 24 buttons.
        Cisco7916_24 = 230 => "7916 24",
        /// Nokia E series.
        NokiaE = 275 => "Nokia E",
        /// 7985.
        Cisco7985 = 302 => "7985",
        /// 7911.
        Cisco7911 = 307 => "7911",
        /// 7961 GE.
        Cisco7961Ge = 308 => "7961 GE",
        /// 7941 GE.
        Cisco7941Ge = 309 => "7941 GE",
        /// 7931.
        Cisco7931 = 348 => "7931",
        /// 7921.
        Cisco7921 = 365 => "7921",
        /// 7906.
        Cisco7906 = 369 => "7906",
        /// Nokia ICC client.
        NokiaIcc = 376 => "Nokia ICC",
        /// 7962.
        Cisco7962 = 404 => "7962",
        /// 7937.
        Cisco7937 = 431 => "7937",
        /// 7942.
        Cisco7942 = 434 => "7942",
        /// 7945.
        Cisco7945 = 435 => "7945",
        /// 7965.
        Cisco7965 = 436 => "7965",
        /// 7975.
        Cisco7975 = 437 => "7975",
        /// 7925.
        Cisco7925 = 484 => "7925",
        /// 6921.
        Cisco6921 = 495 => "6921",
        /// 6941.
        Cisco6941 = 496 => "6941",
        /// 6961.
        Cisco6961 = 497 => "6961",
        /// 6901.
        Cisco6901 = 547 => "6901",
        /// 6911.
        Cisco6911 = 548 => "6911",
        /// 6945.
        Cisco6945 = 564 => "6945",
        /// 7926.
        Cisco7926 = 577 => "7926",
        /// 8945.
        Cisco8945 = 585 => "8945",
        /// 8941.
        Cisco8941 = 586 => "8941",
        /// 7905.
        Cisco7905 = 20000 => "7905",
        /// 7920.
        Cisco7920 = 30002 => "7920",
        /// 7970.
        Cisco7970 = 30006 => "7970",
        /// 7912.
        Cisco7912 = 30007 => "7912",
        /// 7902.
        Cisco7902 = 30008 => "7902",
        /// Cisco IP Communicator.
        IpCommunicator = 30016 => "IP Communicator",
        /// 7961.
        Cisco7961 = 30018 => "7961",
        /// 7936 conference station.
        Cisco7936 = 30019 => "7936",
        /// SCCP analog gateway port.
        AnalogGatewayPort = 30027 => "SCCP Analog Gateway",
        /// SCCP BRI gateway port.
        BriGatewayPort = 30028 => "SCCP BRI Gateway",
        /// SPA 521S (SPCP).
        Spa521s = 80000 => "SPA521S",
        /// SPA 502G (SPCP).
        Spa502g = 80003 => "SPA502G",
        /// SPA 504G (SPCP).
        Spa504g = 80004 => "SPA504G",
        /// SPA 525G (SPCP).
        Spa525g = 80005 => "SPA525G",
        /// SPA 509G (SPCP).
        Spa509g = 80007 => "SPA509G",
        /// SPA 525G2 (SPCP).
        Spa525g2 = 80009 => "SPA525G2",
        /// SPA 303G (SPCP).
        Spa303g = 80011 => "SPA303G",
    }
);

impl DeviceType {
    /// Parses a model name as users write it: `"7960"`, `"CP-7960G"`,
    /// `"7961G-GE"`, `"ATA186"`, `"SPA525G2"`, `"IP Communicator"`, or a
    /// plain number (`"436"`). Case, a `CP-`/`Cisco ` prefix and a trailing
    /// `G` are ignored; `"7961G-GE"` and `"7961 GE"` give [`DeviceType::Cisco7961Ge`].
    #[must_use]
    pub fn from_model(model: &str) -> Option<DeviceType> {
        let mut buf = [0u8; 32];
        let mut n = 0;
        let m = model.trim();
        let m = strip_prefix_ci(m, "cisco").unwrap_or(m).trim_start();
        let m = strip_prefix_ci(m, "cp-").unwrap_or(m);
        for c in m.bytes() {
            if c.is_ascii_alphanumeric() {
                *buf.get_mut(n)? = c.to_ascii_uppercase();
                n += 1;
            }
        }
        let norm = buf.get(..n)?;
        if let Ok(s) = core::str::from_utf8(norm) {
            if !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()) {
                if let Ok(v) = s.parse::<u32>() {
                    // A bare model number such as 7960 or a numeric value.
                    if let Some(t) = Self::ALL.iter().find(|t| t.name() == Some(s)) {
                        return Some(*t);
                    }
                    return Some(DeviceType::from(v));
                }
            }
        }
        Self::ALL.iter().copied().find(|t| {
            let Some(name) = t.name() else { return false };
            model_eq(norm, name)
        })
    }
}

fn strip_prefix_ci<'s>(s: &'s str, p: &str) -> Option<&'s str> {
    let head = s.get(..p.len())?;
    head.eq_ignore_ascii_case(p)
        .then(|| s.get(p.len()..))
        .flatten()
}

/// Compares a normalised model (`7961GGE`) with a label (`7961 GE`),
/// ignoring separators and a `G` suffix after the digits.
fn model_eq(norm: &[u8], label: &str) -> bool {
    let mut lab = [0u8; 32];
    let mut n = 0;
    for c in label.bytes() {
        if c.is_ascii_alphanumeric() {
            if let Some(d) = lab.get_mut(n) {
                *d = c.to_ascii_uppercase();
                n += 1;
            }
        }
    }
    let lab = lab.get(..n).unwrap_or(&[]);
    if norm == lab {
        return true;
    }
    // "7960G" == "7960", "7961GGE" == "7961GE"
    let digits = norm.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 4 && norm.get(digits) == Some(&b'G') {
        let (head, tail) = norm.split_at(digits);
        let tail = tail.get(1..).unwrap_or(&[]);
        return lab.len() == head.len() + tail.len()
            && lab.starts_with(head)
            && lab.ends_with(tail);
    }
    false
}

u32_enum!(
    /// Reset type (§3.3).
    ResetType {
        /// Power-cycle.
        Reset = 1 => "Reset",
        /// Restart.
        Restart = 2 => "Restart",
        /// Apply configuration.
        ApplyConfig = 3 => "Apply Config",
    }
);

u32_enum!(
    /// Alarm severity (§3.4).
    AlarmSeverity {
        /// Critical.
        Critical = 0 => "Critical",
        /// Warning.
        Warning = 1 => "Warning",
        /// Informational.
        Informational = 2 => "Informational",
        /// Unknown severity (a named value, 4).
        UnknownSeverity = 4 => "Unknown",
        /// Major.
        Major = 7 => "Major",
        /// Minor.
        Minor = 8 => "Minor",
        /// Marginal.
        Marginal = 10 => "Marginal",
        /// Trace info.
        TraceInfo = 20 => "TraceInfo",
    }
);

u32_enum!(
    /// UnregisterAck status (§3.14).
    UnregisterStatus {
        /// Ok: the CM will close the connection.
        Ok = 0 => "Ok",
        /// Error.
        Error = 1 => "Error",
        /// Not acknowledged (e.g. an active call).
        Nak = 2 => "NAK",
    }
);

u32_enum!(
    /// Unregister reason (§3.14).
    UnregisterReason {
        /// Unknown.
        Unspecified = 0 => "Unknown",
        /// Power-save mode.
        PowerSaveMode = 1 => "PowerSaveMode",
    }
);

u32_enum!(
    /// SCCP protocol versions (§3.2). Negotiation: [`crate::negotiate_version`].
    ProtocolVersion {
        /// 3.
        V3 = 3 => "3",
        /// 5.
        V5 = 5 => "5",
        /// 8.
        V8 = 8 => "8",
        /// 9.
        V9 = 9 => "9",
        /// 10.
        V10 = 10 => "10",
        /// 11.
        V11 = 11 => "11",
        /// 15.
        V15 = 15 => "15",
        /// 16.
        V16 = 16 => "16",
        /// 17.
        V17 = 17 => "17",
        /// 18.
        V18 = 18 => "18",
        /// 19.
        V19 = 19 => "19",
        /// 20.
        V20 = 20 => "20",
        /// 21.
        V21 = 21 => "21",
        /// 22.
        V22 = 22 => "22",
    }
);

u32_enum!(
    /// Why a registrar rejects a Register (`phone-boot.md` §2.5). The number
    /// is the `CcmDevRegFailCauseCode` (CISCO-CCM-MIB); [`RejectReason::text`]
    /// is what the RegisterReject carries.
    RejectReason {
        /// unknown (1), with the project's sub-reason "unsupported model".
        UnsupportedModel = 1 => "unsupportedModel",
        /// noEntryInDatabase (2).
        NoEntryInDatabase = 2 => "noEntryInDatabase",
        /// databaseConfigurationError (3).
        DatabaseConfigurationError = 3 => "databaseConfigurationError",
        /// maxDevRegExceeded (5).
        MaxDevRegExceeded = 5 => "maxDevRegExceeded",
        /// malformedRegisterMsg (14).
        MalformedRegisterMsg = 14 => "malformedRegisterMsg",
        /// protocolMismatch (15).
        ProtocolMismatch = 15 => "protocolMismatch",
        /// deviceNotActive (16).
        DeviceNotActive = 16 => "deviceNotActive",
        /// obsoleteProtocolVersion (18).
        ObsoleteProtocolVersion = 18 => "obsoleteProtocolVersion",
        /// deviceTypeMismatch (32).
        DeviceTypeMismatch = 32 => "deviceTypeMismatch",
        /// Registered elsewhere and the policy rejects the newcomer (project
        /// code 1001, not a MIB value).
        DuplicateRegistration = 1001 => "duplicateRegistration",
    }
);

impl RejectReason {
    /// The RegisterReject text for this reason (≤ 31 bytes, `phone-boot.md`
    /// §2.5); `None` for `Unknown`.
    #[must_use]
    pub fn text(&self) -> Option<&'static str> {
        Some(match self {
            RejectReason::MalformedRegisterMsg => "Malformed Register",
            RejectReason::ProtocolMismatch | RejectReason::ObsoleteProtocolVersion => {
                "Protocol Version Error"
            }
            RejectReason::NoEntryInDatabase => "Device Unknown",
            RejectReason::DeviceNotActive => "Device Not Active",
            RejectReason::UnsupportedModel => "Unsupported Device",
            RejectReason::DeviceTypeMismatch => "Version Error",
            RejectReason::DatabaseConfigurationError => "Database Config Error",
            RejectReason::MaxDevRegExceeded => "Max Devices Exceeded",
            RejectReason::DuplicateRegistration => "Duplicate Registration",
            RejectReason::Unknown(_) => return None,
        })
    }

    /// The reason a RegisterReject text stands for (exact match up to the
    /// first NUL, ASCII case ignored). "Protocol Version Error" gives
    /// [`RejectReason::ProtocolMismatch`]. Texts of other servers
    /// ("IP Not Authorized", "Crossover session", …) give `None`.
    #[must_use]
    pub fn from_text(text: &[u8]) -> Option<RejectReason> {
        let end = text.iter().position(|&b| b == 0).unwrap_or(text.len());
        let t = text.get(..end)?;
        const ORDER: [RejectReason; 9] = [
            RejectReason::MalformedRegisterMsg,
            RejectReason::ProtocolMismatch,
            RejectReason::NoEntryInDatabase,
            RejectReason::DeviceNotActive,
            RejectReason::UnsupportedModel,
            RejectReason::DeviceTypeMismatch,
            RejectReason::DatabaseConfigurationError,
            RejectReason::MaxDevRegExceeded,
            RejectReason::DuplicateRegistration,
        ];
        ORDER.into_iter().find(|r| {
            r.text()
                .is_some_and(|s| s.as_bytes().eq_ignore_ascii_case(t))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_names_parse() {
        assert_eq!(DeviceType::from_model("7960"), Some(DeviceType::Cisco7960));
        assert_eq!(u32::from(DeviceType::from_model("7960").unwrap()), 7);
        assert_eq!(
            DeviceType::from_model("CP-7965G"),
            Some(DeviceType::Cisco7965)
        );
        assert_eq!(
            DeviceType::from_model("7961G-GE"),
            Some(DeviceType::Cisco7961Ge)
        );
        assert_eq!(DeviceType::from_model("7961G"), Some(DeviceType::Cisco7961));
        assert_eq!(DeviceType::from_model("ata186"), Some(DeviceType::Ata186));
        assert_eq!(
            DeviceType::from_model("SPA525G2"),
            Some(DeviceType::Spa525g2)
        );
        assert_eq!(
            DeviceType::from_model("Cisco IP Communicator"),
            Some(DeviceType::IpCommunicator)
        );
        assert_eq!(DeviceType::from_model("436"), Some(DeviceType::Cisco7965));
        assert_eq!(
            DeviceType::from_model("99999"),
            Some(DeviceType::Unknown(99999))
        );
        assert_eq!(DeviceType::from_model("banana"), None);
        assert_eq!(DeviceType::from_model(""), None);
    }

    #[test]
    fn enum_values_round_trip() {
        for t in DeviceType::ALL {
            assert_eq!(DeviceType::from(u32::from(*t)), *t);
        }
        assert_eq!(
            DeviceType::from(0x34),
            DeviceType::ConferenceBridgeDixieLand
        );
        assert_eq!(DeviceType::from(12345), DeviceType::Unknown(12345));
    }

    #[test]
    fn reject_texts_both_ways() {
        for r in RejectReason::ALL {
            let t = r.text().unwrap();
            assert!(t.len() <= 31);
            let back = RejectReason::from_text(t.as_bytes()).unwrap();
            assert_eq!(back.text(), Some(t));
        }
        assert_eq!(
            RejectReason::from_text(b"Version Error\0\0"),
            Some(RejectReason::DeviceTypeMismatch)
        );
        assert_eq!(RejectReason::from_text(b"IP Not Authorized"), None);
    }
}
