//! The `switchboard` command, through the binary Cargo builds for this test
//! (`CARGO_BIN_EXE_switchboard`): bad input of every kind ends with a clear
//! message and exit code 2; good input runs; every mode creates the output
//! directory it writes to; `switchboard` alone is `switchboard run`; the
//! completions and man page come from the same definitions as `--help`.

use std::path::Path;
use std::process::Command;
use switchboard::model::TimeSpan;
use switchboard::sim::Scenario;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A classical day small enough for debug builds: 60 customers an hour
/// from 08:00 to 09:00, one-minute service, 20-second answer target,
/// written as a scenario file.
fn tiny_scenario(dir: &Path) -> String {
    let mut s = Scenario::classical_mmn(3, 0.5, 60.0, None, 1);
    s.name = "tiny".into();
    let c = s.classical.as_mut().unwrap();
    let mut rates = vec![0.0; 16];
    rates.extend([60.0, 60.0]);
    rates.extend(vec![0.0; 30]);
    c.arrivals_per_hour = rates;
    c.warmup_minutes = 0.0;
    s.engine.response_target = TimeSpan::from_secs(20);
    let path = dir.join("tiny.json");
    std::fs::write(&path, s.to_json()).unwrap();
    path.to_str().unwrap().to_string()
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
    let cases: [(&[&str], &str); 11] = [
        (&["--scenario", json], "days"),
        (&["run", "--seeds", "0"], "--seeds"),
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
        (&["staffing", "--confidence", "1.5"], "confidence"),
        (&["--no-such-flag"], "unexpected argument"),
        (&["completions", "tcsh"], "invalid value"),
        // Top-level options belong to `run`; a subcommand takes its own.
        (&["--seeds", "3", "compare"], "cannot be used"),
    ];
    for (args, needle) in cases {
        let (code, _, err) = run(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn a_small_classical_run_prints_erlang_beside_the_simulation() {
    let (code, out, err) = run(&[
        "classical",
        "--agents",
        "5",
        "--load",
        "0.7",
        "--customers",
        "3000",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Erlang C") && out.contains("P(wait > 0)"),
        "{out}"
    );
}

#[test]
fn switchboard_alone_runs_the_same_day_as_switchboard_run() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = tiny_scenario(dir.path());
    let without_speed = |out: String| -> String {
        out.lines()
            .filter(|l| !l.contains("simulation speed"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let (code, alone, err) = run(&["--scenario", &scenario, "--seed", "3"]);
    assert_eq!(code, 0, "{err}");
    let (code, explicit, err) = run(&["run", "--scenario", &scenario, "--seed", "3"]);
    assert_eq!(code, 0, "{err}");
    assert!(alone.contains("tiny"), "{alone}");
    assert_eq!(without_speed(alone), without_speed(explicit));
}

/// Issue 18: `staffing --report r.json --out-dir DIR` failed with "Drawing
/// backend error: No such file or directory" when DIR did not exist (only
/// the report's directory was created). Every mode that writes into
/// --out-dir, with the report sent elsewhere, must create it.
#[test]
fn every_mode_creates_its_output_directory_even_with_report_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = tiny_scenario(dir.path());
    let cases: [(&[&str], &str); 4] = [
        (
            &[
                "staffing",
                "--seeds",
                "2",
                "--max-seeds",
                "4",
                "--max-agents",
                "10",
            ],
            "staffing.svg",
        ),
        (
            &[
                "sweep", "--param", "agents", "--values", "2,3", "--seeds", "2",
            ],
            "sweep.svg",
        ),
        (&["compare"], "policies.svg"),
        (&["export"], "roster.csv"),
    ];
    for (i, (args, file)) in cases.into_iter().enumerate() {
        let out_dir = dir.path().join(format!("missing-{i}/nested"));
        let report = dir.path().join(format!("report-{i}.json"));
        let mut all = args.to_vec();
        all.extend([
            "--scenario",
            &scenario,
            "--report",
            report.to_str().unwrap(),
            "--out-dir",
            out_dir.to_str().unwrap(),
        ]);
        let (code, out, err) = run(&all);
        assert_eq!(code, 0, "{all:?}: {err}\n{out}");
        assert!(out_dir.join(file).exists(), "{all:?}: no {file}\n{out}");
    }
}

#[test]
fn completions_and_man_page_come_from_the_same_definitions() {
    let (code, bash, err) = run(&["completions", "bash"]);
    assert_eq!(code, 0, "{err}");
    for sub in ["staffing", "classical", "--max-seeds", "--confidence"] {
        assert!(bash.contains(sub), "completion lacks {sub}");
    }
    let (code, page, err) = run(&["man"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        page.starts_with(".ie") || page.contains(".TH switchboard"),
        "{page}"
    );
    assert!(page.contains("staffing"), "{page}");
    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("man");
    let (code, _, err) = run(&["man", "--out-dir", pages.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let staffing = std::fs::read_to_string(pages.join("switchboard-staffing.1")).unwrap();
    assert!(staffing.contains("confidence"), "{staffing}");
}

#[test]
fn a_reader_that_goes_away_ends_the_run_quietly() {
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    // `switchboard compare | head -0`: the reader is gone before the report.
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["compare", "--out-dir", dir.path().to_str().unwrap()])
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

#[test]
fn compare_with_a_plan_names_each_variant_and_refuses_another_day() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    let with_plan = format!("{root}/scenarios/default_plan.json");
    let (code, stdout, stderr) = run(&[
        "compare",
        "--scenario",
        &with_plan,
        "--plan",
        "none",
        "--out-dir",
        out,
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("default_plan"), "{stdout}");
    assert!(stdout.contains("no plan"), "{stdout}");
    assert!(dir.path().join("compare.json").exists());
    // The large scenario is another day: refused as bad input, named.
    let large = format!("{root}/scenarios/large.json");
    let (code, _, stderr) = run(&[
        "compare",
        "--scenario",
        &with_plan,
        "--variant",
        &large,
        "--out-dir",
        out,
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("variant `large`"), "{stderr}");
}
