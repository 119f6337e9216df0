//! Phone configuration files from C: parse a `SEP<MAC>.cnf.xml` / `XMLDefault.cnf.xml`
//! buffer and read what the firmware needs (protocol, CallManager list, load name).

use dialtone_cnf_xml::model::{Document, Ports, Protocol};
use dialtone_cnf_xml::xml::Config;

use crate::{dialtone_result, guard, slice};

/// Longest host name kept (UCM allows 50 characters for `processNodeName`).
pub const DIALTONE_CNF_HOST_MAX: usize = 64;
/// Longest load name kept.
pub const DIALTONE_CNF_LOAD_MAX: usize = 64;
/// Most CallManagers reported (a file may list up to five).
pub const DIALTONE_CNF_CALL_MANAGERS_MAX: usize = 5;

/// `deviceProtocol`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum dialtone_cnf_protocol {
    /// Absent or another value.
    Unknown = 0,
    /// SCCP.
    Sccp = 1,
    /// SIP.
    Sip = 2,
}

/// One CallManager, in the order the phone tries them.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct dialtone_cnf_call_manager {
    /// `processNodeName` (trimmed), not NUL-terminated; `host_len` bytes are valid.
    pub host: [u8; DIALTONE_CNF_HOST_MAX],
    /// Length of `host`.
    pub host_len: usize,
    /// `name` (trimmed; the server's name in the cluster, for display and logs), not
    /// NUL-terminated; `name_len` bytes are valid, 0 when absent.
    pub name: [u8; DIALTONE_CNF_HOST_MAX],
    /// Length of `name`.
    pub name_len: usize,
    /// `@priority`, valid when `has_priority`.
    pub priority: u32,
    /// The member had a numeric `@priority`.
    pub has_priority: bool,
    /// `ethernetPhonePort` (SCCP), 0 when absent.
    pub sccp_port: u16,
    /// `sipPort`, 0 when absent.
    pub sip_port: u16,
    /// `securedSipPort`, 0 when absent.
    pub secure_sip_port: u16,
}

/// What a phone reads from its configuration file.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct dialtone_cnf_summary {
    /// `deviceProtocol`.
    pub protocol: dialtone_cnf_protocol,
    /// True for a `<Default>` root (`XMLDefault.cnf.xml`).
    pub is_default: bool,
    /// The load name (plain `loadInformation`, or `loadInformationN` for the requested
    /// device type), trimmed; `load_len` bytes are valid; 0 = no load named.
    pub load: [u8; DIALTONE_CNF_LOAD_MAX],
    /// Length of `load`.
    pub load_len: usize,
    /// Number of valid entries in `call_managers`.
    pub call_manager_count: usize,
    /// CallManagers by priority (lowest first), members without priority last.
    pub call_managers: [dialtone_cnf_call_manager; DIALTONE_CNF_CALL_MANAGERS_MAX],
    /// Number of lenient repairs the file needed (0 for a well-formed file).
    pub repairs: usize,
}

fn copy(dst: &mut [u8], src: &str) -> Option<usize> {
    let d = dst.get_mut(..src.len())?;
    d.copy_from_slice(src.as_bytes());
    Some(src.len())
}

