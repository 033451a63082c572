//! The fuzz corpora and crashes, replayed on stable: every input kept under
//! fuzz/corpus/<target>/ (the seeds and what libFuzzer found) and fuzz/artifacts/<target>/
//! (crashes, once fixed) runs through its target's function, the same code the nightly
//! targets call (fuzz/src/lib.rs). A panic fails the test and names the file. A crash not
//! fixed yet is kept under fuzz/open-crashes/<target>/, each replayed by an ignored test
//! that names it (below).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

#[path = "../../../fuzz/src/lib.rs"]
mod fuzz;

/// The function of the target a folder is named after.
fn target(name: &str) -> Option<fn(&[u8])> {
    Some(match name {
        "analyzer" => fuzz::analyzer,
        "decoders" => fuzz::decoders,
        "template" => fuzz::template,
        "lambda_lines" => fuzz::lambda_lines,
        "access_json" => |data| fuzz::access(fuzz::JSON_FORMAT, data),
        "access_clf" => |data| fuzz::access(fuzz::CLF_FORMAT, data),
        "access_csv" => |data| fuzz::access(fuzz::CSV_FORMAT, data),
        "access_xml" => |data| fuzz::access(fuzz::XML_FORMAT, data),
        "access_kv" => |data| fuzz::access(fuzz::KV_FORMAT, data),
        _ => return None,
    })
}

fn fuzz_dir(kind: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz")
        .join(kind)
}

/// Runs every file under `kind/<target>/` through its target; returns how many ran and the
/// files that panicked.
fn replay(kind: &str) -> (usize, Vec<String>) {
    let mut ran = 0;
    let mut failed = Vec::new();
    let Ok(folders) = std::fs::read_dir(fuzz_dir(kind)) else {
        return (0, failed);
    };
    let mut folders: Vec<PathBuf> = folders.map(|e| e.unwrap().path()).collect();
    folders.sort();
    for folder in folders.iter().filter(|f| f.is_dir()) {
        let name = folder.file_name().unwrap().to_string_lossy().into_owned();
        let run = target(&name).unwrap_or_else(|| panic!("{}: no such target", folder.display()));
        let mut inputs: Vec<PathBuf> = std::fs::read_dir(folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        inputs.sort();
        for input in inputs.iter().filter(|p| p.is_file()) {
            let data = std::fs::read(input).unwrap();
            ran += 1;
            if catch_unwind(AssertUnwindSafe(|| run(&data))).is_err() {
                failed.push(relative(input));
            }
        }
    }
    (ran, failed)
}

fn relative(path: &Path) -> String {
    let parent = path.parent().unwrap();
    format!(
        "{}/{}",
        parent.file_name().unwrap().to_string_lossy(),
        path.file_name().unwrap().to_string_lossy()
    )
}

#[test]
fn every_corpus_input_and_fixed_crash_reads_without_a_panic() {
    let (ran, mut failed) = replay("corpus");
    // every target is seeded with at least the samples written for it
    assert!(
        ran >= 300,
        "only {ran} corpus inputs: is fuzz/corpus there?"
    );
    let (_, crashes) = replay("artifacts");
    failed.extend(
        crashes
            .into_iter()
            .map(|c| format!("{c} (a fixed crash, come back)")),
    );
    assert!(failed.is_empty(), "inputs that panic: {failed:?}");
}
