#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| dialtone_sip_reg::fuzzing::parse(data));
