//! Message layouts (`sccp.md` §2.2–§2.12) as zerocopy structs, and the body
//! views that [`Message`](crate::Message) variants hold.
//!
//! All structs are `#[repr(C)]`, unaligned, little-endian; they are read in
//! place from the received bytes and written as-is.
//!
//! # Body-size tolerance (§1.2)
//!
//! * A body shorter than the smallest known form of its message is a
//!   [`DecodeError::Truncated`].
//! * A body between two known forms is decoded as the largest form that fits.
//! * Bytes beyond the largest form that fits are kept in `trailing` and written
//!   back by `emit`, so re-encoding a decoded message gives the same bytes.

use core::ops::Deref;

use zerocopy::little_endian::{U16, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::{Empty, Ipv4, Ipv4or6, Ipv6, StationId, Str};
use crate::enums::{DeviceType, ResetType};
use crate::error::DecodeError;

/// A type that can be read in place from and written to the wire.
pub trait Layout: FromBytes + IntoBytes + KnownLayout + Immutable + Unaligned {}
impl<T: FromBytes + IntoBytes + KnownLayout + Immutable + Unaligned> Layout for T {}

/// A message body view: parse from borrowed body bytes, emit into an
/// exactly-sized buffer.
pub trait BodyView<'a>: Sized {
    /// Parses a body (offsets in errors are relative to the body start).
    ///
    /// # Errors
    /// [`DecodeError`] when the body is shorter than the smallest known form,
    /// or a count in it does not fit.
    fn parse_body(body: &'a [u8]) -> Result<Self, DecodeError>;
    /// Exact encoded body length.
    fn body_len(&self) -> usize;
    /// Hands the body bytes, in order, to `put` (possibly in several pieces).
    fn emit_parts(&self, put: &mut dyn FnMut(&[u8]));

    /// Writes the body into the front of `out`, which should be at least
    /// [`BodyView::body_len`] bytes (bytes that do not fit are dropped).
    fn emit_body(&self, out: &mut [u8]) {
        let mut at = 0;
        self.emit_parts(&mut |b: &[u8]| {
            let end = at + b.len();
            if let Some(dst) = out.get_mut(at..end) {
                dst.copy_from_slice(b);
            }
            at = end;
        });
    }
}

fn truncated(have: usize, want: usize) -> DecodeError {
    DecodeError::Truncated {
        offset: have,
        needed: want.saturating_sub(have),
    }
}

/// A body with one fixed part `B`, an optional extension `E` present when
/// the body is long enough, and kept trailing bytes.
///
/// Dereferences to `B` for convenience; to keep a borrow with the lifetime
/// of the received bytes (e.g. a `&'a Str<N>`), go through `fields`.
/// `ext` is always `None` when `E` is [`Empty`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fixed<'a, B, E = Empty> {
    /// The fixed part (smallest known form).
    pub fields: &'a B,
    /// The extension of the longer form, when present.
    pub ext: Option<&'a E>,
    /// Bytes after the last known field.
    pub trailing: &'a [u8],
}

impl<'a, B, E> Fixed<'a, B, E> {
    /// A body with just the fixed part.
    #[must_use]
    pub const fn new(fields: &'a B) -> Self {
        Fixed {
            fields,
            ext: None,
            trailing: &[],
        }
    }

    /// A body with the fixed part and its extension.
    #[must_use]
    pub const fn with_ext(fields: &'a B, ext: &'a E) -> Self {
        Fixed {
            fields,
            ext: Some(ext),
            trailing: &[],
        }
    }
}

impl<E: 'static> Fixed<'static, Empty, E> {
    /// The empty body (no fields, no extension, no trailing bytes).
    pub const EMPTY: Self = Fixed {
        fields: &Empty {},
        ext: None,
        trailing: &[],
    };
}

impl<B, E> Deref for Fixed<'_, B, E> {
    type Target = B;
    fn deref(&self) -> &B {
        self.fields
    }
}

impl<'a, B: Layout, E: Layout> BodyView<'a> for Fixed<'a, B, E> {
    #[inline]
    fn parse_body(body: &'a [u8]) -> Result<Self, DecodeError> {
        let Ok((fields, rest)) = B::ref_from_prefix(body) else {
            return Err(truncated(body.len(), core::mem::size_of::<B>()));
        };
        if core::mem::size_of::<E>() > 0 {
            if let Ok((ext, trailing)) = E::ref_from_prefix(rest) {
                return Ok(Fixed {
                    fields,
                    ext: Some(ext),
                    trailing,
                });
            }
        }
        Ok(Fixed {
            fields,
            ext: None,
            trailing: rest,
        })
    }

    #[inline]
    fn body_len(&self) -> usize {
        core::mem::size_of::<B>()
            + self.ext.map_or(0, |_| core::mem::size_of::<E>())
            + self.trailing.len()
    }

    fn emit_parts(&self, put: &mut dyn FnMut(&[u8])) {
        put(self.fields.as_bytes());
        if let Some(e) = self.ext {
            put(e.as_bytes());
        }
        put(self.trailing);
    }
}

/// A body without fields (possibly with trailing bytes, e.g. the 4 zero bytes
/// some servers put in ClearDisplay).
pub type NoBody<'a> = Fixed<'a, Empty>;

