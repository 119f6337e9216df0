//! Display-text label escapes (`sccp.md` §1.5).
//!
//! Display strings may embed localisable labels as two-byte escapes: 0x80 +
//! index into the "200" table, or 0x1E + index into the "36" table. The
//! phone shows the label in its own language.

/// Which label table an escape refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LabelTable {
    /// Escape byte 0x80.
    T200,
    /// Escape byte 0x1E.
    T36,
}

impl LabelTable {
    /// The escape byte.
    #[must_use]
    pub fn escape(self) -> u8 {
        match self {
            LabelTable::T200 => 0x80,
            LabelTable::T36 => 0x1e,
        }
    }
}

/// One piece of a display text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment<'a> {
    /// Literal bytes.
    Text(&'a [u8]),
    /// A label escape.
    Label {
        /// Table.
        table: LabelTable,
        /// Index in the table.
        index: u8,
    },
    /// An escape byte at the very end, without its index.
    Dangling(LabelTable),
}

impl Segment<'_> {
    /// The English text of a label, when known.
    #[must_use]
    pub fn label_text(&self) -> Option<&'static str> {
        match *self {
            Segment::Label { table, index } => label_text(table, index),
            _ => None,
        }
    }
}

/// Iterator over the [`Segment`]s of a display text.
#[derive(Debug, Clone)]
pub struct Segments<'a> {
    rest: &'a [u8],
}

impl<'a> Segments<'a> {
    /// Splits `text` (already cut at its first NUL).
    #[must_use]
    pub fn new(text: &'a [u8]) -> Self {
        Segments { rest: text }
    }
}

fn table_of(b: u8) -> Option<LabelTable> {
    match b {
        0x80 => Some(LabelTable::T200),
        0x1e => Some(LabelTable::T36),
        _ => None,
    }
}

impl<'a> Iterator for Segments<'a> {
    type Item = Segment<'a>;
    fn next(&mut self) -> Option<Segment<'a>> {
        let (&first, after) = self.rest.split_first()?;
        if let Some(table) = table_of(first) {
            return Some(match after.split_first() {
                Some((&index, rest)) => {
                    self.rest = rest;
                    Segment::Label { table, index }
                }
                None => {
                    self.rest = after;
                    Segment::Dangling(table)
                }
            });
        }
        let n = self
            .rest
            .iter()
            .position(|&b| table_of(b).is_some())
            .unwrap_or(self.rest.len());
        let (text, rest) = self.rest.split_at(n);
        self.rest = rest;
        Some(Segment::Text(text))
    }
}

/// Writes a display text for people: labels as their English text (or
/// `[label 0x80 0x..]` when unknown), printable ASCII as is, other bytes as
/// `\xNN`.
///
/// # Errors
/// Only those of `out`.
pub fn render<W: core::fmt::Write>(text: &[u8], out: &mut W) -> core::fmt::Result {
    for seg in Segments::new(text) {
        match seg {
            Segment::Text(t) => {
                for &b in t {
                    if (0x20..0x7f).contains(&b) {
                        out.write_char(char::from(b))?;
                    } else {
                        write!(out, "\\x{b:02x}")?;
                    }
                }
            }
            Segment::Label { table, index } => match label_text(table, index) {
                Some(l) => out.write_str(l)?,
                None => write!(out, "[label {:#04x} {index:#04x}]", table.escape())?,
            },
            Segment::Dangling(table) => write!(out, "\\x{:02x}", table.escape())?,
        }
    }
    Ok(())
}

/// English text of a label, when the index is in the table this crate knows.
#[must_use]
pub fn label_text(table: LabelTable, index: u8) -> Option<&'static str> {
    let t: &[Option<&str>] = match table {
        LabelTable::T200 => &LABELS_200,
        LabelTable::T36 => &LABELS_36,
    };
    t.get(usize::from(index)).copied().flatten()
}

