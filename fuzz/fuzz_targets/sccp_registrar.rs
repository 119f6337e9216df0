#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| dialtone_sccp::fuzzing::registrar_script(data));
