//! Option codes used by this crate (RFC 2132, RFC 3046, RFC 5859).

/// 0, pad (single byte).
pub const PAD: u8 = 0;
/// 1, subnet mask.
pub const SUBNET_MASK: u8 = 1;
/// 3, routers.
pub const ROUTER: u8 = 3;
/// 6, domain name servers.
pub const DNS: u8 = 6;
/// 12, host name.
pub const HOST_NAME: u8 = 12;
/// 15, domain name.
pub const DOMAIN_NAME: u8 = 15;
/// 35, ARP cache timeout (requested by Cisco phones).
pub const ARP_CACHE_TIMEOUT: u8 = 35;
/// 42, NTP servers.
pub const NTP_SERVERS: u8 = 42;
/// 43, vendor-specific information.
pub const VENDOR_SPECIFIC: u8 = 43;
/// 50, requested IP address.
pub const REQUESTED_IP: u8 = 50;
/// 51, IP address lease time.
pub const LEASE_TIME: u8 = 51;
/// 52, option overload.
pub const OVERLOAD: u8 = 52;
/// 53, DHCP message type.
pub const MESSAGE_TYPE: u8 = 53;
/// 54, server identifier.
pub const SERVER_ID: u8 = 54;
/// 55, parameter request list.
pub const PARAMETER_REQUEST_LIST: u8 = 55;
/// 56, message.
pub const MESSAGE: u8 = 56;
/// 57, maximum DHCP message size.
pub const MAX_MESSAGE_SIZE: u8 = 57;
/// 58, renewal (T1) time.
pub const RENEWAL_TIME: u8 = 58;
/// 59, rebinding (T2) time.
pub const REBINDING_TIME: u8 = 59;
/// 60, vendor class identifier.
pub const VENDOR_CLASS: u8 = 60;
/// 61, client identifier.
pub const CLIENT_ID: u8 = 61;
/// 66, TFTP server name.
pub const TFTP_SERVER_NAME: u8 = 66;
/// 67, boot file name.
pub const BOOTFILE_NAME: u8 = 67;
/// 82, relay agent information.
pub const RELAY_AGENT_INFO: u8 = 82;
/// 150, TFTP server addresses (RFC 5859).
pub const TFTP_SERVERS: u8 = 150;
/// 255, end (single byte).
pub const END: u8 = 255;