macro_rules! layout {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $f:ident : $t:ty),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
        #[repr(C)]
        pub struct $name { $($(#[$fm])* pub $f: $t),* }

        impl Default for $name {
            /// All zero.
            fn default() -> Self {
                <Self as zerocopy::FromZeros>::new_zeroed()
            }
        }

        #[cfg(feature = "arbitrary")]
        impl<'x> arbitrary::Arbitrary<'x> for $name {
            fn arbitrary(u: &mut arbitrary::Unstructured<'x>) -> arbitrary::Result<Self> {
                let b = u.bytes(core::mem::size_of::<$name>())?;
                $name::read_from_bytes(b).map_err(|_| arbitrary::Error::NotEnoughData)
            }
            fn size_hint(_: usize) -> (usize, Option<usize>) {
                (core::mem::size_of::<$name>(), Some(core::mem::size_of::<$name>()))
            }
        }
    };
}

// --------------------------------------------------------------------------
// Small shared layouts

layout!(
    /// One u32 (IpPort port, LineStatReq line number, Reset type, …).
    Word { /// The value.
        value: U32 }
);

impl Word {
    /// Wraps a value.
    #[must_use]
    pub fn new(v: u32) -> Self {
        Word { value: U32::new(v) }
    }
    /// The value.
    #[inline]
    #[must_use]
    pub fn get(&self) -> u32 {
        self.value.get()
    }
}

layout!(
    /// Line instance + call reference (OffHook/OnHook 8-byte form, ClearPromptStatus, KeypadButton tail).
    CallRef { /// Line instance.
        line_instance: U32, /// Call reference.
        call_reference: U32 }
);

// --------------------------------------------------------------------------
// Station -> CM

layout!(
    /// Register fixed part, body offsets 0–35 (§2.3).
    RegisterBase {
        /// Station identifier.
        station: StationId,
        /// Station IPv4 address (network order).
        station_ip: Ipv4,
        /// Device type (§3.1).
        device_type: U32,
        /// Max streams.
        max_streams: U32,
    }
);
layout!(
    /// Register offsets 36–43.
    RegisterExt44 {
        /// Active streams.
        active_streams: U32,
        /// Highest protocol version the station supports.
        protocol_version: u8,
        /// Unknown byte (chan-sccp: first feature byte).
        unknown: u8,
        /// Phone feature bits (§3.9), opaque.
        features: U16,
    }
);
layout!(
    /// Register offsets 44–47.
    RegisterExt48 { /// Max conferences (garbage in some devices; not validated).
        max_conferences: U32 }
);
layout!(
    /// Register offsets 48–51.
    RegisterExt52 { /// Active conferences.
        active_conferences: U32 }
);
layout!(
    /// Register offsets 52–67.
    RegisterExt68 {
        /// MAC address: 6 raw bytes + 6 zero, or 12 ASCII hex digits.
        mac_address: [u8; 12],
        /// IPv4 address scope.
        ipv4_address_scope: U32,
    }
);
layout!(
    /// Register offsets 68–123.
    RegisterExt124 {
        /// Max number of lines.
        max_lines: U32,
        /// Station IPv6 address.
        station_ipv6: Ipv6,
        /// IPv6 address scope.
        ipv6_address_scope: U32,
        /// Firmware load name, e.g. `SCCP41.8-5-3S`.
        firmware_load_name: Str<32>,
    }
);
layout!(
    /// Register offsets 124–171.
    RegisterExt172 { /// Config version stamp.
        config_version_stamp: Str<48> }
);

/// Known Register body sizes (§2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RegisterForm {
    /// 36 bytes: station id, IP, device type, max streams.
    B36,
    /// 44 bytes: + active streams, protocol version, features.
    B44,
    /// 48 bytes: + max conferences.
    B48,
    /// 52 bytes: + active conferences.
    B52,
    /// 68 bytes: + MAC, IPv4 scope (7960 at v11, 6961 at v15).
    B68,
    /// 124 bytes: + lines, IPv6, load name (7941 v17, IOS bridge v18).
    B124,
    /// 172 bytes: + config version stamp.
    B172,
}

impl RegisterForm {
    /// Body size of this form.
    #[must_use]
    pub const fn body_len(self) -> usize {
        match self {
            RegisterForm::B36 => 36,
            RegisterForm::B44 => 44,
            RegisterForm::B48 => 48,
            RegisterForm::B52 => 52,
            RegisterForm::B68 => 68,
            RegisterForm::B124 => 124,
            RegisterForm::B172 => 172,
        }
    }
    /// All forms, shortest first.
    pub const ALL: [RegisterForm; 7] = [
        RegisterForm::B36,
        RegisterForm::B44,
        RegisterForm::B48,
        RegisterForm::B52,
        RegisterForm::B68,
        RegisterForm::B124,
        RegisterForm::B172,
    ];
}

layout!(
    /// Every Register field (the 172-byte form), for building messages.
    RegisterFull {
        /// Offsets 0–35.
        base: RegisterBase,
        /// Offsets 36–43.
        v44: RegisterExt44,
        /// Offsets 44–47.
        v48: RegisterExt48,
        /// Offsets 48–51.
        v52: RegisterExt52,
        /// Offsets 52–67.
        v68: RegisterExt68,
        /// Offsets 68–123.
        v124: RegisterExt124,
        /// Offsets 124–171.
        v172: RegisterExt172,
    }
);

