//! The phone's choice of TFTP servers (`phone-boot.md` §1.7.2).

use core::net::Ipv4Addr;

use crate::lease::{Lease, Text};

/// A DHCP source of TFTP servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TftpSource {
    /// Every address of option 150, in order (RFC 5859).
    Option150,
    /// Option 66: a dotted quad is an address, anything else a host name.
    Option66,
    /// `siaddr` when not 0.0.0.0.
    Siaddr,
}

/// The project's default order, `[Option150, Option66, Siaddr]` (proj:
/// `dhcp.md` §7.1 marks the real Cisco order unverified).
pub const DEFAULT_ORDER: [TftpSource; 3] = [
    TftpSource::Option150,
    TftpSource::Option66,
    TftpSource::Siaddr,
];

/// How DHCP sources are combined; configurable because the Cisco order is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TftpPolicy<'a> {
    /// Sources in order (default [`DEFAULT_ORDER`]).
    pub order: &'a [TftpSource],
    /// At most this many option-150 addresses are used (default: no cap).
    pub option150_cap: Option<usize>,
}

impl Default for TftpPolicy<'_> {
    fn default() -> Self {
        TftpPolicy {
            order: &DEFAULT_ORDER,
            option150_cap: None,
        }
    }
}

/// Settings on the phone that override DHCP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct TftpOverrides {
    /// "Alternate TFTP" server: when set, the only entry.
    pub alternate: Option<Ipv4Addr>,
}

impl TftpOverrides {
    /// Overrides with an alternate TFTP server.
    #[must_use]
    pub fn alternate(addr: Ipv4Addr) -> Self {
        TftpOverrides {
            alternate: Some(addr),
        }
    }
}

/// One TFTP server to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(clippy::large_enum_variant)] // fixed-size by design: no allocation
pub enum TftpServer {
    /// An address.
    Addr(Ipv4Addr),
    /// A host name from option 66, to be resolved by DNS (options 6/15).
    Name(Text),
}

/// Capacity of a [`TftpServerList`].
pub const TFTP_LIST_CAP: usize = 10;

/// Ordered TFTP servers without duplicates (at most [`TFTP_LIST_CAP`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TftpServerList {
    len: usize,
    items: [Option<TftpServer>; TFTP_LIST_CAP],
}

impl TftpServerList {
    fn push(&mut self, s: TftpServer) {
        if self.iter().any(|x| *x == s) {
            return;
        }
        if let Some(slot) = self.items.get_mut(self.len) {
            *slot = Some(s);
            self.len += 1;
        }
    }
    /// Number of servers.
    pub fn len(&self) -> usize {
        self.len
    }
    /// True when no server is known.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// The servers in the order to try them.
    pub fn iter(&self) -> impl Iterator<Item = &TftpServer> {
        self.items.iter().flatten()
    }
}

/// The TFTP servers a phone tries, in order (`phone-boot.md` §1.7.2): the
/// alternate TFTP server alone when set; otherwise the DHCP sources in
/// `policy.order`. Option-66 names are returned unresolved; a trailing NUL on
/// option 66 was already removed when the lease was read.
#[must_use]
pub fn tftp_servers(
    lease: &Lease,
    overrides: &TftpOverrides,
    policy: &TftpPolicy<'_>,
) -> TftpServerList {
    let mut out = TftpServerList::default();
    if let Some(a) = overrides.alternate.filter(|a| !a.is_unspecified()) {
        out.push(TftpServer::Addr(a));
        return out;
    }
    for src in policy.order {
        match src {
            TftpSource::Option150 => {
                let cap = policy.option150_cap.unwrap_or(usize::MAX);
                for a in lease.tftp_servers.iter().take(cap) {
                    out.push(TftpServer::Addr(a));
                }
            }
            TftpSource::Option66 => {
                if let Some(t) = lease.tftp_server_name.filter(|t| !t.is_empty()) {
                    let parsed = t.as_str().and_then(|s| s.trim().parse::<Ipv4Addr>().ok());
                    out.push(match parsed {
                        Some(a) => TftpServer::Addr(a),
                        None => TftpServer::Name(t),
                    });
                }
            }
            TftpSource::Siaddr => {
                if !lease.next_server.is_unspecified() {
                    out.push(TftpServer::Addr(lease.next_server));
                }
            }
        }
    }
    out
}
