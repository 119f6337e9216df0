//! # dialtone-cnf-xml
//!
//! Cisco IP phone provisioning files.
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