impl RegisterFull {
    /// A view of the first `form.body_len()` bytes, for encoding.
    #[must_use]
    pub fn view(&self, form: RegisterForm) -> Register<'_> {
        let at = |f: RegisterForm| form >= f;
        Register {
            base: &self.base,
            v44: at(RegisterForm::B44).then_some(&self.v44),
            v48: at(RegisterForm::B48).then_some(&self.v48),
            v52: at(RegisterForm::B52).then_some(&self.v52),
            v68: at(RegisterForm::B68).then_some(&self.v68),
            v124: at(RegisterForm::B124).then_some(&self.v124),
            v172: at(RegisterForm::B172).then_some(&self.v172),
            trailing: &[],
        }
    }
}

/// Register (0x0001) body view, any of the seven forms (§2.3).
///
/// Parts are present from the start: when `v68` is `Some`, so are `v44`,
/// `v48` and `v52`. [`BodyView::emit_body`] stops at the first absent part
/// (later parts are not written), then writes `trailing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Register<'a> {
    /// Offsets 0–35 (always present).
    pub base: &'a RegisterBase,
    /// Offsets 36–43.
    pub v44: Option<&'a RegisterExt44>,
    /// Offsets 44–47.
    pub v48: Option<&'a RegisterExt48>,
    /// Offsets 48–51.
    pub v52: Option<&'a RegisterExt52>,
    /// Offsets 52–67.
    pub v68: Option<&'a RegisterExt68>,
    /// Offsets 68–123.
    pub v124: Option<&'a RegisterExt124>,
    /// Offsets 124–171.
    pub v172: Option<&'a RegisterExt172>,
    /// Bytes after the last known part.
    pub trailing: &'a [u8],
}

impl<'a> Register<'a> {
    /// The largest form present (the one [`BodyView::emit_body`] writes).
    #[inline]
    #[must_use]
    pub fn form(&self) -> RegisterForm {
        match (self.v44, self.v48, self.v52, self.v68, self.v124, self.v172) {
            (None, ..) => RegisterForm::B36,
            (Some(_), None, ..) => RegisterForm::B44,
            (Some(_), Some(_), None, ..) => RegisterForm::B48,
            (Some(_), Some(_), Some(_), None, ..) => RegisterForm::B52,
            (Some(_), Some(_), Some(_), Some(_), None, _) => RegisterForm::B68,
            (Some(_), Some(_), Some(_), Some(_), Some(_), None) => RegisterForm::B124,
            (Some(_), Some(_), Some(_), Some(_), Some(_), Some(_)) => RegisterForm::B172,
        }
    }

    /// Device name as ASCII text.
    ///
    /// # Errors
    /// [`NotAscii`](super::NotAscii) when the name holds other bytes (see `base.station.device_name.bytes()`).
    #[inline]
    pub fn device_name(&self) -> Result<&'a str, super::NotAscii> {
        self.base.station.device_name.as_str()
    }

    /// Device type.
    #[inline]
    #[must_use]
    pub fn device_type(&self) -> DeviceType {
        DeviceType::from(self.base.device_type.get())
    }

    /// Station IPv4 address.
    #[inline]
    #[must_use]
    pub fn station_ip(&self) -> core::net::Ipv4Addr {
        self.base.station_ip.get()
    }

    /// Highest protocol version the station supports (forms ≥ 44 bytes).
    #[inline]
    #[must_use]
    pub fn protocol_version(&self) -> Option<u8> {
        self.v44.map(|e| e.protocol_version)
    }

    /// Firmware load name (forms ≥ 124 bytes).
    #[inline]
    #[must_use]
    pub fn firmware_load_name(&self) -> Option<&'a Str<32>> {
        self.v124.map(|e| &e.firmware_load_name)
    }
}

impl<'a> BodyView<'a> for Register<'a> {
    #[inline]
    fn parse_body(body: &'a [u8]) -> Result<Self, DecodeError> {
        let Ok((base, _)) = RegisterBase::ref_from_prefix(body) else {
            return Err(truncated(body.len(), 36));
        };
        // Each part is present when the body reaches its end offset; the
        // form is the largest one that fits.
        fn part<T: Layout>(body: &[u8], start: usize) -> Option<&T> {
            let end = start + core::mem::size_of::<T>();
            T::ref_from_bytes(body.get(start..end)?).ok()
        }
        let r = Register {
            base,
            v44: part(body, 36),
            v48: part(body, 44),
            v52: part(body, 48),
            v68: part(body, 52),
            v124: part(body, 68),
            v172: part(body, 124),
            trailing: &[],
        };
        let used = r.form().body_len();
        Ok(Register {
            trailing: body.get(used..).unwrap_or(&[]),
            ..r
        })
    }

    fn body_len(&self) -> usize {
        self.form().body_len() + self.trailing.len()
    }

    fn emit_parts(&self, put: &mut dyn FnMut(&[u8])) {
        put(self.base.as_bytes());
        let parts: [Option<&[u8]>; 6] = [
            self.v44.map(IntoBytes::as_bytes),
            self.v48.map(IntoBytes::as_bytes),
            self.v52.map(IntoBytes::as_bytes),
            self.v68.map(IntoBytes::as_bytes),
            self.v124.map(IntoBytes::as_bytes),
            self.v172.map(IntoBytes::as_bytes),
        ];
        for p in parts {
            match p {
                Some(p) => put(p),
                None => break,
            }
        }
        put(self.trailing);
    }
}

layout!(
    /// KeypadButton (0x0003) 4-byte form (§2.11).
    KeypadButton { /// Button (§3.7: 0–9, 0xA–0xD, 0xE `*`, 0xF `#`, 0x10 `+`).
        button: U32 }
);
layout!(
    /// Stimulus (0x0005) 8-byte form.
    Stimulus {
        /// Stimulus (§3.6).
        stimulus: U32,
        /// Line instance.
        stimulus_instance: U32,
    }
);
layout!(
    /// Stimulus 16-byte form tail.
    StimulusExt {
        /// Call reference.
        call_reference: U32,
        /// Stimulus status.
        stimulus_status: U32,
    }
);

