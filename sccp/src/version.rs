//! Protocol-version negotiation and the header-version rule (`sccp.md` §1.3, §2.4).

use crate::wire::message::id;

/// Header-version values tshark 4.0.17 accepts besides 0 (§1.3).
pub const ACCEPTED_HEADER_VERSIONS: [u32; 11] = [
    0x0a, 0x0b, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0,
];

/// Highest protocol version this crate knows (§3.2).
pub const MAX_PROTOCOL_VERSION: u8 = 22;

/// Protocol versions implementations know (§3.2): 3, 5, 8–11, 15–22.
pub const KNOWN_PROTOCOL_VERSIONS: [u8; 14] = [3, 5, 8, 9, 10, 11, 15, 16, 17, 18, 19, 20, 21, 22];

/// The version a CM answers in RegisterAck: the highest known version that is
/// ≤ both the station's Register `protocolVer` and `server_max` (§2.4; chan-sccp
/// and CUCM). Versions 12–14 do not exist and negotiate down to 11. A
/// station below 3 (e.g. the 7936 sending 0) gets its own value back.
#[must_use]
pub fn negotiate_version(station: u8, server_max: u8) -> u8 {
    let cap = station.min(server_max);
    KNOWN_PROTOCOL_VERSIONS
        .iter()
        .rev()
        .copied()
        .find(|&v| v <= cap)
        .unwrap_or(cap)
}

/// The header version to put on a message (§1.3):
///
/// * 0 when the negotiated version is below 10;
/// * 0 for Register, KeepAliveAck, RegisterAck and UnregisterAck whatever was
///   negotiated, and for KeepAlive on a standby connection (`standby`);
/// * otherwise the negotiated version, with 12–14 lowered to 11 and anything
///   above 22 lowered to 22, so the value is one that peers (and tshark) accept.
#[must_use]
pub fn header_version_for(message_id: u32, negotiated: u8, standby: bool) -> u32 {
    if negotiated < 10 {
        return 0;
    }
    match message_id {
        id::REGISTER | id::KEEP_ALIVE_ACK | id::REGISTER_ACK | id::UNREGISTER_ACK => return 0,
        id::KEEP_ALIVE if standby => return 0,
        _ => {}
    }
    u32::from(match negotiated {
        12..=14 => 11,
        v if v > MAX_PROTOCOL_VERSION => MAX_PROTOCOL_VERSION,
        v => v,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_picks_highest_known_not_above_station() {
        assert_eq!(negotiate_version(18, 22), 18);
        assert_eq!(negotiate_version(20, 17), 17);
        assert_eq!(negotiate_version(13, 22), 11);
        assert_eq!(negotiate_version(7, 22), 5);
        assert_eq!(negotiate_version(0, 22), 0);
        assert_eq!(negotiate_version(40, 255), 22);
    }

    #[test]
    fn header_version_rule() {
        assert_eq!(header_version_for(id::REGISTER, 20, false), 0);
        assert_eq!(header_version_for(id::REGISTER_ACK, 20, false), 0);
        assert_eq!(header_version_for(id::KEEP_ALIVE_ACK, 20, false), 0);
        assert_eq!(header_version_for(id::UNREGISTER_ACK, 20, false), 0);
        assert_eq!(header_version_for(id::KEEP_ALIVE, 20, true), 0);
        assert_eq!(header_version_for(id::KEEP_ALIVE, 20, false), 0x14);
        assert_eq!(header_version_for(id::CAPABILITIES_REQ, 9, false), 0);
        assert_eq!(header_version_for(id::CAPABILITIES_REQ, 13, false), 11);
        assert_eq!(header_version_for(id::CAPABILITIES_REQ, 30, false), 22);
        for v in 0..=255u8 {
            let h = header_version_for(id::DISPLAY_TEXT, v, false);
            assert!(ACCEPTED_HEADER_VERSIONS.contains(&h), "{v} -> {h}");
        }
    }
}
