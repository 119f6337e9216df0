#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| dialtone_cnf_xml::fuzzing::text(data));