/// One CapabilitiesRes entry (16 bytes, §2.10).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    FromBytes,
    IntoBytes,
    KnownLayout,
    Immutable,
    Unaligned,
)]
#[repr(C)]
pub struct Capability {
    /// Payload type (§3.8).
    pub payload_capability: U32,
    /// Milliseconds of audio per packet.
    pub max_frames_per_packet: U32,
    /// Codec-specific union (G.723.1: u32 bit rate + 4 pad).
    pub params: [u8; 8],
}

impl Capability {
    /// A capability with zero parameters.
    #[must_use]
    pub fn new(payload: u32, max_frames_per_packet: u32) -> Self {
        Capability {
            payload_capability: U32::new(payload),
            max_frames_per_packet: U32::new(max_frames_per_packet),
            params: [0; 8],
        }
    }
}

/// Largest capCount accepted (18 slots, §2.10).
pub const MAX_CAPABILITIES: usize = 18;

/// CapabilitiesRes (0x0010) view: capCount, the first capCount entries, and
/// the rest (unused slots, often garbage) kept raw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CapabilitiesRes<'a> {
    /// capCount.
    pub count: &'a Word,
    /// The capCount entries.
    pub caps: &'a [Capability],
    /// Bytes after the counted entries (unused slots).
    pub trailing: &'a [u8],
}

impl<'a> CapabilitiesRes<'a> {
    /// A response listing `caps` with `count = caps.len()`; `count` must live
    /// as long as the view, e.g. `Word::new(caps.len() as u32)`.
    #[must_use]
    pub fn new(count: &'a Word, caps: &'a [Capability]) -> Self {
        CapabilitiesRes {
            count,
            caps,
            trailing: &[],
        }
    }
}

impl<'a> BodyView<'a> for CapabilitiesRes<'a> {
    #[inline]
    fn parse_body(body: &'a [u8]) -> Result<Self, DecodeError> {
        let Ok((count, rest)) = Word::ref_from_prefix(body) else {
            return Err(truncated(body.len(), 4));
        };
        let n = count.get() as usize;
        if n > MAX_CAPABILITIES {
            return Err(DecodeError::Oversized {
                offset: 0,
                len: n,
                max: MAX_CAPABILITIES,
            });
        }
        let Ok((caps, trailing)) = <[Capability]>::ref_from_prefix_with_elems(rest, n) else {
            return Err(truncated(body.len(), 4 + 16 * n));
        };
        Ok(CapabilitiesRes {
            count,
            caps,
            trailing,
        })
    }
    fn body_len(&self) -> usize {
        4 + 16 * self.caps.len() + self.trailing.len()
    }
    fn emit_parts(&self, put: &mut dyn FnMut(&[u8])) {
        put(self.count.as_bytes());
        put(self.caps.as_bytes());
        put(self.trailing);
    }
}

layout!(
    /// Alarm (0x0020), 92 bytes.
    Alarm {
        /// Severity (§3.4).
        severity: U32,
        /// Text.
        text: Str<80>,
        /// Parameter 1.
        param1: U32,
        /// Parameter 2.
        param2: U32,
    }
);
layout!(
    /// SoftKeyEvent (0x0026).
    SoftKeyEvent {
        /// Soft-key event.
        event: U32,
        /// Line instance.
        line_instance: U32,
        /// Call reference.
        call_reference: U32,
    }
);
layout!(
    /// RegisterTokenReq (0x0029) fixed part, body offsets 0–31 (§2.6).
    RegisterTokenReqBase {
        /// Station identifier.
        station: StationId,
        /// Station IP (Wireshark decodes it as a little-endian u32).
        station_ip: Ipv4,
        /// Device type.
        device_type: U32,
    }
);

/// The address after the RegisterTokenReq fixed part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenAddress<'a> {
    /// 36-byte form: IPv4.
    V4(&'a Ipv4),
    /// 52-byte form: ipv4or6.
    V4or6(&'a Ipv4or6),
}

/// RegisterTokenReq (0x0029) view, 36- or 52-byte form (the 52-byte form is
/// chosen whenever the body has at least 52 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegisterTokenReq<'a> {
    /// Offsets 0–31.
    pub base: &'a RegisterTokenReqBase,
    /// Offsets 32–35 or 32–51.
    pub address: TokenAddress<'a>,
    /// Bytes after the address.
    pub trailing: &'a [u8],
}

impl<'a> BodyView<'a> for RegisterTokenReq<'a> {
    #[inline]
    fn parse_body(body: &'a [u8]) -> Result<Self, DecodeError> {
        let Ok((base, rest)) = RegisterTokenReqBase::ref_from_prefix(body) else {
            return Err(truncated(body.len(), 36));
        };
        if let Ok((a, trailing)) = Ipv4or6::ref_from_prefix(rest) {
            return Ok(RegisterTokenReq {
                base,
                address: TokenAddress::V4or6(a),
                trailing,
            });
        }
        match Ipv4::ref_from_prefix(rest) {
            Ok((a, trailing)) => Ok(RegisterTokenReq {
                base,
                address: TokenAddress::V4(a),
                trailing,
            }),
            Err(_) => Err(truncated(body.len(), 36)),
        }
    }
    fn body_len(&self) -> usize {
        32 + match self.address {
            TokenAddress::V4(_) => 4,
            TokenAddress::V4or6(_) => 20,
        } + self.trailing.len()
    }
    fn emit_parts(&self, put: &mut dyn FnMut(&[u8])) {
        put(self.base.as_bytes());
        match self.address {
            TokenAddress::V4(a) => put(a.as_bytes()),
            TokenAddress::V4or6(a) => put(a.as_bytes()),
        };
        put(self.trailing);
    }
}

