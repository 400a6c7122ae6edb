//! The simulate CLI: bad input of every kind ends with a clear message and
//! exit code 2; good input runs. Uses the example binary that `cargo test`
//! builds next to the test (`target/<profile>/examples/simulate`); skipped
//! with a note when it is not there.

use std::path::PathBuf;
use std::process::Command;

fn binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?.parent()?;
    let path = dir
        .join("examples")
        .join(format!("simulate{}", std::env::consts::EXE_SUFFIX));
    path.exists().then_some(path)
}

fn run(args: &[&str]) -> Option<(i32, String, String)> {
    let Some(bin) = binary() else {
        eprintln!("examples/simulate not built; skipped");
        return None;
    };
    let out = Command::new(bin)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    Some((
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

#[test]
fn bad_input_exits_with_code_2_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let bad_csv = dir.path().join("bad.csv");
    std::fs::write(&bad_csv, "opened_at,customer\nnope,c1\n").unwrap();
    let roster = dir.path().join("roster.csv");
    std::fs::write(
        &roster,
        "agent,start,end\nann,2026-03-02T08:00:00Z,2026-03-02T16:00:00Z\n",
    )
    .unwrap();
    let bad_json = dir.path().join("bad.json");
    std::fs::write(&bad_json, "{\"days\": 0}").unwrap();
    let (csv, rost, json) = (
        bad_csv.to_str().unwrap(),
        roster.to_str().unwrap(),
        bad_json.to_str().unwrap(),
    );
    let cases: [(&[&str], &str); 8] = [
        (&["--scenario", json], "days"),
        (&["--seeds", "0"], "--seeds"),
        (&["--policy", "coin_flip"], "coin_flip"),
        (&["classical", "--service", "weird:1"], "--service"),
        (&["sweep", "--param", "colour", "--values", "1"], "--param"),
        (
            &["sweep", "--param", "agents", "--values", "5:1:1"],
            "--values",
        ),
        (
            &["import", "--conversations", csv, "--roster", rost],
            "line 2, column `opened_at`",
        ),
        (&["--no-such-flag"], "unexpected argument"),
    ];
    for (args, needle) in cases {
        let Some((code, _, err)) = run(args) else {
            return;
        };
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn a_small_classical_run_prints_erlang_beside_the_simulation() {
    let Some((code, out, err)) = run(&[
        "classical",
        "--agents",
        "5",
        "--load",
        "0.7",
        "--customers",
        "3000",
    ]) else {
        return;
    };
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Erlang C") && out.contains("P(wait > 0)"),
        "{out}"
    );
}

#[test]
fn a_reader_that_goes_away_ends_the_run_quietly() {
    use std::process::Stdio;
    let Some(bin) = binary() else {
        eprintln!("examples/simulate not built; skipped");
        return;
    };
    // `simulate --compare | head -0`: the reader is gone before the report.
    let mut child = Command::new(bin)
        .arg("--compare")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(141), "{stderr}");
}
