//! Typed options handed to an [`OptionVisitor`], one method per option,
//! and the one conversion from an option instance's bytes to its type that
//! both [`DhcpOption::from_single`] and [`PacketWalk::visit`] use.
//!
//! [`PacketWalk::visit`]: super::PacketWalk::visit

use core::net::Ipv4Addr;

use super::code as c;
use super::packet::{DhcpOption, Ipv4List, MessageType, Overload};
use super::value::OptionValue;

/// Declares [`OptionVisitor`] (one method per typed option, each handing its
/// value to [`OptionVisitor::option`] unless overridden), the crate's
/// [`Typing`] (the same methods returning a value), and the two `Typing`s:
/// [`MakeOption`] builds the [`DhcpOption`], [`Visit`] calls the visitor.
macro_rules! typed_options {
    ($( $(#[$doc:meta])* $m:ident($x:ident: $t:ty) => $v:ident; )*) => {
        /// Receives the options of a message one call each, typed, from
        /// [`PacketWalk::visit`](super::PacketWalk::visit): the visitor form
        /// of the items of [`PacketWalk::typed`](super::PacketWalk::typed).
        ///
        /// There is one method per variant of [`DhcpOption`], taking that
        /// variant's value. Each method's default hands its value, as a
        /// `DhcpOption`, to [`OptionVisitor::option`], whose default does
        /// nothing: override the methods of the options you read, and
        /// `option` to see the rest (or every option, by overriding it alone).
        ///
        /// The walk checks the code once and calls the method directly, so a
        /// visitor reads every option without building a `DhcpOption` and
        /// without a second `match` on it (see `benches/README.md`).
        ///
        /// ```
        /// use std::net::Ipv4Addr;
        /// use dialtone_dhcp_opts::wire::{Ipv4List, OptionVisitor, PacketWalk};
        /// use dialtone_dhcp_opts::{DhcpOption, MessageType};
        /// # let bytes: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/samples/dhcp-ack.bin"));
        /// #[derive(Default)]
        /// struct Boot {
        ///     kind: Option<MessageType>,
        ///     tftp: Vec<Ipv4Addr>,
        ///     lease: u32,
        ///     others: usize,
        /// }
        /// impl<'a> OptionVisitor<'a> for Boot {
        ///     fn message_type(&mut self, t: MessageType) {
        ///         self.kind = Some(t);
        ///     }
        ///     fn tftp_servers(&mut self, l: Ipv4List<'a>) {
        ///         self.tftp.extend(l.iter());
        ///     }
        ///     fn lease_time(&mut self, secs: u32) {
        ///         self.lease = secs;
        ///     }
        ///     // Every option whose method is not overridden above.
        ///     fn option(&mut self, _: DhcpOption<'a>) {
        ///         self.others += 1;
        ///     }
        /// }
        /// let mut boot = Boot::default();
        /// PacketWalk::new_checked(bytes)?.visit(&mut boot)?;
        /// assert_eq!(boot.kind, Some(MessageType::Ack));
        /// assert_eq!(boot.tftp, [Ipv4Addr::new(10, 10, 10, 11), Ipv4Addr::new(10, 10, 10, 12)]);
        /// assert_eq!(boot.lease, 86_400);
        /// assert_eq!(boot.others, 8);
        /// # Ok::<(), Box<dyn std::error::Error>>(())
        /// ```
        pub trait OptionVisitor<'a> {
            /// Every option whose own method is not overridden, as the
            /// [`DhcpOption`] [`PacketWalk::typed`](super::PacketWalk::typed)
            /// would yield. Does nothing by default.
            #[inline(always)]
            fn option(&mut self, option: DhcpOption<'a>) {
                let _ = option;
            }
            $(
                $(#[$doc])*
                #[inline(always)]
                fn $m(&mut self, $x: $t) {
                    self.option(DhcpOption::$v($x));
                }
            )*
            /// A known code with a value of the wrong length
            /// ([`DhcpOption::Malformed`]).
            #[inline(always)]
            fn malformed(&mut self, code: u8, value: OptionValue<'a>) {
                self.option(DhcpOption::Malformed { code, value });
            }
            /// Any other code, raw ([`DhcpOption::Other`]).
            #[inline(always)]
            fn other(&mut self, code: u8, value: OptionValue<'a>) {
                self.option(DhcpOption::Other { code, value });
            }
        }

        /// What to do with an option once typed: one method per
        /// [`DhcpOption`] variant, as [`OptionVisitor`]'s, returning
        /// [`Typing::Out`].
        pub(crate) trait Typing<'a> {
            /// What each method returns.
            type Out;
            $( fn $m(&mut self, $x: $t) -> Self::Out; )*
            fn malformed(&mut self, code: u8, value: OptionValue<'a>) -> Self::Out;
            fn other(&mut self, code: u8, value: OptionValue<'a>) -> Self::Out;
            /// Pad (0) or END (255), which are framing, not options.
            fn framing(&mut self, code: u8, value: OptionValue<'a>) -> Self::Out;
            /// Called with the value of each option 52 before it is typed.
            #[inline(always)]
            fn overload_seen(&mut self, value: &'a [u8]) {
                let _ = value;
            }
        }

        impl<'a> Typing<'a> for MakeOption {
            type Out = DhcpOption<'a>;
            $(
                #[inline(always)]
                fn $m(&mut self, $x: $t) -> DhcpOption<'a> {
                    DhcpOption::$v($x)
                }
            )*
            #[inline(always)]
            fn malformed(&mut self, code: u8, value: OptionValue<'a>) -> DhcpOption<'a> {
                DhcpOption::Malformed { code, value }
            }
            #[inline(always)]
            fn other(&mut self, code: u8, value: OptionValue<'a>) -> DhcpOption<'a> {
                DhcpOption::Other { code, value }
            }
            /// Pad and END as [`DhcpOption::from_value`] gives them.
            #[inline(always)]
            fn framing(&mut self, code: u8, value: OptionValue<'a>) -> DhcpOption<'a> {
                DhcpOption::Other { code, value }
            }
        }

        impl<'a, V: OptionVisitor<'a> + ?Sized> Typing<'a> for Visit<'_, V> {
            /// True when the code was an option's (and the visitor called).
            type Out = bool;
            $(
                #[inline(always)]
                fn $m(&mut self, $x: $t) -> bool {
                    self.visitor.$m($x);
                    true
                }
            )*
            #[inline(always)]
            fn malformed(&mut self, code: u8, value: OptionValue<'a>) -> bool {
                self.visitor.malformed(code, value);
                true
            }
            #[inline(always)]
            fn other(&mut self, code: u8, value: OptionValue<'a>) -> bool {
                self.visitor.other(code, value);
                true
            }
            /// Left to the walk's framing.
            #[inline(always)]
            fn framing(&mut self, _: u8, _: OptionValue<'a>) -> bool {
                false
            }
            #[inline(always)]
            fn overload_seen(&mut self, value: &'a [u8]) {
                *self.overload = super::walk::overload_after(*self.overload, value);
            }
        }
    };
}

typed_options! {
    /// 1, the subnet mask ([`DhcpOption::SubnetMask`]).
    subnet_mask(mask: Ipv4Addr) => SubnetMask;
    /// 3 ([`DhcpOption::Routers`]).
    routers(list: Ipv4List<'a>) => Routers;
    /// 6 ([`DhcpOption::DnsServers`]).
    dns_servers(list: Ipv4List<'a>) => DnsServers;
    /// 12 ([`DhcpOption::HostName`]).
    host_name(value: OptionValue<'a>) => HostName;
    /// 15 ([`DhcpOption::DomainName`]).
    domain_name(value: OptionValue<'a>) => DomainName;
    /// 42 ([`DhcpOption::NtpServers`]).
    ntp_servers(list: Ipv4List<'a>) => NtpServers;
    /// 43 ([`DhcpOption::VendorSpecific`]).
    vendor_specific(value: OptionValue<'a>) => VendorSpecific;
    /// 50 ([`DhcpOption::RequestedIp`]).
    requested_ip(addr: Ipv4Addr) => RequestedIp;
    /// 51, seconds, `u32::MAX` = infinite ([`DhcpOption::LeaseTime`]).
    lease_time(secs: u32) => LeaseTime;
    /// 52 ([`DhcpOption::Overload`]); the walk follows it itself.
    overload(overload: Overload) => Overload;
    /// 53 ([`DhcpOption::MessageType`]).
    message_type(kind: MessageType) => MessageType;
    /// 54 ([`DhcpOption::ServerId`]).
    server_id(addr: Ipv4Addr) => ServerId;
    /// 55, one code per byte ([`DhcpOption::ParameterRequestList`]).
    parameter_request_list(value: OptionValue<'a>) => ParameterRequestList;
    /// 57 ([`DhcpOption::MaxMessageSize`]).
    max_message_size(size: u16) => MaxMessageSize;
    /// 58, seconds ([`DhcpOption::RenewalTime`]).
    renewal_time(secs: u32) => RenewalTime;
    /// 59, seconds ([`DhcpOption::RebindingTime`]).
    rebinding_time(secs: u32) => RebindingTime;
    /// 60 ([`DhcpOption::VendorClass`]).
    vendor_class(value: OptionValue<'a>) => VendorClass;
    /// 61 ([`DhcpOption::ClientId`]).
    client_id(value: OptionValue<'a>) => ClientId;
    /// 66, trailing NULs removed ([`DhcpOption::TftpServerName`]).
    tftp_server_name(value: OptionValue<'a>) => TftpServerName;
    /// 82 ([`DhcpOption::RelayAgentInfo`]).
    relay_agent_info(value: OptionValue<'a>) => RelayAgentInfo;
    /// 150 ([`DhcpOption::TftpServers`]).
    tftp_servers(list: Ipv4List<'a>) => TftpServers;
}

/// The [`Typing`] that builds each [`DhcpOption`].
pub(crate) struct MakeOption;

/// The [`Typing`] of [`PacketWalk::visit`](super::PacketWalk::visit): calls
/// the visitor, and keeps the walk's option 52 up to date.
pub(crate) struct Visit<'s, V: ?Sized> {
    pub visitor: &'s mut V,
    /// The first one-byte option 52 of the message, once met.
    pub overload: &'s mut Option<Overload>,
}

/// Types the one-instance value `d` of option `code` (the conversion of
/// [`DhcpOption::from_single`]) and hands it to `to`: one dispatch on the
/// code, then the length its type needs.
#[inline(always)]
pub(crate) fn type_single<'a, T: Typing<'a>>(code: u8, d: &'a [u8], to: &mut T) -> T::Out {
    let v = || OptionValue::single(code, d);
    let ip = |a: u8, b: u8, x: u8, y: u8| Ipv4Addr::new(a, b, x, y);
    let be32 = |a: u8, b: u8, x: u8, y: u8| u32::from_be_bytes([a, b, x, y]);
    // A known code with a value of the wrong length (what `from_value`
    // gives too).
    macro_rules! bad {
        () => {
            to.malformed(code, v())
        };
    }
    macro_rules! list {
        ($m:ident) => {
            // A non-zero multiple of 4 in one test: below 4 the subtraction
            // wraps to the top bit (no slice is 2^63 bytes long).
            if d.len().wrapping_sub(4) & (3 | 1 << 63) == 0 {
                to.$m(Ipv4List::new(v()))
            } else {
                bad!()
            }
        };
    }
    macro_rules! text {
        ($m:ident) => {
            if d.is_empty() {
                bad!()
            } else {
                to.$m(v())
            }
        };
    }
    match code {
        c::SUBNET_MASK => match *d {
            [a, b, x, y] => to.subnet_mask(ip(a, b, x, y)),
            _ => bad!(),
        },
        c::REQUESTED_IP => match *d {
            [a, b, x, y] => to.requested_ip(ip(a, b, x, y)),
            _ => bad!(),
        },
        c::SERVER_ID => match *d {
            [a, b, x, y] => to.server_id(ip(a, b, x, y)),
            _ => bad!(),
        },
        c::LEASE_TIME => match *d {
            [a, b, x, y] => to.lease_time(be32(a, b, x, y)),
            _ => bad!(),
        },
        c::RENEWAL_TIME => match *d {
            [a, b, x, y] => to.renewal_time(be32(a, b, x, y)),
            _ => bad!(),
        },
        c::REBINDING_TIME => match *d {
            [a, b, x, y] => to.rebinding_time(be32(a, b, x, y)),
            _ => bad!(),
        },
        c::MESSAGE_TYPE => match *d {
            [t] => to.message_type(MessageType::from(t)),
            _ => bad!(),
        },
        c::MAX_MESSAGE_SIZE => match *d {
            [a, b] => to.max_message_size(u16::from_be_bytes([a, b])),
            _ => bad!(),
        },
        c::OVERLOAD => {
            to.overload_seen(d);
            match *d {
                [o @ 1..=3] => to.overload(Overload {
                    file: o & 1 != 0,
                    sname: o & 2 != 0,
                }),
                _ => bad!(),
            }
        }
        c::ROUTER => list!(routers),
        c::DNS => list!(dns_servers),
        c::NTP_SERVERS => list!(ntp_servers),
        c::TFTP_SERVERS => list!(tftp_servers),
        c::HOST_NAME => text!(host_name),
        c::DOMAIN_NAME => text!(domain_name),
        c::VENDOR_CLASS => text!(vendor_class),
        c::PARAMETER_REQUEST_LIST => text!(parameter_request_list),
        c::VENDOR_SPECIFIC => text!(vendor_specific),
        c::TFTP_SERVER_NAME => {
            if d.is_empty() {
                bad!()
            } else {
                to.tftp_server_name(v().trim_trailing_nuls())
            }
        }
        c::CLIENT_ID if d.len() >= 2 => to.client_id(v()),
        c::RELAY_AGENT_INFO if d.len() >= 2 => to.relay_agent_info(v()),
        c::CLIENT_ID | c::RELAY_AGENT_INFO => bad!(),
        c::PAD | c::END => to.framing(code, v()),
        _ => to.other(code, v()),
    }
}