layout!(
    /// MediaResourceNotification (0x002C).
    MediaResourceNotification {
        /// Device type.
        device_type: U32,
        /// In-service streams.
        in_service_streams: U32,
        /// Max streams per conference.
        max_streams_per_conf: U32,
        /// Out-of-service streams.
        out_of_service_streams: U32,
    }
);
layout!(
    /// SPCPRegisterTokenReq (0x8000), SPA phones.
    SpcpRegisterTokenReq {
        /// Station identifier.
        station: StationId,
        /// Station IP.
        station_ip: Ipv4,
        /// Device type.
        device_type: U32,
        /// Max streams.
        max_streams: U32,
    }
);

// --------------------------------------------------------------------------
// CM -> station

layout!(
    /// RegisterAck (0x0081), 20 bytes (§2.4).
    RegisterAck {
        /// Keepalive interval towards this CM, seconds.
        keepalive_interval: U32,
        /// Date template, e.g. `M/D/YA`.
        date_template: Str<6>,
        /// Alignment padding.
        padding: U16,
        /// Keepalive interval towards the standby CM, seconds.
        secondary_keepalive_interval: U32,
        /// Negotiated protocol version.
        max_protocol_version: u8,
        /// Unknown byte (CUCM 0x00, chan-sccp 0x20).
        unknown: u8,
        /// Server feature bits (opaque).
        features: U16,
    }
);

impl RegisterAck {
    /// Builds a RegisterAck.
    ///
    /// # Errors
    /// [`TooLong`](super::TooLong) when the date template has more than 6 bytes.
    pub fn new(
        keepalive_secs: u32,
        date_template: &str,
        secondary_keepalive_secs: u32,
        max_protocol_version: u8,
        features: u16,
    ) -> Result<Self, super::TooLong> {
        Ok(RegisterAck {
            keepalive_interval: U32::new(keepalive_secs),
            date_template: Str::new(date_template.as_bytes())?,
            padding: U16::new(0),
            secondary_keepalive_interval: U32::new(secondary_keepalive_secs),
            max_protocol_version,
            unknown: 0,
            features: U16::new(features),
        })
    }
}

layout!(
    /// StartTone (0x0082).
    StartTone {
        /// Tone (§3.12).
        tone: U32,
        /// Direction: 0 user, 1 network, 2 all.
        direction: U32,
        /// Line instance.
        line_instance: U32,
        /// Call reference.
        call_reference: U32,
    }
);
layout!(
    /// SetRinger (0x0085).
    SetRinger {
        /// Ring mode (§3.11).
        ring_mode: U32,
        /// Ring duration: 1 normal, 2 single.
        ring_duration: U32,
        /// Line instance.
        line_instance: U32,
        /// Call reference.
        call_reference: U32,
    }
);
layout!(
    /// SetLamp (0x0086).
    SetLamp {
        /// Stimulus (§3.6).
        stimulus: U32,
        /// Stimulus instance.
        stimulus_instance: U32,
        /// Lamp mode (§3.11).
        lamp_mode: U32,
    }
);
layout!(
    /// SpeedDialStat (0x0091).
    SpeedDialStat {
        /// Speed-dial number.
        speed_dial_number: U32,
        /// Directory number.
        number: Str<24>,
        /// Display name.
        display_name: Str<40>,
    }
);
layout!(
    /// LineStat (0x0092), 112 bytes.
    LineStat {
        /// Line number.
        line_number: U32,
        /// Directory number.
        dir_number: Str<24>,
        /// Fully qualified display name.
        fully_qualified_display_name: Str<40>,
        /// Text label.
        text_label: Str<40>,
        /// Display options.
        display_options: U32,
    }
);
layout!(
    /// ConfigStat (0x0093), 112 bytes.
    ConfigStat {
        /// Station identifier.
        station: StationId,
        /// User name.
        user_name: Str<40>,
        /// Server name.
        server_name: Str<40>,
        /// Number of lines.
        number_of_lines: U32,
        /// Number of speed dials.
        number_of_speed_dials: U32,
    }
);
layout!(
    /// DefineTimeDate (0x0094), 36 bytes; date/time fields are local time.
    DefineTimeDate {
        /// Year, e.g. 2011.
        year: U32,
        /// Month 1–12.
        month: U32,
        /// Day of week, 0 = Sunday.
        day_of_week: U32,
        /// Day of month.
        day: U32,
        /// Hour.
        hour: U32,
        /// Minute.
        minute: U32,
        /// Second.
        second: U32,
        /// Milliseconds.
        milliseconds: U32,
        /// Unix time, seconds, UTC.
        system_time: U32,
    }
);
layout!(
    /// ButtonTemplate (0x0097) header, 12 bytes.
    ButtonTemplateHeader {
        /// Button offset.
        button_offset: U32,
        /// Button count.
        button_count: U32,
        /// Total button count.
        total_button_count: U32,
    }
);

