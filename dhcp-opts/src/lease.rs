//! The owned, fixed-size record of a lease: what the phone's boot machine
//! needs from a DHCPACK, copied out of the message (no allocation).

use core::fmt;
use core::net::Ipv4Addr;
use core::time::Duration;

use crate::wire::{OptionValue, Packet};

/// Capacity of an [`AddrList`].
pub const ADDR_LIST_CAP: usize = 8;
/// Capacity of a [`Text`] (one option instance's worth).
pub const TEXT_CAP: usize = 255;

/// Up to [`ADDR_LIST_CAP`] addresses in order; further ones are dropped and
/// counted in [`AddrList::dropped`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct AddrList {
    len: u8,
    dropped: u8,
    addrs: [[u8; 4]; ADDR_LIST_CAP],
}

impl AddrList {
    /// An empty list.
    pub const EMPTY: AddrList = AddrList {
        len: 0,
        dropped: 0,
        addrs: [[0; 4]; ADDR_LIST_CAP],
    };

    /// Appends `a`; returns false (and counts it) when full.
    pub fn push(&mut self, a: Ipv4Addr) -> bool {
        match self.addrs.get_mut(usize::from(self.len)) {
            Some(slot) => {
                *slot = a.octets();
                self.len += 1;
                true
            }
            None => {
                self.dropped = self.dropped.saturating_add(1);
                false
            }
        }
    }
    /// Number of addresses held.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Addresses that did not fit.
    pub fn dropped(&self) -> usize {
        usize::from(self.dropped)
    }
    /// The addresses in order.
    pub fn iter(&self) -> impl Iterator<Item = Ipv4Addr> + '_ {
        self.addrs
            .iter()
            .take(self.len())
            .map(|o| Ipv4Addr::from(*o))
    }
    /// The first address.
    pub fn first(&self) -> Option<Ipv4Addr> {
        self.iter().next()
    }
    /// Address `i`.
    pub fn get(&self, i: usize) -> Option<Ipv4Addr> {
        self.iter().nth(i)
    }
}

impl<I: IntoIterator<Item = Ipv4Addr>> From<I> for AddrList {
    fn from(it: I) -> Self {
        let mut l = AddrList::EMPTY;
        for a in it {
            l.push(a);
        }
        l
    }
}

impl fmt::Debug for AddrList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Up to [`TEXT_CAP`] bytes of an option's text (longer values are cut).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Text {
    len: u8,
    bytes: [u8; TEXT_CAP],
}

impl Default for Text {
    fn default() -> Self {
        Text {
            len: 0,
            bytes: [0; TEXT_CAP],
        }
    }
}

impl Text {
    /// Copies (a prefix of) `s`.
    pub fn new(s: &[u8]) -> Self {
        let mut t = Text::default();
        for (d, b) in t.bytes.iter_mut().zip(s) {
            *d = *b;
        }
        t.len = s.len().min(TEXT_CAP) as u8;
        t
    }
    fn from_value(v: &OptionValue<'_>) -> Self {
        let mut t = Text::default();
        let mut n = 0;
        for (d, b) in t.bytes.iter_mut().zip(v.bytes()) {
            *d = b;
            n += 1;
        }
        t.len = n as u8;
        t
    }
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or(&[])
    }
    /// The text when it is UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        core::str::from_utf8(self.as_bytes()).ok()
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_str() {
            Some(s) => fmt::Debug::fmt(s, f),
            None => fmt::Debug::fmt(self.as_bytes(), f),
        }
    }
}

/// What a DHCPACK granted, with the options the phone's boot needs
/// (`phone-boot.md` §1.7.2: TFTP servers from options 150, 66 and `siaddr`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Lease {
    /// `yiaddr`.
    pub address: Ipv4Addr,
    /// Option 1.
    pub subnet_mask: Option<Ipv4Addr>,
    /// Option 3.
    pub routers: AddrList,
    /// Option 6.
    pub dns_servers: AddrList,
    /// Option 15.
    pub domain_name: Option<Text>,
    /// Option 150, in order.
    pub tftp_servers: AddrList,
    /// Option 66, trailing NULs removed, unresolved.
    pub tftp_server_name: Option<Text>,
    /// `siaddr` ("next server").
    pub next_server: Ipv4Addr,
    /// Option 54.
    pub server_id: Ipv4Addr,
    /// Option 51; `None` = infinite.
    pub lease_time: Option<Duration>,
    /// T1: option 58 or half the lease.
    pub renewal_time: Option<Duration>,
    /// T2: option 59 or 7/8 of the lease.
    pub rebinding_time: Option<Duration>,
}

impl Lease {
    /// Reads a lease out of an ACK (or OFFER). `server_id` falls back to the
    /// given address when option 54 is absent. Inconsistent T1/T2 (not
    /// `T1 < T2 < lease`) are replaced by the RFC 2131 §4.4.5 defaults.
    pub fn from_packet<T: AsRef<[u8]>>(p: &Packet<T>, server_fallback: Ipv4Addr) -> Self {
        let lease = p.lease_time().filter(|&s| s != u32::MAX).map(u64::from);
        let (t1, t2) = match lease {
            None => (None, None),
            Some(l) => {
                let t1 = p.renewal_time().map(u64::from);
                let t2 = p.rebinding_time().map(u64::from);
                // Defaults in ms: 0.5 and 0.875 of the lease.
                let d1 = l * 500;
                let d2 = l * 875;
                let t2ms = t2
                    .map(|s| s * 1000)
                    .filter(|&v| v <= l * 1000)
                    .unwrap_or(d2);
                let t1ms = t1
                    .map(|s| s * 1000)
                    .filter(|&v| v <= t2ms)
                    .unwrap_or(d1.min(t2ms));
                (
                    Some(Duration::from_millis(t1ms)),
                    Some(Duration::from_millis(t2ms)),
                )
            }
        };
        Lease {
            address: p.yiaddr(),
            subnet_mask: p.subnet_mask(),
            routers: p
                .routers()
                .map(|l| AddrList::from(l.iter()))
                .unwrap_or_default(),
            dns_servers: p
                .dns_servers()
                .map(|l| AddrList::from(l.iter()))
                .unwrap_or_default(),
            domain_name: p
                .domain_name()
                .map(|v| Text::from_value(&v.trim_trailing_nuls())),
            tftp_servers: p
                .tftp_servers()
                .map(|l| AddrList::from(l.iter()))
                .unwrap_or_default(),
            tftp_server_name: p
                .tftp_server_name()
                .filter(|v| !v.is_empty())
                .map(|v| Text::from_value(&v)),
            next_server: p.siaddr(),
            server_id: p.server_id().unwrap_or(server_fallback),
            lease_time: lease.map(Duration::from_secs),
            renewal_time: t1,
            rebinding_time: t2,
        }
    }
}
