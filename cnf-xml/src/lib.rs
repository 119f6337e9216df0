//! # dialtone-cnf-xml
//!
//! The files a Cisco-style IP phone fetches over TFTP before it registers: which names it
//! asks for and in what order ([`names`]), which firmware load it should run ([`load`]), the
//! per-device and default XML configurations `SEP<MAC>.cnf.xml` / `XMLDefault.cnf.xml`
//! ([`model`], on the [`xml`] tokenizer), the old SIP text formats `SIPDefault.cnf`,
//! `SIP<MAC>.cnf`, `OS79XX.TXT` ([`text`]), and the checks a provisioning server should run
//! on them ([`validate`]).
//!
//! It is a codec and rule library only: no sockets, no files, no clock, no threads. Drivers
//! (the `dialtone` tool, a TFTP server, the phone boot state machine, C firmware through the
//! FFI) hand it bytes and get typed values back; generation writes into any
//! [`core::fmt::Write`].
//!
//! ```
//! use dialtone_cnf_xml::model::{Document, Protocol};
//! use dialtone_cnf_xml::names::{request_sequence, BootProfile, DeviceName, Generation};
//! use dialtone_cnf_xml::load::{decide, DefaultFileLoads, LoadDecision, LoadSource};
//! use dialtone_cnf_xml::tree::Style;
//! use dialtone_cnf_xml::xml::Config;
//!
//! // The phone 00:30:94:c2:d5:ca asks for these names, in this order.
//! let name = DeviceName::parse("00:30:94:c2:d5:ca").unwrap();
//! assert_eq!(name.to_string(), "SEP003094C2D5CA");
//! let first = request_sequence(name.mac, BootProfile::new(Generation::Xml)).nth(3).unwrap();
//! assert_eq!(first.name.as_str(), "SEP003094C2D5CA.cnf.xml");
//!
//! // The server answers with this file (as CUCM writes it: undeclared `xsi:` prefix).
//! let xml = r#"<device xsi:type="axl:XIPPhone"><deviceProtocol>SIP</deviceProtocol>
//!   <devicePool><callManagerGroup><members>
//!     <member priority="1"><callManager><processNodeName>10.0.0.2</processNodeName></callManager></member>
//!     <member priority="0"><callManager><processNodeName>10.0.0.1</processNodeName></callManager></member>
//!   </members></callManagerGroup></devicePool>
//!   <loadInformation>SIP42.9-4-2SR3-1S</loadInformation><vendorConfig><garp>1</garp></vendorConfig></device>"#;
//! let doc = Document::parse(xml, Config::lenient()).unwrap();
//! assert_eq!(doc.repairs.len(), 1); // the undeclared prefix; strict mode rejects the file
//! assert_eq!(doc.config.protocol(), Some(Protocol::Sip));
//! let hosts: Vec<_> = doc.config.call_managers().iter().map(|c| c.host()).collect();
//! assert_eq!(hosts, ["10.0.0.1", "10.0.0.2"]);
//!
//! // Running an older load, the device file's load is applied.
//! let d = decide("SIP42.9-3-1SR4-1S", doc.config.load_name(), LoadSource::DeviceFile, DefaultFileLoads::RefuseOlder);
//! assert_eq!(d, LoadDecision::Upgrade("SIP42.9-4-2SR3-1S"));
//!
//! // Written back: same content, unknown elements kept in place.
//! let out = doc.to_xml(Style::default());
//! assert!(out.contains("<garp>1</garp>"));
//! ```
//!
//! ## Why a purpose-built XML tokenizer
//!
//! The [`xml`] module is a small tokenizer written for these files instead of a general XML
//! crate: the performance goal is a full typed parse of a CUCM-style `SEP<MAC>.cnf.xml` in
//! less time than `quick-xml`'s bare event loop takes over the same bytes, which needs a
//! `memchr`-driven scanner that borrows from the input and allocates nothing, and the
//! lenient mode must recover exactly the breakages real files have (mismatched end tags, an
//! undeclared `xsi:` prefix, a missing quote, an unquoted attribute value, a byte-order mark)
//! and report each repair.
//! `quick-xml` is the reference implementation: a differential test and the `cnf_xml` fuzz
//! target check that both produce the same events on every well-formed input.
//! Security: no DTD is read and no entity other than the five predefined ones and character
//! references is ever expanded (billion-laughs and XXE inputs are inert), input size and
//! nesting depth are limited ([`xml::Limits`]).
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `std` | yes | `std` support (implies `alloc`) |
//! | `alloc` | via `std` | the model, generic tree, writer, text formats, validation |
//! | (none) | | names, load identifiers and order, the tokenizer: no allocation at all |
//! | `fuzzing` | no | the fuzz bodies (`fuzzing` module) and `quick-xml` for the differential |
//!
//! ## Specifications
//!
//! The project's fact sheets `cnf-xml.md` (request order §2, element tree §4, XMLDefault §5,
//! load names and their order §6, old text format §8, what a parser must tolerate §10) and
//! `phone-boot.md` (§1.7.3 file names and order, §1.7.4 load check, §1.7.5 CallManager list);
//! XML 1.0 (Fifth Edition) and Namespaces in XML 1.0 for the strict mode.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
pub mod load;
#[cfg(feature = "alloc")]
pub mod model;
pub mod names;
#[cfg(feature = "alloc")]
pub mod text;
#[cfg(feature = "alloc")]
pub mod tree;
#[cfg(feature = "alloc")]
pub mod validate;
pub mod xml;