/// One ButtonTemplate slot (§2.12, §3.5).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    FromBytes,
    IntoBytes,
    KnownLayout,
    Immutable,
    Unaligned,
)]
#[repr(C)]
pub struct ButtonDefinition {
    /// Instance number.
    pub instance: u8,
    /// Button definition (§3.5).
    pub definition: u8,
}

/// ButtonTemplate (0x0097) view: header + every 2-byte slot in the body (42
/// in the common 96-byte form, 56 in chan-sccp's 124-byte form).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ButtonTemplate<'a> {
    /// Header.
    pub header: &'a ButtonTemplateHeader,
    /// All slots.
    pub slots: &'a [ButtonDefinition],
    /// An odd last byte, if any.
    pub trailing: &'a [u8],
}

impl<'a> ButtonTemplate<'a> {
    /// The first `button_count` slots (or all slots when fewer).
    #[inline]
    #[must_use]
    pub fn buttons(&self) -> &'a [ButtonDefinition] {
        let n = (self.header.button_count.get() as usize).min(self.slots.len());
        self.slots.get(..n).unwrap_or(self.slots)
    }
}

impl<'a> BodyView<'a> for ButtonTemplate<'a> {
    #[inline]
    fn parse_body(body: &'a [u8]) -> Result<Self, DecodeError> {
        let Ok((header, rest)) = ButtonTemplateHeader::ref_from_prefix(body) else {
            return Err(truncated(body.len(), 12));
        };
        let n = rest.len() / 2;
        let Ok((slots, trailing)) = <[ButtonDefinition]>::ref_from_prefix_with_elems(rest, n)
        else {
            return Err(truncated(body.len(), 12));
        };
        Ok(ButtonTemplate {
            header,
            slots,
            trailing,
        })
    }
    fn body_len(&self) -> usize {
        12 + 2 * self.slots.len() + self.trailing.len()
    }
    fn emit_parts(&self, put: &mut dyn FnMut(&[u8])) {
        put(self.header.as_bytes());
        put(self.slots.as_bytes());
        put(self.trailing);
    }
}

layout!(
    /// Version (0x0098).
    Version { /// Version string.
        version: Str<16> }
);
layout!(
    /// DisplayText (0x0099), 32 bytes.
    DisplayText { /// Text (may hold label escapes).
        text: Str<32> }
);
layout!(
    /// RegisterReject (0x009D), 32 bytes.
    RegisterReject { /// Reason text.
        text: Str<32> }
);

impl RegisterReject {
    /// A reject carrying `text` (≤ 31 bytes, NUL-terminated).
    ///
    /// # Errors
    /// [`TooLong`](super::TooLong) for longer texts.
    pub fn new(text: &str) -> Result<Self, super::TooLong> {
        Ok(RegisterReject {
            text: Str::new_terminated(text.as_bytes())?,
        })
    }
}

layout!(
    /// ServerRes (0x009E) names and ports, body offsets 0–259.
    ServerResBase {
        /// Five server names.
        names: [Str<48>; 5],
        /// Five TCP listen ports.
        ports: [U32; 5],
    }
);

/// The five server addresses of ServerRes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerAddresses<'a> {
    /// 280-byte form.
    V4(&'a [Ipv4; 5]),
    /// 360-byte form (protocol ≥ 17).
    V4or6(&'a [Ipv4or6; 5]),
}

/// ServerRes (0x009E) view: the 360-byte form is chosen when the body has
/// at least 360 bytes, else the 280-byte form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerRes<'a> {
    /// Names and ports.
    pub base: &'a ServerResBase,
    /// Addresses.
    pub addresses: ServerAddresses<'a>,
    /// Bytes after the addresses.
    pub trailing: &'a [u8],
}

impl<'a> BodyView<'a> for ServerRes<'a> {
    #[inline]
    fn parse_body(body: &'a [u8]) -> Result<Self, DecodeError> {
        let Ok((base, rest)) = ServerResBase::ref_from_prefix(body) else {
            return Err(truncated(body.len(), 280));
        };
        if let Ok((a, trailing)) = <[Ipv4or6; 5]>::ref_from_prefix(rest) {
            return Ok(ServerRes {
                base,
                addresses: ServerAddresses::V4or6(a),
                trailing,
            });
        }
        match <[Ipv4; 5]>::ref_from_prefix(rest) {
            Ok((a, trailing)) => Ok(ServerRes {
                base,
                addresses: ServerAddresses::V4(a),
                trailing,
            }),
            Err(_) => Err(truncated(body.len(), 280)),
        }
    }
    fn body_len(&self) -> usize {
        260 + match self.addresses {
            ServerAddresses::V4(_) => 20,
            ServerAddresses::V4or6(_) => 100,
        } + self.trailing.len()
    }
    fn emit_parts(&self, put: &mut dyn FnMut(&[u8])) {
        put(self.base.as_bytes());
        match self.addresses {
            ServerAddresses::V4(a) => put(a.as_bytes()),
            ServerAddresses::V4or6(a) => put(a.as_bytes()),
        };
        put(self.trailing);
    }
}

layout!(
    /// Reset (0x009F).
    Reset { /// Reset type (§3.3).
        reset_type: U32 }
);

impl Reset {
    /// A Reset of the given type.
    #[must_use]
    pub fn new(t: ResetType) -> Self {
        Reset {
            reset_type: U32::new(t.into()),
        }
    }
    /// The reset type.
    #[inline]
    #[must_use]
    pub fn kind(&self) -> ResetType {
        ResetType::from(self.reset_type.get())
    }
}

