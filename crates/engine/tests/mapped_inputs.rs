//! Large plain files are read through a memory map (read/mapped.rs): a JSON access log and a
//! pretty-printed document larger than the map's windows give the analysis that reading them
//! through `read` gives, on 1, 2, 3 and 8 threads.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use ceiling_engine::{Analyzer, Settings};

fn access_line(i: u64) -> String {
    let (status, latency) = match i % 89 {
        0 => ("504", "29003".to_owned()),
        1 => ("502", "17".to_owned()),
        _ => ("200", (i * 41 % 3000).to_string()),
    };
    let route = ["/orders", "/search", "/reports/{id}"][(i % 3) as usize];
    format!(
        r#"{{"requestId":"req-{i}","requestTimeEpoch":"{}","httpMethod":"GET","resourcePath":"{route}","status":"{status}","responseLatency":"{latency}","integrationLatency":"{latency}"}}"#,
        1_772_787_600_000 + i * 11
    )
}

/// Writes `text` to `path`, dated a minute ago: files written moments ago are read with
/// `read`, being perhaps still written.
fn write_old(path: &Path, text: &str) -> PathBuf {
    std::fs::write(path, text).unwrap();
    let file = File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - Duration::from_secs(60))
        .unwrap();
    path.to_path_buf()
}

fn through_read(path: &Path) -> serde_json::Value {
    let mut analyzer = Analyzer::new(Settings::default());
    let name = path.display().to_string();
    analyzer.read(&name, File::open(path).unwrap()).unwrap();
    serde_json::to_value(analyzer.finish()).unwrap()
}

fn through_paths(path: &Path, threads: usize) -> serde_json::Value {
    let mut analyzer = Analyzer::new(Settings::default());
    let errors = analyzer.read_paths(&[path.to_path_buf()], threads, |_| {});
    assert!(errors.is_empty(), "{errors:?}");
    serde_json::to_value(analyzer.finish()).unwrap()
}

#[test]
fn mapped_files_read_as_read_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    // a log over several 8 MiB windows, with a byte order mark and CRLF line ends in places
    let mut log = String::from("\u{feff}");
    let mut i = 0;
    while log.len() < 20 * 1024 * 1024 {
        log.push_str(&access_line(i));
        log.push_str(if i % 5 == 0 { "\r\n" } else { "\n" });
        i += 1;
    }
    log.push_str(&access_line(i)); // a last line without a line break
    let log = write_old(&dir.path().join("access.jsonl"), &log);
    // a filter-log-events document too large to hold, read as a stream
    let events: Vec<_> = (0..25_000)
        .map(|i| serde_json::json!({"timestamp": 1_772_787_600_000u64 + i, "message": access_line(i)}))
        .collect();
    let document = serde_json::to_string_pretty(&serde_json::json!({ "events": events })).unwrap();
    assert!(document.len() > 5 << 20);
    let document = write_old(&dir.path().join("events.json"), &document);
    for path in [&log, &document] {
        let read = through_read(path);
        assert!(read["requests"].as_u64().unwrap() > 20_000);
        for threads in [1, 2, 3, 8] {
            let mapped = through_paths(path, threads);
            assert!(mapped == read, "{} on {threads} threads", path.display());
        }
    }
}
