//! Each finding of the catalogue on its own fixtures: a case where it fires and a near miss
//! where it must not (tests/findings/<id>/<fires|near-miss>, written by make_cases.py). A
//! finding that fires must show evidence whose source lines exist, and advice.

use std::path::{Path, PathBuf};

use ceiling_engine::{expand_paths, Analysis, Analyzer, Finding, Settings};

fn analyze_case(case: &Path) -> Analysis {
    let files = expand_paths(&[case.join("input")]).expect("the case has inputs");
    let mut analyzer = Analyzer::new(Settings::default());
    for file in &files {
        analyzer.read_path(file).expect("fixtures are readable");
    }
    analyzer.finish()
}

/// Every sample of a finding names an input of the case and a line that input has.
fn check_sources(case: &Path, finding: &Finding) -> Result<(), String> {
    let evidence = &finding.evidence;
    let sources = evidence
        .requests
        .iter()
        .map(|r| &r.source)
        .chain(evidence.invocations.iter().map(|i| &i.source));
    for source in sources {
        let text = std::fs::read_to_string(&source.input)
            .map_err(|e| format!("{}: evidence names {}: {e}", case.display(), source.input))?;
        if source.line == 0 || source.line as usize > text.lines().count() {
            return Err(format!(
                "{}: evidence names line {} of {}, which has {} lines",
                case.display(),
                source.line,
                source.input,
                text.lines().count()
            ));
        }
    }
    Ok(())
}

#[test]
fn each_finding_fires_on_its_case_and_not_on_its_near_miss() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/findings");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .flat_map(|finding| {
            std::fs::read_dir(finding)
                .unwrap()
                .map(|entry| entry.unwrap().path())
                .collect::<Vec<_>>()
        })
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 32,
        "the fixtures are missing: run make_cases.py"
    );
    let mut failures = Vec::new();
    for case in &cases {
        let expect: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(case.join("expect.json")).unwrap())
                .unwrap();
        let id = expect["finding"].as_str().unwrap();
        let fires = expect["fires"].as_bool().unwrap();
        let analysis = analyze_case(case);
        let found = analysis.findings.iter().find(|f| f.id.as_str() == id);
        match (found, fires) {
            (Some(finding), true) => {
                if finding.advice.is_empty() || finding.summary.is_empty() {
                    failures.push(format!(
                        "{}: {id} without summary or advice",
                        case.display()
                    ));
                }
                if let Err(reason) = check_sources(case, finding) {
                    failures.push(reason);
                }
            }
            (None, false) => {}
            (None, true) => failures.push(format!(
                "{}: {id} does not fire ({}); found: {:?}",
                case.display(),
                expect["case"],
                analysis.findings.iter().map(|f| &f.id).collect::<Vec<_>>()
            )),
            (Some(finding), false) => failures.push(format!(
                "{}: {id} fires on the near miss ({}): {}",
                case.display(),
                expect["case"],
                finding.summary
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
