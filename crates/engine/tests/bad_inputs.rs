//! Inputs that are broken in the ways files get broken: each gives a clear account naming the
//! input and the line, never a panic, and what could be read is still analyzed.

use std::io::Write;

use ceiling_engine::{expand_paths, Analyzer, Settings};

const RECORD: &str = r#"{"requestId":"a","status":"504","responseLatency":"29010"}"#;

fn records(n: usize) -> String {
    (0..n).map(|_| format!("{RECORD}\n")).collect()
}

#[test]
fn an_empty_file_is_an_input_with_no_lines() {
    let mut analyzer = Analyzer::new(Settings::default());
    analyzer.read("empty.log", &b""[..]).unwrap();
    let analysis = analyzer.finish();
    assert_eq!(analysis.inputs[0].lines, 0);
    assert_eq!(analysis.requests, 0);
}

#[test]
fn a_binary_file_is_rejected_line_by_line() {
    let bytes: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let mut analyzer = Analyzer::new(Settings::default());
    analyzer.read("picture.png", &bytes[..]).unwrap();
    let analysis = analyzer.finish();
    let input = &analysis.inputs[0];
    let rejected: u64 = input.rejected.iter().map(|r| r.count).sum();
    assert_eq!(analysis.requests, 0);
    assert_eq!(rejected + input.blank_lines, input.lines, "{input:?}");
}

#[test]
fn a_truncated_gzip_keeps_what_was_read_and_names_the_line() {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(records(50_000).as_bytes()).unwrap();
    let mut gzip = encoder.finish().unwrap();
    gzip.truncate(gzip.len() / 2);
    let mut analyzer = Analyzer::new(Settings::default());
    let error = analyzer
        .read("export.gz", &gzip[..])
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("cannot read export.gz after line "),
        "{error}"
    );
    let analysis = analyzer.finish();
    assert!(
        analysis.requests > 1000,
        "the part before the cut is analyzed"
    );
    assert_eq!(analysis.inputs[0].error.as_deref(), Some(error.as_str()));
}

#[test]
fn a_five_megabyte_line_and_a_line_past_the_limit() {
    let mut input = records(2);
    input.push_str(&format!("{{\"requestId\":\"{}\"\n", "x".repeat(5 << 20)));
    input.push_str(&records(2));
    input.push_str(&"y".repeat(17 << 20));
    input.push('\n');
    input.push_str(&records(3));
    let mut analyzer = Analyzer::new(Settings::default());
    analyzer.read("huge.log", input.as_bytes()).unwrap();
    let analysis = analyzer.finish();
    assert_eq!(analysis.requests, 7);
    let reasons: Vec<(&str, &[u64])> = analysis.inputs[0]
        .rejected
        .iter()
        .map(|r| (r.reason.as_str(), r.first_lines.as_slice()))
        .collect();
    assert!(
        reasons.contains(&("malformed or truncated JSON record", &[3][..])),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&("line longer than 16 MB", &[6][..])),
        "{reasons:?}"
    );
}

#[test]
fn a_folder_of_mixed_files_accounts_for_each() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("access.log"), records(3)).unwrap();
    std::fs::write(
        dir.path().join("lambda.log"),
        "START RequestId: 3364d63a-b18c-5ed6-97c7-85c6bf57800e Version: $LATEST\n\
         2026-03-06T09:00:00.000Z\t3364d63a-b18c-5ed6-97c7-85c6bf57800e\tINFO\thello\n\
         REPORT RequestId: 3364d63a-b18c-5ed6-97c7-85c6bf57800e\tDuration: 12.00 ms\tBilled Duration: 12 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "nothing to see\n").unwrap();
    let files = expand_paths(&[dir.path().to_path_buf()]).unwrap();
    let mut analyzer = Analyzer::new(Settings::default());
    for file in &files {
        analyzer.read_path(file).unwrap();
    }
    let analysis = analyzer.finish();
    assert_eq!(analysis.inputs.len(), 3);
    assert_eq!(analysis.requests, 3);
    assert_eq!(analysis.lambda.as_ref().unwrap().invocations, 1);
    let notes = analysis
        .inputs
        .iter()
        .find(|i| i.name.ends_with("notes.txt"))
        .unwrap();
    assert_eq!(notes.rejected[0].first_lines, [1]);
    let lambda = analysis
        .inputs
        .iter()
        .find(|i| i.name.ends_with("lambda.log"))
        .unwrap();
    assert_eq!((lambda.records, lambda.ignored), (2, 1));
}

#[test]
fn cancelling_stops_within_a_line_and_keeps_what_was_read() {
    /// Hands out the log in small pieces and pulls the cancel switch once half is read.
    struct CancelHalfway {
        data: Vec<u8>,
        at: usize,
        progress: std::sync::Arc<ceiling_engine::Progress>,
    }
    impl std::io::Read for CancelHalfway {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.at >= self.data.len() / 2 {
                self.progress.cancel();
            }
            let n = buf.len().min(4096).min(self.data.len() - self.at);
            buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }
    let mut analyzer = Analyzer::new(Settings::default());
    let progress = analyzer.progress();
    let data = records(100_000).into_bytes();
    let total = data.len() as u64;
    let reader = CancelHalfway {
        data,
        at: 0,
        progress: progress.clone(),
    };
    let error = analyzer.read("big.log", reader).unwrap_err().to_string();
    assert!(
        error.starts_with("reading big.log was cancelled after line "),
        "{error}"
    );
    assert!(progress.bytes_read() < total);
    let analysis = analyzer.finish();
    assert!(
        analysis.requests > 10_000 && analysis.requests < 100_000,
        "{}",
        analysis.requests
    );
}