/// One soft-key template entry (20 bytes).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    FromBytes,
    IntoBytes,
    KnownLayout,
    Immutable,
    Unaligned,
)]
#[repr(C)]
pub struct SoftKeyDefinition {
    /// Label (may hold label escapes).
    pub label: Str<16>,
    /// Soft-key event.
    pub event: U32,
}

layout!(
    /// SoftKeyTemplateRes (0x0108), 652 bytes.
    SoftKeyTemplateRes {
        /// Soft-key offset.
        offset: U32,
        /// Soft-key count.
        count: U32,
        /// Total soft-key count.
        total: U32,
        /// 32 definitions.
        keys: [SoftKeyDefinition; 32],
    }
);

/// One soft-key set (48 bytes).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    FromBytes,
    IntoBytes,
    KnownLayout,
    Immutable,
    Unaligned,
)]
#[repr(C)]
pub struct SoftKeySet {
    /// Template indexes.
    pub template_index: [u8; 16],
    /// Info indexes.
    pub info_index: [U16; 16],
}

layout!(
    /// SoftKeySetRes (0x0109), 780 bytes.
    SoftKeySetRes {
        /// Soft-key set offset.
        offset: U32,
        /// Soft-key set count.
        count: U32,
        /// Total soft-key set count.
        total: U32,
        /// 16 sets.
        sets: [SoftKeySet; 16],
    }
);
layout!(
    /// SelectSoftKeys (0x0110).
    SelectSoftKeys {
        /// Line instance.
        line_instance: U32,
        /// Call reference.
        call_reference: U32,
        /// Soft-key set index (§3.10).
        soft_key_set_index: U32,
        /// Valid key mask.
        valid_key_mask: U32,
    }
);
layout!(
    /// CallState (0x0111) 12-byte form.
    CallState {
        /// Call state (§3.13).
        call_state: U32,
        /// Line instance.
        line_instance: U32,
        /// Call reference.
        call_reference: U32,
    }
);
layout!(
    /// CallState 24-byte form tail.
    CallStateExt {
        /// Privacy: 0 none, 1 limited, 2 full.
        privacy: U32,
        /// Precedence level.
        precedence_level: U32,
        /// Precedence domain.
        precedence_domain: U32,
    }
);
layout!(
    /// DisplayPromptStatus (0x0112), 44 bytes.
    DisplayPromptStatus {
        /// Timeout, seconds.
        timeout: U32,
        /// Prompt text.
        text: Str<32>,
        /// Line instance.
        line_instance: U32,
        /// Call reference.
        call_reference: U32,
    }
);
layout!(
    /// DisplayNotify (0x0114), 36 bytes.
    DisplayNotify {
        /// Timeout, seconds (0 = stay).
        timeout: U32,
        /// Text.
        text: Str<32>,
    }
);
layout!(
    /// DisplayPriNotify (0x0120), 40 bytes.
    DisplayPriNotify {
        /// Timeout, seconds.
        timeout: U32,
        /// Priority.
        priority: U32,
        /// Text.
        text: Str<32>,
    }
);

// --------------------------------------------------------------------------
// Constructors for the messages a station or registrar builds most.

impl RegisterFull {
    /// Register fields with the station id, address, type, stream count and
    /// protocol version set (everything else zero); pick the form with
    /// [`RegisterFull::view`].
    #[must_use]
    pub fn new(
        station: StationId,
        station_ip: core::net::Ipv4Addr,
        device_type: DeviceType,
        max_streams: u32,
        protocol_version: u8,
    ) -> Self {
        let mut r = RegisterFull {
            base: RegisterBase {
                station,
                station_ip: Ipv4::new(station_ip),
                device_type: u32::from(device_type).into(),
                max_streams: max_streams.into(),
            },
            ..RegisterFull::default()
        };
        r.v44.protocol_version = protocol_version;
        r
    }
}

impl DisplayText {
    /// A text (≤ 31 bytes; may hold label escapes).
    ///
    /// # Errors
    /// [`TooLong`](super::TooLong) for longer texts.
    pub fn new(text: &[u8]) -> Result<Self, super::TooLong> {
        Ok(DisplayText {
            text: Str::new_terminated(text)?,
        })
    }
}

impl DisplayNotify {
    /// A notification shown for `timeout_secs` (0 = until cleared).
    ///
    /// # Errors
    /// [`TooLong`](super::TooLong) for texts over 31 bytes.
    pub fn new(timeout_secs: u32, text: &[u8]) -> Result<Self, super::TooLong> {
        Ok(DisplayNotify {
            timeout: timeout_secs.into(),
            text: Str::new_terminated(text)?,
        })
    }
}

impl DisplayPriNotify {
    /// A priority notification.
    ///
    /// # Errors
    /// [`TooLong`](super::TooLong) for texts over 31 bytes.
    pub fn new(timeout_secs: u32, priority: u32, text: &[u8]) -> Result<Self, super::TooLong> {
        Ok(DisplayPriNotify {
            timeout: timeout_secs.into(),
            priority: priority.into(),
            text: Str::new_terminated(text)?,
        })
    }
}

impl DisplayPromptStatus {
    /// A prompt for a line and call.
    ///
    /// # Errors
    /// [`TooLong`](super::TooLong) for texts over 31 bytes.
    pub fn new(
        timeout_secs: u32,
        text: &[u8],
        line_instance: u32,
        call_reference: u32,
    ) -> Result<Self, super::TooLong> {
        Ok(DisplayPromptStatus {
            timeout: timeout_secs.into(),
            text: Str::new_terminated(text)?,
            line_instance: line_instance.into(),
            call_reference: call_reference.into(),
        })
    }
}

