//! The fuzz targets on stable (issue 19): every committed seed
//! (`fuzz/seeds/<target>/`) and every input a fuzz run found
//! (`fuzz/regressions/<target>/`) through the same entry points as
//! `cargo +nightly fuzz run <target>` (`awsemu::fuzzing`). Each must answer
//! without panicking, and quickly.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use awsemu::fuzzing;

/// Debug builds are several times slower than the fuzzer's release build,
/// whose limit is one second an input.
const LIMIT: Duration = Duration::from_secs(5);

fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut files = Vec::new();
    for dir in ["seeds", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        files.extend(entries.flatten().map(|e| e.path()).filter(|p| p.is_file()));
    }
    files.sort();
    files
}

fn replay(target: &str, run: fn(&[u8])) {
    let files = inputs(target);
    assert!(!files.is_empty(), "no seeds for {target}");
    for f in files {
        let data = std::fs::read(&f).unwrap();
        let t = Instant::now();
        let out = std::panic::catch_unwind(|| run(&data));
        assert!(out.is_ok(), "{target}: {} panicked", f.display());
        assert!(
            t.elapsed() < LIMIT,
            "{target}: {} took {:?}",
            f.display(),
            t.elapsed()
        );
    }
}

#[test]
fn query_form() {
    replay("query_form", fuzzing::query_form);
}

#[test]
fn json_ecs() {
    replay("json_ecs", fuzzing::json_ecs);
}

#[test]
fn sigv4() {
    replay("sigv4", fuzzing::sigv4);
}

#[test]
fn scenario() {
    replay("scenario", fuzzing::scenario);
}

#[test]
fn filters() {
    replay("filters", fuzzing::filters);
}

#[test]
fn cluster_query() {
    replay("cluster_query", fuzzing::cluster_query);
}
