#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| dialtone_dhcp_opts::fuzzing::walk(data));