/// The phone's display language renders a label from its index; these are
/// the English labels as the Wireshark skinny dissector (`DisplayLabels_200`)
/// documents them. Index 0 has no label.
#[rustfmt::skip]
const LABELS_200: [Option<&str>; 128] = [
    None, // 0x00
    Some("Redial"), // 0x01
    Some("Newcall"), // 0x02
    Some("Hold"), // 0x03
    Some("Transfer"), // 0x04
    Some("Cfwdall"), // 0x05
    Some("Cfwdbusy"), // 0x06
    Some("Cfwdnoanswer"), // 0x07
    Some("Backspace"), // 0x08
    Some("Endcall"), // 0x09
    Some("Resume"), // 0x0a
    Some("Answer"), // 0x0b
    Some("Info"), // 0x0c
    Some("Confrn"), // 0x0d
    Some("Park"), // 0x0e
    Some("Join"), // 0x0f
    Some("Meetme"), // 0x10
    Some("Pickup"), // 0x11
    Some("Gpickup"), // 0x12
    Some("Your Current Options"), // 0x13
    Some("Off Hook"), // 0x14
    Some("On Hook"), // 0x15
    Some("Ring Out"), // 0x16
    Some("From "), // 0x17 (trailing space as tshark 4.0.17 shows it)
    Some("Connected"), // 0x18
    Some("Busy"), // 0x19
    Some("Line In Use"), // 0x1a
    Some("Call Waiting"), // 0x1b
    Some("Call Transfer"), // 0x1c
    Some("Call Park"), // 0x1d
    Some("Call Proceed"), // 0x1e
    Some("In Use Remote"), // 0x1f
    Some("Enter Number"), // 0x20
    Some("Call Park At"), // 0x21
    Some("Primary Only"), // 0x22
    Some("Temp Fail"), // 0x23
    Some("You Have Voicemail"), // 0x24
    Some("Forwarded To"), // 0x25
    Some("Can Not Complete Conference"), // 0x26
    Some("No Conference Bridge"), // 0x27
    Some("Can Not Hold Primary Control"), // 0x28
    Some("Invalid Conference Participant"), // 0x29
    Some("In Conference Already"), // 0x2a
    Some("No Participant Info"), // 0x2b
    Some("Exceed Maximum Parties"), // 0x2c
    Some("Key Is Not Active"), // 0x2d
    Some("Error No License"), // 0x2e
    Some("Error Dbconfig"), // 0x2f
    Some("Error Database"), // 0x30
    Some("Error Pass Limit"), // 0x31
    Some("Error Unknown"), // 0x32
    Some("Error Mismatch"), // 0x33
    Some("Conference"), // 0x34
    Some("Park Number"), // 0x35
    Some("Private"), // 0x36
    Some("Not Enough Bandwidth"), // 0x37
    Some("Unknown Number"), // 0x38
    Some("Rmlstc"), // 0x39
    Some("Voicemail"), // 0x3a
    Some("Immdiv"), // 0x3b
    Some("Intrcpt"), // 0x3c
    Some("Setwtch"), // 0x3d
    Some("Trnsfvm"), // 0x3e
    Some("Dnd"), // 0x3f
    Some("Divall"), // 0x40
    Some("Callback"), // 0x41
    Some("Network Congestion Rerouting"), // 0x42
    Some("Barge"), // 0x43
    Some("Failed To Setup Barge"), // 0x44
    Some("Another Barge Exists"), // 0x45
    Some("Incompatible Device Type"), // 0x46
    Some("No Park Number Available"), // 0x47
    Some("Callpark Reversion"), // 0x48
    Some("Service Is Not Active"), // 0x49
    Some("High Traffic Try Again Later"), // 0x4a
    Some("Qrt"), // 0x4b
    Some("Mcid"), // 0x4c
    Some("Dirtrfr"), // 0x4d
    Some("Select"), // 0x4e
    Some("Conflist"), // 0x4f
    Some("Idivert"), // 0x50
    Some("Cbarge"), // 0x51
    Some("Can Not Complete Transfer"), // 0x52
    Some("Can Not Join Calls"), // 0x53
    Some("Mcid Successful"), // 0x54
    Some("Number Not Configured"), // 0x55
    Some("Security Error"), // 0x56
    Some("Video Bandwidth Unavailable"), // 0x57
    Some("Vidmode"), // 0x58
    Some("Max Call Duration Timeout"), // 0x59
    Some("Max Hold Duration Timeout"), // 0x5a
    Some("Opickup"), // 0x5b
    Some("Hlog"), // 0x5c
    Some("Logged Out Of Hunt Group"), // 0x5d
    Some("Park Slot Unavailable"), // 0x5e
    Some("No Call Available For Pickup"), // 0x5f
    None, // 0x60
    Some("External Transfer Restricted"), // 0x61
    Some("No Line Available For Pickup"), // 0x62
    Some("Path Replacement In Progress"), // 0x63
    Some("Unknown 2"), // 0x64
    Some("Mac Address"), // 0x65
    Some("Host Name"), // 0x66
    Some("Domain Name"), // 0x67
    Some("Ip Address"), // 0x68
    Some("Subnet Mask"), // 0x69
    Some("Tftp Server 1"), // 0x6a
    Some("Default Router 1"), // 0x6b
    Some("Default Router 2"), // 0x6c
    Some("Default Router 3"), // 0x6d
    Some("Default Router 4"), // 0x6e
    Some("Default Router 5"), // 0x6f
    Some("Dns Server 1"), // 0x70
    Some("Dns Server 2"), // 0x71
    Some("Dns Server 3"), // 0x72
    Some("Dns Server 4"), // 0x73
    Some("Dns Server 5"), // 0x74
    Some("Operational Vlan Id"), // 0x75
    Some("Admin Vlan Id"), // 0x76
    Some("Call Manager 1"), // 0x77
    Some("Call Manager 2"), // 0x78
    Some("Call Manager 3"), // 0x79
    Some("Call Manager 4"), // 0x7a
    Some("Call Manager 5"), // 0x7b
    Some("Information Url"), // 0x7c
    Some("Directories Url"), // 0x7d
    Some("Messages Url"), // 0x7e
    Some("Services Url"), // 0x7f
];

