#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| awsemu::fuzzing::query_form(data));