impl LineStat {
    /// A line status answer.
    ///
    /// # Errors
    /// [`TooLong`](super::TooLong) when a text does not fit its field with a NUL.
    pub fn new(
        line_number: u32,
        dir_number: &str,
        display_name: &str,
        label: &str,
        display_options: u32,
    ) -> Result<Self, super::TooLong> {
        Ok(LineStat {
            line_number: line_number.into(),
            dir_number: Str::new_terminated(dir_number.as_bytes())?,
            fully_qualified_display_name: Str::new_terminated(display_name.as_bytes())?,
            text_label: Str::new_terminated(label.as_bytes())?,
            display_options: display_options.into(),
        })
    }
}

impl ConfigStat {
    /// A configuration status answer.
    ///
    /// # Errors
    /// [`TooLong`](super::TooLong) when a name does not fit its field with a NUL.
    pub fn new(
        station: StationId,
        user_name: &str,
        server_name: &str,
        lines: u32,
        speed_dials: u32,
    ) -> Result<Self, super::TooLong> {
        Ok(ConfigStat {
            station,
            user_name: Str::new_terminated(user_name.as_bytes())?,
            server_name: Str::new_terminated(server_name.as_bytes())?,
            number_of_lines: lines.into(),
            number_of_speed_dials: speed_dials.into(),
        })
    }
}

impl DefineTimeDate {
    /// The date and time at Unix time `unix_secs` (+ `millis`), with the
    /// date/time fields in local time `utc_offset_secs` east of UTC and
    /// `system_time` in UTC (§2.12). Proleptic Gregorian calendar.
    #[must_use]
    pub fn from_unix(unix_secs: u64, millis: u16, utc_offset_secs: i32) -> Self {
        let local = (unix_secs as i64).saturating_add(i64::from(utc_offset_secs));
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400);
        // Civil date from a day count (days since 1970-01-01), era-based.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        let dow = (days + 4).rem_euclid(7); // 1970-01-01 was a Thursday
        let v = |x: i64| U32::new(u32::try_from(x).unwrap_or(0));
        DefineTimeDate {
            year: v(year),
            month: v(month),
            day_of_week: v(dow),
            day: v(day),
            hour: v(secs / 3600),
            minute: v(secs / 60 % 60),
            second: v(secs % 60),
            milliseconds: U32::new(u32::from(millis.min(999))),
            system_time: U32::new(u32::try_from(unix_secs).unwrap_or(u32::MAX)),
        }
    }
}

layout!(
    /// Every ButtonTemplate field in the common 42-slot form, for building messages.
    ButtonTemplateFull {
        /// Header.
        header: ButtonTemplateHeader,
        /// 42 slots.
        slots: [ButtonDefinition; 42],
    }
);

impl ButtonTemplateFull {
    /// A template listing `buttons` (at most 42 are kept), offset 0,
    /// count = total = number kept.
    #[must_use]
    pub fn new(buttons: &[ButtonDefinition]) -> Self {
        let n = buttons.len().min(42);
        let mut t = ButtonTemplateFull::default();
        if let (Some(dst), Some(src)) = (t.slots.get_mut(..n), buttons.get(..n)) {
            dst.copy_from_slice(src);
        }
        t.header.button_count = (n as u32).into();
        t.header.total_button_count = (n as u32).into();
        t
    }

    /// The view to put in [`Message::ButtonTemplate`](crate::Message::ButtonTemplate).
    #[must_use]
    pub fn view(&self) -> ButtonTemplate<'_> {
        ButtonTemplate {
            header: &self.header,
            slots: &self.slots,
            trailing: &[],
        }
    }
}

impl SoftKeyTemplateRes {
    /// A template listing `keys` (label, event); at most 32 are kept.
    ///
    /// # Errors
    /// [`TooLong`](super::TooLong) when a label exceeds 15 bytes.
    pub fn new(keys: &[(&[u8], u32)]) -> Result<Self, super::TooLong> {
        let mut t = SoftKeyTemplateRes::default();
        let n = keys.len().min(32);
        for (slot, (label, event)) in t.keys.iter_mut().zip(keys.iter().take(n)) {
            *slot = SoftKeyDefinition {
                label: Str::new_terminated(label)?,
                event: (*event).into(),
            };
        }
        t.count = (n as u32).into();
        t.total = (n as u32).into();
        Ok(t)
    }
}

/// Owned CapabilitiesRes fields (up to 18 entries), for building messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CapabilitiesFull {
    count: Word,
    caps: [Capability; MAX_CAPABILITIES],
    len: usize,
}

impl CapabilitiesFull {
    /// Up to 18 capabilities (more are dropped).
    #[must_use]
    pub fn new(caps: &[Capability]) -> Self {
        let len = caps.len().min(MAX_CAPABILITIES);
        let mut all = [Capability::default(); MAX_CAPABILITIES];
        if let (Some(d), Some(s)) = (all.get_mut(..len), caps.get(..len)) {
            d.copy_from_slice(s);
        }
        CapabilitiesFull {
            count: Word::new(len as u32),
            caps: all,
            len,
        }
    }

    /// The view to put in [`Message::CapabilitiesRes`](crate::Message::CapabilitiesRes).
    #[must_use]
    pub fn view(&self) -> CapabilitiesRes<'_> {
        CapabilitiesRes::new(&self.count, self.caps.get(..self.len).unwrap_or(&[]))
    }
}
