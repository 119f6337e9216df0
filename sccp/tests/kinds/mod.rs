//! One sample value of every message kind, with the fields tshark should show.
#![allow(clippy::field_reassign_with_default)]
#![allow(dead_code)]

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use dialtone_sccp::types::*;
use dialtone_sccp::{
    header_version_for, id, Empty, Ipv4, Ipv4or6, Ipv6, Message, RejectReason, ResetType,
    StationId, Str,
};

fn leak<T>(t: T) -> &'static T {
    Box::leak(Box::new(t))
}

fn s<const N: usize>(t: &str) -> Str<N> {
    Str::new_terminated(t.as_bytes()).unwrap()
}

fn w(v: u32) -> &'static Word {
    leak(Word::new(v))
}

/// A sample message, the header version to send it with, and (tshark field, value) pairs.
pub struct Sample {
    pub msg: Message<'static>,
    pub hv: u32,
    pub fields: Vec<(&'static str, String)>,
    /// Whether tshark 4.0.17 reads this form without flagging it (its
    /// Stimulus dissector always expects the 16-byte form).
    pub tshark: bool,
}

fn sample(msg: Message<'static>, negotiated: u8, fields: &[(&'static str, &str)]) -> Sample {
    let hv = header_version_for(msg.id(), negotiated, false);
    Sample {
        msg,
        hv,
        fields: fields.iter().map(|(k, v)| (*k, v.to_string())).collect(),
        tshark: true,
    }
}

