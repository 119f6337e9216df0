//! The [`Message`] enum: one variant per message id with a known layout.

use dialtone_core::InsufficientSize;

use super::types::*;
use super::{write_header, Empty, Frame, HEADER_LEN};
use crate::error::DecodeError;

macro_rules! messages {
    ($($(#[$m:meta])* $v:ident($view:ty) = $id:literal, $konst:ident, $tshark:literal;)*) => {
        /// Message ids (`sccp.md` §2.1).
        pub mod id {
            $(
                #[doc = concat!("`", stringify!($v), "` (tshark: ", $tshark, ").")]
                pub const $konst: u32 = $id;
            )*
        }

        /// A decoded Skinny message: a typed view borrowing the received bytes,
        /// or a borrowed representation to encode.
        ///
        /// Ids without a known layout are [`Message::Unknown`], never an error.
        /// Body-size tolerance: see [`types`](super::types).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum Message<'a> {
            $(
                $(#[$m])*
                #[doc = concat!("\n\nId ", stringify!($id), ", tshark name `", $tshark, "`.")]
                $v($view),
            )*
            /// A message id without a layout in this crate.
            Unknown {
                /// Message id.
                id: u32,
                /// Body bytes.
                body: &'a [u8],
            },
        }

        impl<'a> Message<'a> {
            /// Decodes a body for message `id`.
            ///
            /// # Errors
            /// [`DecodeError`] when the body is shorter than the smallest
            /// known form, or a count in it does not fit (offsets are
            /// absolute, the header counted).
            #[inline(always)]
            pub fn parse_body(id: u32, body: &'a [u8]) -> Result<Self, DecodeError> {
                let r = match id {
                    $($id => <$view as BodyView<'a>>::parse_body(body).map(Message::$v),)*
                    _ => Ok(Message::Unknown { id, body }),
                };
                r.map_err(after_header)
            }

            /// The message id.
            #[inline]
            #[must_use]
            pub fn id(&self) -> u32 {
                match self {
                    $(Message::$v(_) => $id,)*
                    Message::Unknown { id, .. } => *id,
                }
            }

            /// Exact body length when encoded.
            #[inline]
            #[must_use]
            pub fn body_len(&self) -> usize {
                match self {
                    $(Message::$v(v) => v.body_len(),)*
                    Message::Unknown { body, .. } => body.len(),
                }
            }

            /// Hands the body bytes, in order, to `put` (possibly in several pieces).
            pub fn emit_parts(&self, put: &mut dyn FnMut(&[u8])) {
                match self {
                    $(Message::$v(v) => v.emit_parts(put),)*
                    Message::Unknown { body, .. } => put(body),
                }
            }

            fn emit_body(&self, out: &mut [u8]) {
                match self {
                    $(Message::$v(v) => v.emit_body(out),)*
                    Message::Unknown { body, .. } => {
                        if let Some(dst) = out.get_mut(..body.len()) {
                            dst.copy_from_slice(body);
                        }
                    }
                }
            }
        }

        /// Makes a body-relative error offset absolute.
#[cold]
fn after_header(e: DecodeError) -> DecodeError {
    match e {
        DecodeError::Truncated { offset, needed } => DecodeError::Truncated { offset: offset + HEADER_LEN, needed },
        DecodeError::Oversized { offset, len, max } => DecodeError::Oversized { offset: offset + HEADER_LEN, len, max },
        DecodeError::Inconsistent { offset, field } => DecodeError::Inconsistent { offset: offset + HEADER_LEN, field },
    }
}

/// The name tshark 4.0.17 shows for a message id, when known.
        #[must_use]
        pub fn tshark_name(id: u32) -> Option<&'static str> {
            match id {
                $($id => Some($tshark),)*
                _ => None,
            }
        }

        /// The canonical name of a message id, when this crate knows its layout.
        #[must_use]
        pub fn message_name(id: u32) -> Option<&'static str> {
            match id {
                $($id => Some(stringify!($v)),)*
                _ => None,
            }
        }

        /// Every message id with a layout in this crate.
        pub const KNOWN_IDS: &[u32] = &[$($id),*];
    };
}

messages! {
    // ---- station -> CM
    /// Keepalive to the CM.
    KeepAlive(NoBody<'a>) = 0x0000, KEEP_ALIVE, "KeepAliveReq";
    /// Registration request, any of the seven forms.
    Register(Register<'a>) = 0x0001, REGISTER, "RegisterReq";
    /// RTP port of the station.
    IpPort(Fixed<'a, Word>) = 0x0002, IP_PORT, "IpPort";
    /// Keypad button, 4- or 12-byte form (ext: line instance, call reference).
    KeypadButton(Fixed<'a, KeypadButton, CallRef>) = 0x0003, KEYPAD_BUTTON, "KeypadButton";
    /// Stimulus, 8- or 16-byte form.
    Stimulus(Fixed<'a, Stimulus, StimulusExt>) = 0x0005, STIMULUS, "Stimulus";
    /// Off hook, empty or with line instance + call reference.
    OffHook(Fixed<'a, Empty, CallRef>) = 0x0006, OFF_HOOK, "OffHook";
    /// On hook, empty or with line instance + call reference.
    OnHook(Fixed<'a, Empty, CallRef>) = 0x0007, ON_HOOK, "OnHook";
    /// Forward status request (line number).
    ForwardStatReq(Fixed<'a, Word>) = 0x0009, FORWARD_STAT_REQ, "ForwardStatReq";
    /// Speed-dial status request (speed-dial number).
    SpeedDialStatReq(Fixed<'a, Word>) = 0x000A, SPEED_DIAL_STAT_REQ, "SpeedDialStatReq";
    /// Line status request (line number).
    LineStatReq(Fixed<'a, Word>) = 0x000B, LINE_STAT_REQ, "LineStatReq";
    /// Configuration status request.
    ConfigStatReq(NoBody<'a>) = 0x000C, CONFIG_STAT_REQ, "ConfigStatReq";
    /// Time and date request.
    TimeDateReq(NoBody<'a>) = 0x000D, TIME_DATE_REQ, "TimeDateReq";
    /// Button template request.
    ButtonTemplateReq(NoBody<'a>) = 0x000E, BUTTON_TEMPLATE_REQ, "ButtonTemplateReq";
    /// Version request.
    VersionReq(NoBody<'a>) = 0x000F, VERSION_REQ, "VersionReq";
    /// Media capabilities.
    CapabilitiesRes(CapabilitiesRes<'a>) = 0x0010, CAPABILITIES_RES, "CapabilitiesRes";
    /// Server list request.
    ServerReq(NoBody<'a>) = 0x0012, SERVER_REQ, "ServerReq";
    /// Alarm.
    Alarm(Fixed<'a, Alarm>) = 0x0020, ALARM, "Alarm";
    /// Soft-key set request.
    SoftKeySetReq(NoBody<'a>) = 0x0025, SOFT_KEY_SET_REQ, "SoftKeySetReq";
    /// Soft-key press.
    SoftKeyEvent(Fixed<'a, SoftKeyEvent>) = 0x0026, SOFT_KEY_EVENT, "SoftKeyEvent";
    /// Unregister, empty or with a reason (§3.14).
    Unregister(Fixed<'a, Empty, Word>) = 0x0027, UNREGISTER, "UnregisterReq";
    /// Soft-key template request.
    SoftKeyTemplateReq(NoBody<'a>) = 0x0028, SOFT_KEY_TEMPLATE_REQ, "SoftKeyTemplateReq";
    /// Permission to come back to a higher-priority CM.
    RegisterTokenReq(RegisterTokenReq<'a>) = 0x0029, REGISTER_TOKEN_REQ, "RegisterTokenReq";
    /// Headset status: 1 on, 2 off.
    HeadsetStatus(Fixed<'a, Word>) = 0x002B, HEADSET_STATUS, "HeadsetStatus";
    /// Media resource streams.
    MediaResourceNotification(Fixed<'a, MediaResourceNotification>) = 0x002C, MEDIA_RESOURCE_NOTIFICATION, "MediaResourceNotification";
    /// Number of available lines.
    RegisterAvailableLines(Fixed<'a, Word>) = 0x002D, REGISTER_AVAILABLE_LINES, "RegisterAvailableLines";
    /// SPA token request.
    SpcpRegisterTokenReq(Fixed<'a, SpcpRegisterTokenReq>) = 0x8000, SPCP_REGISTER_TOKEN_REQ, "SPCPRegisterTokenReq";
    // ---- CM -> station
    /// Registration accepted.
    RegisterAck(Fixed<'a, RegisterAck>) = 0x0081, REGISTER_ACK, "RegisterAck";
    /// Start a tone.
    StartTone(Fixed<'a, StartTone>) = 0x0082, START_TONE, "StartTone";
    /// Stop a tone, 8- or 12-byte form (ext: tone).
    StopTone(Fixed<'a, CallRef, Word>) = 0x0083, STOP_TONE, "StopTone";
    /// Ringer.
    SetRinger(Fixed<'a, SetRinger>) = 0x0085, SET_RINGER, "SetRinger";
    /// Lamp.
    SetLamp(Fixed<'a, SetLamp>) = 0x0086, SET_LAMP, "SetLamp";
    /// Speaker mode: 1 on, 2 off.
    SetSpeakerMode(Fixed<'a, Word>) = 0x0088, SET_SPEAKER_MODE, "SetSpeakerMode";
    /// Microphone mode: 1 on, 2 off.
    SetMicroMode(Fixed<'a, Word>) = 0x0089, SET_MICRO_MODE, "SetMicroMode";
    /// Speed-dial status.
    SpeedDialStat(Fixed<'a, SpeedDialStat>) = 0x0091, SPEED_DIAL_STAT, "SpeedDialStatRes";
    /// Line status.
    LineStat(Fixed<'a, LineStat>) = 0x0092, LINE_STAT, "LineStatRes";
    /// Configuration status.
    ConfigStat(Fixed<'a, ConfigStat>) = 0x0093, CONFIG_STAT, "ConfigStatRes";
    /// Time and date.
    DefineTimeDate(Fixed<'a, DefineTimeDate>) = 0x0094, DEFINE_TIME_DATE, "TimeDateRes";
    /// Button template.
    ButtonTemplate(ButtonTemplate<'a>) = 0x0097, BUTTON_TEMPLATE, "ButtonTemplateRes";
    /// Version.
    Version(Fixed<'a, Version>) = 0x0098, VERSION, "VersionRes";
    /// Display text.
    DisplayText(Fixed<'a, DisplayText>) = 0x0099, DISPLAY_TEXT, "DisplayText";
    /// Clear display.
    ClearDisplay(NoBody<'a>) = 0x009A, CLEAR_DISPLAY, "ClearDisplay";
    /// Capabilities request.
    CapabilitiesReq(NoBody<'a>) = 0x009B, CAPABILITIES_REQ, "CapabilitiesReq";
    /// Registration refused.
    RegisterReject(Fixed<'a, RegisterReject>) = 0x009D, REGISTER_REJECT, "RegisterReject";
    /// Server list.
    ServerRes(ServerRes<'a>) = 0x009E, SERVER_RES, "ServerRes";
    /// Reset.
    Reset(Fixed<'a, Reset>) = 0x009F, RESET, "Reset";
    /// Keepalive answer.
    KeepAliveAck(NoBody<'a>) = 0x0100, KEEP_ALIVE_ACK, "KeepAliveAck";
    /// Soft-key template.
    SoftKeyTemplateRes(Fixed<'a, SoftKeyTemplateRes>) = 0x0108, SOFT_KEY_TEMPLATE_RES, "SoftKeyTemplateRes";
    /// Soft-key sets.
    SoftKeySetRes(Fixed<'a, SoftKeySetRes>) = 0x0109, SOFT_KEY_SET_RES, "SoftKeySetRes";
    /// Select soft keys.
    SelectSoftKeys(Fixed<'a, SelectSoftKeys>) = 0x0110, SELECT_SOFT_KEYS, "SelectSoftKeys";
    /// Call state, 12- or 24-byte form.
    CallState(Fixed<'a, CallState, CallStateExt>) = 0x0111, CALL_STATE, "CallState";
    /// Prompt status.
    DisplayPromptStatus(Fixed<'a, DisplayPromptStatus>) = 0x0112, DISPLAY_PROMPT_STATUS, "DisplayPromptStatus";
    /// Clear prompt status.
    ClearPromptStatus(Fixed<'a, CallRef>) = 0x0113, CLEAR_PROMPT_STATUS, "ClearPromptStatus";
    /// Notification.
    DisplayNotify(Fixed<'a, DisplayNotify>) = 0x0114, DISPLAY_NOTIFY, "DisplayNotify";
    /// Clear notification.
    ClearNotify(NoBody<'a>) = 0x0115, CLEAR_NOTIFY, "ClearNotify";
    /// Activate call plane (line instance).
    ActivateCallPlane(Fixed<'a, Word>) = 0x0116, ACTIVATE_CALL_PLANE, "ActivateCallPlane";
    /// Deactivate call plane.
    DeactivateCallPlane(NoBody<'a>) = 0x0117, DEACTIVATE_CALL_PLANE, "DeactivateCallPlane";
    /// Unregister answer (status, §3.14).
    UnregisterAck(Fixed<'a, Word>) = 0x0118, UNREGISTER_ACK, "UnregisterAck";
    /// Token granted.
    RegisterTokenAck(NoBody<'a>) = 0x011A, REGISTER_TOKEN_ACK, "RegisterTokenAck";
    /// Token refused (seconds to wait).
    RegisterTokenReject(Fixed<'a, Word>) = 0x011B, REGISTER_TOKEN_REJECT, "RegisterTokenReject";
    /// Priority notification.
    DisplayPriNotify(Fixed<'a, DisplayPriNotify>) = 0x0120, DISPLAY_PRI_NOTIFY, "DisplayPriNotify";
    /// Clear priority notification (priority).
    ClearPriNotify(Fixed<'a, Word>) = 0x0121, CLEAR_PRI_NOTIFY, "ClearPriNotify";
    /// SPA token granted (features).
    SpcpRegisterTokenAck(Fixed<'a, Word>) = 0x8100, SPCP_REGISTER_TOKEN_ACK, "SPCPRegisterTokenAck";
    /// SPA token refused (seconds to wait).
    SpcpRegisterTokenReject(Fixed<'a, Word>) = 0x8101, SPCP_REGISTER_TOKEN_REJECT, "SPCPRegisterTokenReject";
}

impl<'a> Message<'a> {
    /// Decodes the message in a checked frame.
    ///
    /// # Errors
    /// See [`Message::parse_body`].
    #[inline]
    pub fn parse(frame: &Frame<&'a [u8]>) -> Result<Self, DecodeError> {
        Self::parse_body(frame.message_id(), frame.body_ref())
    }

    /// Checks and decodes one PDU in `bytes` (bytes after it are ignored).
    ///
    /// # Errors
    /// See [`Frame::new_checked`] and [`Message::parse_body`].
    pub fn decode(bytes: &'a [u8]) -> Result<(u32, Self), DecodeError> {
        let f = Frame::new_checked(bytes)?;
        Ok((f.header_version(), Self::parse(&f)?))
    }

    /// Exact encoded size: 12-byte header + body.
    #[must_use]
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + self.body_len()
    }

    /// Encodes with header version 0 ("Basic"); see [`Message::emit_with_version`].
    ///
    /// # Errors
    /// [`InsufficientSize`] when `out` is shorter than [`Message::buffer_len`];
    /// nothing is written then.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, InsufficientSize> {
        self.emit_with_version(0, out)
    }

    /// Encodes with the given header version (choose it with
    /// [`header_version_for`](crate::header_version_for)) into the front of
    /// `out`; returns the number of bytes written (= [`Message::buffer_len`]).
    ///
    /// # Errors
    /// [`InsufficientSize`] when `out` is shorter than [`Message::buffer_len`];
    /// nothing is written then.
    pub fn emit_with_version(
        &self,
        header_version: u32,
        out: &mut [u8],
    ) -> Result<usize, InsufficientSize> {
        let body_len = self.body_len();
        let total = HEADER_LEN + body_len;
        let Some(dst) = out.get_mut(..total) else {
            return Err(InsufficientSize { required: total });
        };
        write_header(dst, body_len, header_version, self.id());
        if let Some(body) = dst.get_mut(HEADER_LEN..) {
            self.emit_body(body);
        }
        Ok(total)
    }

    /// Appends the encoded message to `buf`.
    ///
    /// # Errors
    /// [`InsufficientSize`] when `buf.remaining_mut()` is too small; nothing
    /// is written then.
    #[cfg(feature = "alloc")]
    pub fn emit_buf<B: bytes::BufMut>(
        &self,
        header_version: u32,
        buf: &mut B,
    ) -> Result<usize, InsufficientSize> {
        let total = self.buffer_len();
        if buf.remaining_mut() < total {
            return Err(InsufficientSize { required: total });
        }
        let mut head = [0u8; HEADER_LEN];
        write_header(&mut head, total - HEADER_LEN, header_version, self.id());
        buf.put_slice(&head);
        self.emit_parts(&mut |b: &[u8]| buf.put_slice(b));
        Ok(total)
    }

    /// The canonical name (`"RegisterAck"`), or `None` for unknown ids.
    #[must_use]
    pub fn name(&self) -> Option<&'static str> {
        message_name(self.id())
    }
}
