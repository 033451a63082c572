//! Real samples as Windows saves them (issue 13): Windows PowerShell 5's `>` writes UTF-16 LE
//! with a byte order mark and CRLF line ends. The fixtures in `fixtures/windows/` are real
//! samples re-encoded so (their provenance and hand counts in real-samples.md); the other
//! byte orders are made from them here.

use std::path::PathBuf;

use ceiling_engine::{Analysis, Analyzer, Settings};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/windows")
        .join(name);
    std::fs::read(path).unwrap()
}

fn analyse(name: &str, bytes: &[u8]) -> Analysis {
    let mut analyzer = Analyzer::new(Settings::default());
    analyzer.read(name, bytes).unwrap();
    analyzer.finish()
}

/// The text of a UTF-16 LE file with a byte order mark.
fn text_of(bytes: &[u8]) -> String {
    assert_eq!(&bytes[..2], b"\xFF\xFE", "a UTF-16 LE byte order mark");
    let units: Vec<u16> = bytes[2..]
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .collect();
    String::from_utf16(&units).unwrap()
}

/// `aws logs get-query-results` (the AWS CLI's own example) redirected with `>` in
/// PowerShell 5. Hand count: 3 rows, newest first, each an event; their messages ("Test
/// BENCHMARK 1" to 3) are no API Gateway or Lambda record. Read as bytes, the file would be
/// 64 lines of noise, not a document of 3 events.
#[test]
fn get_query_results_saved_by_powershell_5() {
    let bytes = fixture("get_query_results_powershell5_utf16le.json");
    let analysis = analyse("get-query-results.json", &bytes);
    let input = &analysis.inputs[0];
    assert_eq!(input.events, 3, "{input:?}");
    assert_eq!(input.wrapping, ceiling_engine::Wrapping::JsonDocument);
    // each row read, and set aside as no log record Ceiling knows; nothing else rejected
    assert_eq!(input.records, 0);
    let rejected: u64 = input.rejected.iter().map(|r| r.count).sum();
    assert_eq!(rejected, 3, "{input:?}");
    assert_eq!(input.error, None);
    // the same as the UTF-8 text reads
    let utf8 = analyse("get-query-results.json", text_of(&bytes).as_bytes());
    assert_eq!(utf8.inputs[0].kinds, input.kinds);
    assert_eq!(utf8.inputs[0].wrapping, input.wrapping);
}

/// elastic/integrations' REST access log, as `Get-Content ... > access.log` writes it in
/// PowerShell 5, and in the other byte orders. Hand count: 5 requests, all 200, on 5 lines.
#[test]
fn an_access_log_in_utf16_of_either_byte_order_with_or_without_a_mark() {
    let bytes = fixture("rest_access_json_elastic_powershell5_utf16le.log");
    let text = text_of(&bytes);
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let mut be_marked = vec![0xFE, 0xFF];
    be_marked.extend(&be);
    for (name, bytes) in [
        ("le-marked", &bytes),
        ("le", &le),
        ("be", &be),
        ("be-marked", &be_marked),
    ] {
        let analysis = analyse(name, bytes);
        assert_eq!(analysis.requests, 5, "{name}: {:?}", analysis.inputs);
        assert_eq!(analysis.status[&200], 5, "{name}");
        let input = &analysis.inputs[0];
        assert_eq!((input.lines, input.records), (5, 5), "{name}");
        assert!(input.rejected.is_empty(), "{name}: {input:?}");
    }
}

/// A UTF-16 file large enough for threads is read on one: cut at a line-feed byte, its second
/// half would start on the other byte of a code unit.
#[test]
fn a_large_utf16_file_is_not_cut_for_threads() {
    let text = text_of(&fixture("rest_access_json_elastic_powershell5_utf16le.log"));
    let mut bytes = vec![0xFF, 0xFE];
    let copies = 17 * 1024 * 1024 / (text.len() * 2) + 1;
    for _ in 0..copies {
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("access-utf16.log");
    std::fs::write(&path, &bytes).unwrap();
    let mut analyzer = Analyzer::new(Settings::default());
    analyzer.read_path_with_threads(&path, 2).unwrap();
    let analysis = analyzer.finish();
    assert_eq!(analysis.requests, 5 * copies as u64);
    assert!(analysis.inputs[0].rejected.is_empty());
}
