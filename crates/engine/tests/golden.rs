//! Golden cases: each folder under `tests/cases` is read whole and its analysis compared with
//! the `expected.json` beside it (see `tests/cases/README.md`).

use std::path::{Path, PathBuf};

use ceiling_engine::{expand_paths, Analyzer, Settings};

fn analyze_case(case: &Path) -> serde_json::Value {
    let files = expand_paths(&[case.join("input")]).expect("case has inputs");
    let mut analyzer = Analyzer::new(Settings::default());
    for file in &files {
        let name = file
            .strip_prefix(case)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let reader = std::fs::File::open(file).unwrap();
        analyzer.read(&name, reader).unwrap();
    }
    serde_json::to_value(analyzer.finish()).unwrap()
}

#[test]
fn golden_cases() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let bless = std::env::var_os("CEILING_BLESS").is_some();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no cases under {}", root.display());
    let mut failures = Vec::new();
    for case in &cases {
        let actual = analyze_case(case);
        let expected_path = case.join("expected.json");
        if bless {
            let text = serde_json::to_string_pretty(&actual).unwrap() + "\n";
            std::fs::write(&expected_path, text).unwrap();
            continue;
        }
        let expected: serde_json::Value = match std::fs::read_to_string(&expected_path) {
            Ok(text) => serde_json::from_str(&text).unwrap(),
            Err(_) => {
                failures.push(format!(
                    "{}: no expected.json (run with CEILING_BLESS=1)",
                    case.display()
                ));
                continue;
            }
        };
        if actual != expected {
            failures.push(format!(
                "{}\n--- expected\n{}\n--- actual\n{}",
                case.display(),
                serde_json::to_string_pretty(&expected).unwrap(),
                serde_json::to_string_pretty(&actual).unwrap()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) differ:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