/// Parses a configuration file held in `buf` and writes its summary to `*out`.
///
/// `lenient` reads what a phone reads from malformed real-world files (mismatched end tags,
/// undeclared prefixes, a missing quote); strict mode returns `_MALFORMED` for them.
/// `device_type` selects `loadInformationN` in a default file (0: only the plain element).
/// Returns `_MALFORMED` for unreadable XML or a root other than `device`/`Default`,
/// `_OVERSIZED` when a host, CallManager name or load name does not fit the fixed fields.
/// Nothing is allocated for the caller: there is nothing to free.
///
/// # Safety
/// `buf` is valid for `len` bytes; `out` is valid for a write.
#[no_mangle]
pub unsafe extern "C" fn dialtone_cnf_parse(
    buf: *const u8,
    len: usize,
    lenient: bool,
    device_type: u32,
    out: *mut dialtone_cnf_summary,
) -> dialtone_result {
    guard(|| {
        // SAFETY: per the contract.
        let Some(bytes) = (unsafe { slice(buf, len) }) else {
            return dialtone_result::NullParameter;
        };
        if out.is_null() {
            return dialtone_result::NullParameter;
        }
        let Ok(src) = core::str::from_utf8(bytes) else {
            return dialtone_result::Malformed;
        };
        let config = if lenient {
            Config::lenient()
        } else {
            Config::strict()
        };
        let Ok(doc) = Document::parse(src, config) else {
            return dialtone_result::Malformed;
        };
        let empty_cm = dialtone_cnf_call_manager {
            host: [0; DIALTONE_CNF_HOST_MAX],
            host_len: 0,
            name: [0; DIALTONE_CNF_HOST_MAX],
            name_len: 0,
            priority: 0,
            has_priority: false,
            sccp_port: 0,
            sip_port: 0,
            secure_sip_port: 0,
        };
        let mut s = dialtone_cnf_summary {
            protocol: match doc.config.protocol() {
                Some(Protocol::Sccp) => dialtone_cnf_protocol::Sccp,
                Some(Protocol::Sip) => dialtone_cnf_protocol::Sip,
                None => dialtone_cnf_protocol::Unknown,
            },
            is_default: doc.root == dialtone_cnf_xml::model::RootKind::Default,
            load: [0; DIALTONE_CNF_LOAD_MAX],
            load_len: 0,
            call_manager_count: 0,
            call_managers: [empty_cm; DIALTONE_CNF_CALL_MANAGERS_MAX],
            repairs: doc.repairs.len(),
        };
        let load = doc
            .config
            .load_for((device_type != 0).then_some(device_type))
            .unwrap_or("");
        let Some(n) = copy(&mut s.load, load) else {
            return dialtone_result::Oversized;
        };
        s.load_len = n;
        for (slot, cm) in s.call_managers.iter_mut().zip(doc.config.call_managers()) {
            let Some(n) = copy(&mut slot.host, cm.host()) else {
                return dialtone_result::Oversized;
            };
            slot.host_len = n;
            let Some(n) = copy(&mut slot.name, cm.name().unwrap_or("")) else {
                return dialtone_result::Oversized;
            };
            slot.name_len = n;
            slot.priority = cm.priority.unwrap_or(0);
            slot.has_priority = cm.priority.is_some();
            slot.sccp_port = cm.ports().and_then(Ports::sccp).unwrap_or(0);
            slot.sip_port = cm.ports().and_then(Ports::sip).unwrap_or(0);
            slot.secure_sip_port = cm.ports().and_then(Ports::secure_sip).unwrap_or(0);
            s.call_manager_count += 1;
        }
        // SAFETY: `out` is non-NULL and valid for a write per the contract.
        unsafe { out.write(s) };
        dialtone_result::Ok
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(
        src: &[u8],
        lenient: bool,
        device_type: u32,
    ) -> (dialtone_result, Option<dialtone_cnf_summary>) {
        let mut out = core::mem::MaybeUninit::<dialtone_cnf_summary>::uninit();
        // SAFETY: valid buffer and out-pointer.
        let r = unsafe {
            dialtone_cnf_parse(
                src.as_ptr(),
                src.len(),
                lenient,
                device_type,
                out.as_mut_ptr(),
            )
        };
        // SAFETY: written on OK.
        (
            r,
            (r == dialtone_result::Ok).then(|| unsafe { out.assume_init() }),
        )
    }

    #[test]
    fn reads_the_cucm_sample() {
        let src = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../testdata/samples/sep.cnf.xml"
        ))
        .unwrap();
        let (r, _) = parse(&src, false, 0);
        assert_eq!(r, dialtone_result::Malformed, "undeclared xsi: prefix");
        let (r, s) = parse(&src, true, 0);
        assert_eq!(r, dialtone_result::Ok);
        let s = s.unwrap();
        assert_eq!(s.protocol, dialtone_cnf_protocol::Sip);
        assert_eq!(&s.load[..s.load_len], b"sip8845_65.12-8-1-0001-455");
        assert_eq!(s.call_manager_count, 2);
        assert_eq!(
            &s.call_managers[0].host[..s.call_managers[0].host_len],
            b"10.10.10.11"
        );
        assert_eq!(
            &s.call_managers[0].name[..s.call_managers[0].name_len],
            b"cucm-sub1"
        );
        assert_eq!(s.call_managers[1].sip_port, 5060);
        assert_eq!(s.repairs, 1);
    }

    #[test]
    fn default_file_load_by_device_type_and_bad_input() {
        let src = b"<Default><loadInformation7>P0S3-8-12-00</loadInformation7></Default>";
        let (r, s) = parse(src, false, 7);
        assert_eq!(r, dialtone_result::Ok);
        let s = s.unwrap();
        assert!(s.is_default);
        assert_eq!(&s.load[..s.load_len], b"P0S3-8-12-00");
        assert_eq!(parse(b"<x/>", true, 0).0, dialtone_result::Malformed);
        assert_eq!(parse(b"\xff", true, 0).0, dialtone_result::Malformed);
        // SAFETY: NULL out-pointer is rejected.
        let r =
            unsafe { dialtone_cnf_parse(src.as_ptr(), src.len(), true, 0, core::ptr::null_mut()) };
        assert_eq!(r, dialtone_result::NullParameter);
    }
}
