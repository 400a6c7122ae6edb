#!/usr/bin/env python3
"""Moves integration test files left at tests/<name>.rs into the test binary
their name belongs to (tests/README.md has the table), as a branch written
before the regrouping adds them: `git mv` (with a `.proptest-regressions`
file beside it), `mod <helper>;` becomes `use crate::<helper>;`, a
`#[path = "../` and `include_str!("../` gain one `../`, a `mod <name>;` line (`#[cfg]`-gated for
features beyond its binary's) goes into the binary's main.rs, and the
file's `[[test]]` entry leaves Cargo.toml; docs, scripts and comments
naming `tests/<name>.rs` or `--test <name>` are rewritten to the new path
and to `--test <binary> <name>::`. Files that keep a binary of
their own are left alone. Run from the repository root, then `cargo fmt`:

    python3 ci/regroup-tests.py          # moves every file it knows a binary for
    python3 ci/regroup-tests.py --dry    # says what it would move
"""
import os
import re
import subprocess
import sys

HELPERS = ["common", "skill_windows_support", "persist_common", "runtime_common",
           "service_common", "browser_common", "sim_support", "nats_support"]
# A process of their own (tests/README.md says why).
OWN_BINARY = {"persist_crash", "runtime_crash", "persist_absurd_length", "service_durable"}
# The features each binary requires in Cargo.toml.
BINARY_FEATURES = {"engine": set(), "persist": set(), "sim": {"sim"},
                   "service": {"service"}, "browser": {"service"},
                   "runtime": {"runtime"}, "nats": {"nats", "cli"}}
# Features implied by others (Cargo.toml's [features]), for the gate.
IMPLIES = {"plots": {"sim"}, "tracing": {"runtime"}, "nats": {"runtime"},
           "service": {"runtime", "sim"}, "tls": {"service", "runtime", "sim"},
           "cli": {"sim", "plots"}}


def binary(name):
    """The test binary a file joins, or None."""
    if name in OWN_BINARY:
        return None
    if name.startswith("engine_") or name in (
            "regression", "stress_engine", "chaos_faults", "fairness_checks", "user_policy"):
        return "engine"
    if name.startswith("persist_") or name == "wire_fixtures":
        return "persist"
    if name.startswith("sim_") or name == "bad_inputs":
        return "sim"
    if name.startswith("service_browser"):
        return "browser"
    if name.startswith("service_"):
        return "service"
    if name.startswith("runtime_"):
        return "runtime"
    if name.startswith("nats_"):
        return "nats"
    return None


def take_test_entry(toml, name):
    """Cargo.toml without the file's [[test]] entry, and its required features."""
    lines = toml.split("\n")
    for i, line in enumerate(lines):
        if line == "[[test]]" and i + 1 < len(lines) and lines[i + 1] == f'name = "{name}"':
            end = i + 1
            while end < len(lines) and lines[end] and not lines[end].startswith("["):
                end += 1
            block = "\n".join(lines[i:end])
            if "harness = false" in block:
                sys.exit(f"{name}: harness = false, it owns its main; leave it a binary of its own")
            features = set(re.findall(r'"([a-z_-]+)"', block.split("required-features", 1)[1])) \
                if "required-features" in block else set()
            start = i
            while start > 0 and lines[start - 1].startswith("#"):
                start -= 1
            if end < len(lines) and not lines[end] and start > 0 and not lines[start - 1]:
                end += 1
            return "\n".join(lines[:start] + lines[end:]), features
    return toml, set()


def gate(features, group):
    have = set(BINARY_FEATURES[group])
    for f in list(have):
        have |= IMPLIES.get(f, set())
    extra = sorted(f for f in features if f not in have)
    if not extra:
        return ""
    if len(extra) == 1:
        return f'#[cfg(feature = "{extra[0]}")]\n'
    return "#[cfg(all(" + ", ".join(f'feature = "{f}"' for f in extra) + "))]\n"


def rewrite_mentions(moved):
    """`tests/<name>.rs` and `--test <name>` in tracked text files."""
    if not moved:
        return
    names = "|".join(sorted(moved, key=len, reverse=True))
    path_re = re.compile(rf"tests/({names})\.(rs|proptest-regressions)\b")
    test_re = re.compile(rf"--test ({names})\b")
    tracked = subprocess.check_output(["git", "ls-files"]).decode().split("\n")
    for file in tracked:
        if not file.endswith((".rs", ".md", ".sh", ".toml")) or not os.path.isfile(file):
            continue
        text = open(file).read()
        new = path_re.sub(lambda m: f"tests/{moved[m.group(1)]}/{m.group(1)}.{m.group(2)}", text)
        new = test_re.sub(lambda m: f"--test {moved[m.group(1)]} {m.group(1)}::", new)
        if new != text:
            open(file, "w").write(new)
            print(f"  mentions updated in {file}")


def main():
    dry = "--dry" in sys.argv
    toml = open("Cargo.toml").read()
    moved = {}
    for file in sorted(os.listdir("tests")):
        name = file[:-3]
        if not file.endswith(".rs") or binary(name) is None:
            continue
        group = binary(name)
        print(f"tests/{file} -> tests/{group}/{file}")
        if dry:
            continue
        moved[name] = group
        subprocess.check_call(["git", "mv", f"tests/{file}", f"tests/{group}/{file}"])
        regressions = f"tests/{name}.proptest-regressions"
        if os.path.exists(regressions):
            subprocess.check_call(["git", "mv", regressions, f"tests/{group}/{name}.proptest-regressions"])
        path = f"tests/{group}/{file}"
        source = open(path).read()
        main_rs = open(f"tests/{group}/main.rs").read()
        for helper in HELPERS:
            pattern = re.compile(rf"^mod {helper};$", re.M)
            if pattern.search(source):
                source = pattern.sub(f"use crate::{helper};", source)
                if not re.search(rf"^mod {helper};$", main_rs, re.M):
                    main_rs = main_rs.replace(
                        "\n\nmod ", f'\n\n#[path = "../{helper}/mod.rs"]\nmod {helper};\n\nmod ', 1)
        source = source.replace('#[path = "../', '#[path = "../../')
        source = source.replace('include_str!("../', 'include_str!("../../')
        source = source.replace('include_bytes!("../', 'include_bytes!("../../')
        open(path, "w").write(source)
        toml, features = take_test_entry(toml, name)
        main_rs = main_rs.rstrip("\n") + "\n" + gate(features, group) + f"mod {name};\n"
        open(f"tests/{group}/main.rs", "w").write(main_rs)
    if not dry:
        open("Cargo.toml", "w").write(toml)
        rewrite_mentions(moved)
        subprocess.check_call(["git", "add", "-u"])
        subprocess.check_call(["git", "add", "tests"])


if __name__ == "__main__":
    main()