/// English labels of the 0x1E table (Wireshark `DisplayLabels_36`).
#[rustfmt::skip]
const LABELS_36: [Option<&str>; 82] = [
    Some("Empty"), // 0x00
    None, // 0x01
    Some("Acct"), // 0x02
    Some("Flash"), // 0x03
    Some("Login"), // 0x04
    Some("Device In Home Location"), // 0x05
    Some("Device In Roaming Location"), // 0x06
    Some("Enter Authorization Code"), // 0x07
    Some("Enter Client Matter Code"), // 0x08
    Some("Calls Available For Pickup"), // 0x09
    Some("Cm Fallback Service Operating"), // 0x0a
    Some("Max Phones Exceeded"), // 0x0b
    Some("Waiting To Rehome"), // 0x0c
    Some("Please End Call"), // 0x0d
    Some("Paging"), // 0x0e
    Some("Select Line"), // 0x0f
    Some("Transfer Destination Is Busy"), // 0x10
    Some("Select A Service"), // 0x11
    Some("Local Services"), // 0x12
    Some("Enter Search Criteria"), // 0x13
    Some("Night Service"), // 0x14
    Some("Night Service Active"), // 0x15
    Some("Night Service Disabled"), // 0x16
    Some("Login Successful"), // 0x17
    Some("Wrong Pin"), // 0x18
    Some("Please Enter Pin"), // 0x19
    Some("Of"), // 0x1a
    Some("Records 1 To"), // 0x1b
    Some("No Record Found"), // 0x1c
    Some("Search Results"), // 0x1d
    Some("Calls In Queue"), // 0x1e
    Some("Join To Hunt Group"), // 0x1f
    Some("Ready"), // 0x20
    Some("Notready"), // 0x21
    Some("Call On Hold"), // 0x22
    Some("Hold Reversion"), // 0x23
    Some("Setup Failed"), // 0x24
    Some("No Resources"), // 0x25
    Some("Device Not Authorized"), // 0x26
    Some("Monitoring"), // 0x27
    Some("Recording Awaiting Call To Be Active"), // 0x28
    Some("Recording Already In Progress"), // 0x29
    Some("Inactive Recording Session"), // 0x2a
    Some("Mobility"), // 0x2b
    Some("Whisper"), // 0x2c
    Some("Forward All"), // 0x2d
    Some("Malicious Call Id"), // 0x2e
    Some("Group Pickup"), // 0x2f
    Some("Remove Last Participant"), // 0x30
    Some("Other Pickup"), // 0x31
    Some("Video"), // 0x32
    Some("End Call"), // 0x33
    Some("Conference List"), // 0x34
    Some("Quality Reporting Tool"), // 0x35
    Some("Hunt Group"), // 0x36
    Some("Use Line Or Join To Complete"), // 0x37
    Some("Do Not Disturb"), // 0x38
    Some("Do Not Disturb Is Active"), // 0x39
    Some("Cfwdall Loop Detected"), // 0x3a
    Some("Cfwdall Hops Exceeded"), // 0x3b
    Some("Abbrdial"), // 0x3c
    Some("Pickup Is Unavailable"), // 0x3d
    Some("Conference Is Unavailable"), // 0x3e
    Some("Meetme Is Unavailable"), // 0x3f
    Some("Cannot Retrieve Parked Call"), // 0x40
    Some("Cannot Send Call To Mobile"), // 0x41
    None, // 0x42
    Some("Record"), // 0x43
    Some("Cannot Move Conversation"), // 0x44
    Some("Cw Off"), // 0x45
    Some("Coaching"), // 0x46
    None, // 0x47
    None, // 0x48
    None, // 0x49
    None, // 0x4a
    None, // 0x4b
    None, // 0x4c
    None, // 0x4d
    None, // 0x4e
    Some("Recording"), // 0x4f
    Some("Recording Failed"), // 0x50
    Some("Connecting"), // 0x51
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_text_and_escapes() {
        let text = b"Line 1 \x80\x1f!\x1e\x0c\x80";
        let v: std::vec::Vec<_> = Segments::new(text).collect();
        assert_eq!(
            v,
            [
                Segment::Text(b"Line 1 "),
                Segment::Label {
                    table: LabelTable::T200,
                    index: 0x1f
                },
                Segment::Text(b"!"),
                Segment::Label {
                    table: LabelTable::T36,
                    index: 0x0c
                },
                Segment::Dangling(LabelTable::T200),
            ]
        );
        assert_eq!(v[1].label_text(), Some("In Use Remote"));
        assert_eq!(v[3].label_text(), Some("Waiting To Rehome"));
        assert_eq!(label_text(LabelTable::T200, 0x20), Some("Enter Number"));
        assert_eq!(label_text(LabelTable::T200, 0), None);
        assert_eq!(label_text(LabelTable::T200, 0xff), None);
        assert_eq!(Segments::new(b"").count(), 0);
        let mut s = std::string::String::new();
        render(text, &mut s).unwrap();
        assert_eq!(s, "Line 1 In Use Remote!Waiting To Rehome\\x80");
        let mut s = std::string::String::new();
        render(b"\x80\xf0\x01", &mut s).unwrap();
        assert_eq!(s, "[label 0x80 0xf0]\\x01");
    }
}