pub fn all() -> Vec<Sample> {
    let station = StationId::new("SEP001E7AC4D231", 1).unwrap();
    let mut v = Vec::new();

    // --- station -> CM
    v.push(sample(Message::KeepAlive(NoBody::EMPTY), 20, &[]));
    let mut full = RegisterFull::default();
    full.base = RegisterBase {
        station,
        station_ip: Ipv4::new(Ipv4Addr::new(10, 20, 30, 57)),
        device_type: 436.into(),
        max_streams: 5.into(),
    };
    full.v44 = RegisterExt44 {
        active_streams: 0.into(),
        protocol_version: 20,
        unknown: 0,
        features: 0x8572.into(),
    };
    full.v48.max_conferences = 2.into();
    full.v52.active_conferences = 0.into();
    full.v68.mac_address = [0x00, 0x1e, 0x7a, 0xc4, 0xd2, 0x31, 0, 0, 0, 0, 0, 0];
    full.v68.ipv4_address_scope = 3.into();
    full.v124.max_lines = 6.into();
    full.v124.station_ipv6 = Ipv6::new(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x57));
    full.v124.firmware_load_name = s("SCCP45.9-4-2SR3-1S");
    full.v172.config_version_stamp = s("1234567890-abcdef");
    let full = leak(full);
    for form in RegisterForm::ALL {
        let len = form.body_len() + 4;
        let mut f: Vec<(&'static str, &str)> = vec![
            ("skinny.DeviceName", "SEP001E7AC4D231"),
            ("skinny.deviceType", "436"),
            ("skinny.maxStreams", "5"),
            ("skinny.stationIpAddr", "10.20.30.57"),
        ];
        if len > 52 {
            f.push(("skinny.protocolVer", "20"));
        }
        if len > 100 {
            f.push(("skinny.firmwareLoadName", "SCCP45.9-4-2SR3-1S"));
            f.push(("skinny.maxNumberOfLines", "6"));
        }
        if len > 191 {
            f.push(("skinny.configVersionStamp", "1234567890-abcdef"));
        }
        v.push(sample(Message::Register(full.view(form)), 0, &f));
    }
    v.push(sample(
        Message::IpPort(Fixed::new(w(0x4000))),
        20,
        &[("skinny.rtpMediaPort", "16384")],
    ));
    v.push(sample(
        Message::KeypadButton(Fixed::new(leak(KeypadButton { button: 0xe.into() }))),
        20,
        &[("skinny.kpButton", "14")],
    ));
    v.push(sample(
        Message::KeypadButton(Fixed::with_ext(
            leak(KeypadButton { button: 5.into() }),
            leak(CallRef {
                line_instance: 1.into(),
                call_reference: 77.into(),
            }),
        )),
        20,
        &[("skinny.kpButton", "5"), ("skinny.callReference", "77")],
    ));
    let mut old = sample(
        Message::Stimulus(Fixed::new(leak(Stimulus {
            stimulus: 9.into(),
            stimulus_instance: 1.into(),
        }))),
        20,
        &[("skinny.stimulus", "9")],
    );
    old.tshark = false;
    v.push(old);
    v.push(sample(
        Message::Stimulus(Fixed::with_ext(
            leak(Stimulus {
                stimulus: 3.into(),
                stimulus_instance: 2.into(),
            }),
            leak(StimulusExt {
                call_reference: 78.into(),
                stimulus_status: 0.into(),
            }),
        )),
        20,
        &[("skinny.stimulus", "3"), ("skinny.callReference", "78")],
    ));
    v.push(sample(Message::OffHook(Fixed::EMPTY), 20, &[]));
    v.push(sample(
        Message::OffHook(Fixed::with_ext(
            leak(Empty {}),
            leak(CallRef {
                line_instance: 1.into(),
                call_reference: 79.into(),
            }),
        )),
        20,
        &[("skinny.callReference", "79")],
    ));
    v.push(sample(
        Message::OnHook(Fixed::with_ext(
            leak(Empty {}),
            leak(CallRef {
                line_instance: 1.into(),
                call_reference: 80.into(),
            }),
        )),
        20,
        &[("skinny.callReference", "80")],
    ));
    v.push(sample(
        Message::ForwardStatReq(Fixed::new(w(1))),
        20,
        &[("skinny.lineNumber", "1")],
    ));
    v.push(sample(
        Message::SpeedDialStatReq(Fixed::new(w(2))),
        20,
        &[("skinny.speedDialNumber", "2")],
    ));
    v.push(sample(
        Message::LineStatReq(Fixed::new(w(1))),
        20,
        &[("skinny.lineNumber", "1")],
    ));
    v.push(sample(Message::ConfigStatReq(NoBody::EMPTY), 20, &[]));
    v.push(sample(Message::TimeDateReq(NoBody::EMPTY), 20, &[]));
    v.push(sample(Message::ButtonTemplateReq(NoBody::EMPTY), 20, &[]));
    v.push(sample(Message::VersionReq(NoBody::EMPTY), 20, &[]));
    let caps = leak([
        Capability::new(4, 40),
        Capability::new(11, 60),
        Capability::new(2, 20),
    ]);
    v.push(sample(
        Message::CapabilitiesRes(CapabilitiesRes::new(w(3), caps)),
        20,
        &[("skinny.capCount", "3"), ("skinny.payloadCapability", "11")],
    ));
    v.push(sample(Message::ServerReq(NoBody::EMPTY), 20, &[]));
    v.push(sample(
        Message::Alarm(Fixed::new(leak(Alarm {
            severity: 2.into(),
            text: s("Name=SEP001E7AC4D231 Load=x"),
            param1: 7.into(),
            param2: 0x0a141e39.into(),
        }))),
        20,
        &[
            ("skinny.alarmSeverity", "2"),
            ("skinny.text", "Name=SEP001E7AC4D231 Load=x"),
            ("skinny.parm1", "7"),
        ],
    ));
    v.push(sample(Message::SoftKeySetReq(NoBody::EMPTY), 20, &[]));
    v.push(sample(
        Message::SoftKeyEvent(Fixed::new(leak(SoftKeyEvent {
            event: 2.into(),
            line_instance: 1.into(),
            call_reference: 81.into(),
        }))),
        20,
        &[("skinny.softKeyEvent", "2"), ("skinny.callReference", "81")],
    ));
    v.push(sample(Message::Unregister(Fixed::EMPTY), 20, &[]));
    v.push(sample(
        Message::Unregister(Fixed::with_ext(leak(Empty {}), w(1))),
        20,
        &[],
    ));
    v.push(sample(Message::SoftKeyTemplateReq(NoBody::EMPTY), 20, &[]));
    let tok = leak(RegisterTokenReqBase {
        station,
        station_ip: Ipv4([57, 30, 20, 10]),
        device_type: 7.into(),
    });
    v.push(sample(
        Message::RegisterTokenReq(RegisterTokenReq {
            base: tok,
            address: TokenAddress::V4(leak(Ipv4([0; 4]))),
            trailing: &[],
        }),
        11,
        &[
            ("skinny.DeviceName", "SEP001E7AC4D231"),
            ("skinny.deviceType", "7"),
            ("skinny.stationIpAddr", "10.20.30.57"),
        ],
    ));
    v.push(sample(
        Message::RegisterTokenReq(RegisterTokenReq {
            base: tok,
            address: TokenAddress::V4or6(leak(Ipv4or6::new(IpAddr::V6(Ipv6Addr::LOCALHOST)))),
            trailing: &[],
        }),
        17,
        &[
            ("skinny.DeviceName", "SEP001E7AC4D231"),
            ("skinny.deviceType", "7"),
        ],
    ));
    v.push(sample(
        Message::HeadsetStatus(Fixed::new(w(1))),
        20,
        &[("skinny.headsetStatus", "1")],
    ));
    v.push(sample(
        Message::MediaResourceNotification(Fixed::new(leak(MediaResourceNotification {
            device_type: 52.into(),
            in_service_streams: 8.into(),
            max_streams_per_conf: 8.into(),
            out_of_service_streams: 0.into(),
        }))),
        18,
        &[
            ("skinny.deviceType", "52"),
            ("skinny.numberOfInServiceStreams", "8"),
        ],
    ));
    v.push(sample(
        Message::RegisterAvailableLines(Fixed::new(w(2))),
        20,
        &[("skinny.maxNumOfAvailLines", "2")],
    ));
    v.push(sample(
        Message::SpcpRegisterTokenReq(Fixed::new(leak(SpcpRegisterTokenReq {
            station,
            station_ip: Ipv4([10, 0, 0, 5]),
            device_type: 80005.into(),
            max_streams: 2.into(),
        }))),
        20,
        &[
            ("skinny.DeviceName", "SEP001E7AC4D231"),
            ("skinny.deviceType", "80005"),
        ],
    ));

    // --- CM -> station
    let ack = leak(RegisterAck::new(30, "M/D/YA", 60, 20, 0x2880).unwrap());
    v.push(sample(
        Message::RegisterAck(Fixed::new(ack)),
        20,
        &[
            ("skinny.keepAliveInterval", "30"),
            ("skinny.dateTemplate", "M/D/YA"),
            ("skinny.secondaryKeepAliveInterval", "60"),
            ("skinny.maxProtocolVer", "20"),
        ],
    ));
    v.push(sample(
        Message::StartTone(Fixed::new(leak(StartTone {
            tone: 0x21.into(),
            direction: 0.into(),
            line_instance: 1.into(),
            call_reference: 82.into(),
        }))),
        20,
        &[("skinny.tone", "33"), ("skinny.callReference", "82")],
    ));
    v.push(sample(
        Message::StopTone(Fixed::with_ext(
            leak(CallRef {
                line_instance: 1.into(),
                call_reference: 83.into(),
            }),
            w(0x21),
        )),
        20,
        &[("skinny.tone", "33"), ("skinny.callReference", "83")],
    ));
    v.push(sample(
        Message::StopTone(Fixed::new(leak(CallRef {
            line_instance: 1.into(),
            call_reference: 84.into(),
        }))),
        10,
        &[("skinny.callReference", "84")],
    ));
    v.push(sample(
        Message::SetRinger(Fixed::new(leak(SetRinger {
            ring_mode: 2.into(),
            ring_duration: 1.into(),
            line_instance: 1.into(),
            call_reference: 85.into(),
        }))),
        20,
        &[("skinny.ringMode", "2"), ("skinny.ringDuration", "1")],
    ));
    v.push(sample(
        Message::SetLamp(Fixed::new(leak(SetLamp {
            stimulus: 9.into(),
            stimulus_instance: 1.into(),
            lamp_mode: 5.into(),
        }))),
        20,
        &[("skinny.stimulus", "9"), ("skinny.lampMode", "5")],
    ));
    v.push(sample(
        Message::SetSpeakerMode(Fixed::new(w(1))),
        20,
        &[("skinny.speakerMode", "1")],
    ));
    v.push(sample(
        Message::SetMicroMode(Fixed::new(w(2))),
        20,
        &[("skinny.micMode", "2")],
    ));
    v.push(sample(
        Message::SpeedDialStat(Fixed::new(leak(SpeedDialStat {
            speed_dial_number: 1.into(),
            number: s("5551234"),
            display_name: s("Help desk"),
        }))),
        20,
        &[
            ("skinny.speedDialNumber", "1"),
            ("skinny.speedDialDirNumber", "5551234"),
            ("skinny.speedDialDisplayName", "Help desk"),
        ],
    ));
    v.push(sample(
        Message::LineStat(Fixed::new(leak(LineStat {
            line_number: 1.into(),
            dir_number: s("2001"),
            fully_qualified_display_name: s("Alice Example"),
            text_label: s("Alice"),
            display_options: 15.into(),
        }))),
        20,
        &[("skinny.lineNumber", "1"), ("skinny.lineDirNumber", "2001")],
    ));
    v.push(sample(
        Message::ConfigStat(Fixed::new(leak(ConfigStat {
            station,
            user_name: s("alice"),
            server_name: s("cucm1"),
            number_of_lines: 2.into(),
            number_of_speed_dials: 1.into(),
        }))),
        20,
        &[
            ("skinny.DeviceName", "SEP001E7AC4D231"),
            ("skinny.userName", "alice"),
            ("skinny.serverName", "cucm1"),
        ],
    ));
    v.push(sample(
        Message::DefineTimeDate(Fixed::new(leak(DefineTimeDate {
            year: 2011.into(),
            month: 10.into(),
            day_of_week: 3.into(),
            day: 5.into(),
            hour: 10.into(),
            minute: 52.into(),
            second: 21.into(),
            milliseconds: 0.into(),
            system_time: 1317801141.into(),
        }))),
        20,
        &[
            ("skinny.wYear", "2011"),
            ("skinny.systemTime", "1317801141"),
        ],
    ));
    let mut slots = [ButtonDefinition::default(); 42];
    slots[0] = ButtonDefinition {
        instance: 1,
        definition: 9,
    };
    slots[1] = ButtonDefinition {
        instance: 2,
        definition: 9,
    };
    slots[2] = ButtonDefinition {
        instance: 1,
        definition: 2,
    };
    let slots = leak(slots);
    let bt = leak(ButtonTemplateHeader {
        button_offset: 0.into(),
        button_count: 3.into(),
        total_button_count: 3.into(),
    });
    v.push(sample(
        Message::ButtonTemplate(ButtonTemplate {
            header: bt,
            slots,
            trailing: &[],
        }),
        20,
        &[("skinny.totalButtonCount", "3")],
    ));
    v.push(sample(
        Message::Version(Fixed::new(leak(Version {
            version: s("SCCP45.9-4-2"),
        }))),
        20,
        &[("skinny.versionStr", "SCCP45.9-4-2")],
    ));
    v.push(sample(
        Message::DisplayText(Fixed::new(leak(DisplayText { text: s("Hello") }))),
        20,
        &[("skinny.text", "Hello")],
    ));
    v.push(sample(Message::ClearDisplay(NoBody::EMPTY), 20, &[]));
    v.push(sample(Message::CapabilitiesReq(NoBody::EMPTY), 20, &[]));
    for r in RejectReason::ALL {
        let text = r.text().unwrap();
        v.push(sample(
            Message::RegisterReject(Fixed::new(leak(RegisterReject::new(text).unwrap()))),
            20,
            &[("skinny.text", text)],
        ));
    }
    let mut srv = ServerResBase::default();
    srv.names[0] = s("cucm1");
    srv.names[1] = s("cucm2");
    srv.ports[0] = 2000.into();
    srv.ports[1] = 2000.into();
    let srv = leak(srv);
    let v4 = leak([
        Ipv4([10, 10, 10, 11]),
        Ipv4([10, 10, 10, 12]),
        Ipv4::default(),
        Ipv4::default(),
        Ipv4::default(),
    ]);
    v.push(sample(
        Message::ServerRes(ServerRes {
            base: srv,
            addresses: ServerAddresses::V4(v4),
            trailing: &[],
        }),
        16,
        &[
            ("skinny.ServerName", "cucm1"),
            ("skinny.serverTcpListenPort", "2000"),
        ],
    ));
    let a = Ipv4or6::new(IpAddr::V4(Ipv4Addr::new(10, 10, 10, 11)));
    let v46 = leak([
        a,
        a,
        Ipv4or6::default(),
        Ipv4or6::default(),
        Ipv4or6::default(),
    ]);
    v.push(sample(
        Message::ServerRes(ServerRes {
            base: srv,
            addresses: ServerAddresses::V4or6(v46),
            trailing: &[],
        }),
        17,
        &[
            ("skinny.ServerName", "cucm2"),
            ("skinny.serverTcpListenPort", "2000"),
        ],
    ));
    v.push(sample(
        Message::Reset(Fixed::new(leak(Reset::new(ResetType::Restart)))),
        20,
        &[("skinny.resetType", "2")],
    ));
    v.push(sample(Message::KeepAliveAck(NoBody::EMPTY), 20, &[]));
    let mut skt = SoftKeyTemplateRes {
        offset: 0.into(),
        count: 2.into(),
        total: 2.into(),
        keys: [SoftKeyDefinition::default(); 32],
    };
    skt.keys[0] = SoftKeyDefinition {
        label: s("Redial"),
        event: 1.into(),
    };
    skt.keys[1] = SoftKeyDefinition {
        label: s("NewCall"),
        event: 2.into(),
    };
    v.push(sample(
        Message::SoftKeyTemplateRes(Fixed::new(leak(skt))),
        20,
        &[
            ("skinny.softKeyLabel", "Redial"),
            ("skinny.softKeyOffset", "0"),
        ],
    ));
    let mut sks = SoftKeySetRes {
        offset: 0.into(),
        count: 1.into(),
        total: 1.into(),
        sets: Default::default(),
    };
    sks.sets[0].template_index[0] = 1;
    sks.sets[0].info_index[0] = 301.into();
    v.push(sample(
        Message::SoftKeySetRes(Fixed::new(leak(sks))),
        20,
        &[("skinny.softKeySetOffset", "0")],
    ));
    v.push(sample(
        Message::SelectSoftKeys(Fixed::new(leak(SelectSoftKeys {
            line_instance: 1.into(),
            call_reference: 86.into(),
            soft_key_set_index: 4.into(),
            valid_key_mask: 0xffff.into(),
        }))),
        20,
        &[
            ("skinny.softKeySetIndex", "4"),
            ("skinny.callReference", "86"),
        ],
    ));
    v.push(sample(
        Message::CallState(Fixed::with_ext(
            leak(CallState {
                call_state: 5.into(),
                line_instance: 1.into(),
                call_reference: 87.into(),
            }),
            leak(CallStateExt {
                privacy: 0.into(),
                precedence_level: 4.into(),
                precedence_domain: 0.into(),
            }),
        )),
        20,
        &[("skinny.callState", "5"), ("skinny.callReference", "87")],
    ));
    v.push(sample(
        Message::DisplayPromptStatus(Fixed::new(leak(DisplayPromptStatus {
            timeout: 10.into(),
            text: s("Enter number"),
            line_instance: 1.into(),
            call_reference: 88.into(),
        }))),
        20,
        &[
            ("skinny.timeOutValue", "10"),
            ("skinny.promptStatus", "Enter number"),
        ],
    ));
    v.push(sample(
        Message::ClearPromptStatus(Fixed::new(leak(CallRef {
            line_instance: 1.into(),
            call_reference: 89.into(),
        }))),
        20,
        &[("skinny.callReference", "89")],
    ));
    v.push(sample(
        Message::DisplayNotify(Fixed::new(leak(DisplayNotify {
            timeout: 5.into(),
            text: s("cucm1 Connected"),
        }))),
        20,
        &[
            ("skinny.timeOutValue", "5"),
            ("skinny.notify", "cucm1 Connected"),
        ],
    ));
    v.push(sample(Message::ClearNotify(NoBody::EMPTY), 20, &[]));
    v.push(sample(
        Message::ActivateCallPlane(Fixed::new(w(1))),
        20,
        &[],
    ));
    v.push(sample(Message::DeactivateCallPlane(NoBody::EMPTY), 20, &[]));
    v.push(sample(
        Message::UnregisterAck(Fixed::new(w(0))),
        20,
        &[("skinny.status", "0")],
    ));
    v.push(sample(Message::RegisterTokenAck(NoBody::EMPTY), 20, &[]));
    v.push(sample(
        Message::RegisterTokenReject(Fixed::new(w(60))),
        20,
        &[("skinny.waitTimeBeforeNextReq", "60")],
    ));
    v.push(sample(
        Message::DisplayPriNotify(Fixed::new(leak(DisplayPriNotify {
            timeout: 0.into(),
            priority: 1.into(),
            text: s("Urgent"),
        }))),
        20,
        &[("skinny.priority", "1"), ("skinny.notify", "Urgent")],
    ));
    v.push(sample(
        Message::ClearPriNotify(Fixed::new(w(1))),
        20,
        &[("skinny.priority", "1")],
    ));
    v.push(sample(
        Message::SpcpRegisterTokenAck(Fixed::new(w(65535))),
        20,
        &[],
    ));
    v.push(sample(
        Message::SpcpRegisterTokenReject(Fixed::new(w(30))),
        20,
        &[],
    ));
    v.push(sample(
        Message::Unknown {
            id: 0x0008,
            body: &[1, 0, 0, 0, 90, 0, 0, 0],
        },
        20,
        &[("skinny.callReference", "90")],
    ));
    let _ = id::KEEP_ALIVE;
    v
}
