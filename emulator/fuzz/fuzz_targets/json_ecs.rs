#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| awsemu::fuzzing::json_ecs(data));
