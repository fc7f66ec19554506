//! README's main job, run as README writes it: the two `cargo run --release --` lines of
//! "Start here" (read from README.md, with the built binary in place of `cargo run`), in a
//! fresh directory holding a copy of examples/. The Linux `once` examples really run in the
//! emulator's sandboxes and say so in `status`; the Windows one ends with the error that the
//! emulator cannot run it; nothing reports Success without having run; and the output
//! README shows is what a run prints, up to ids, times and what the scripts measure.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Parser, Tag, TagEnd};
use regex::Regex;

const WEB1: &str = "i-bp1web0000000000001";
const WEB2: &str = "i-bp1web0000000000002";
const API1: &str = "i-bp1api0000000000001";
const DB1: &str = "mi-hz0100000000000001";
const WIN1: &str = "i-bp1win0000000000001";

/// The threshold disk-usage-web-now passes (examples/commands/disk-usage-check.yaml).
const DISK_THRESHOLD: f64 = 90.0;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).unwrap()
}

/// The code blocks (language, text) of the level-2 section whose heading starts with `title`.
fn section_blocks(md: &str, title: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let (mut in_heading, mut heading, mut inside) = (false, String::new(), false);
    let mut code: Option<(String, String)> = None;
    for ev in Parser::new(md) {
        match ev {
            Event::Start(Tag::Heading { level, .. }) if level <= HeadingLevel::H2 => {
                in_heading = true;
                heading.clear();
            }
            Event::End(TagEnd::Heading(level)) if level <= HeadingLevel::H2 => {
                in_heading = false;
                inside = heading.starts_with(title);
            }
            Event::Text(t) if in_heading => heading.push_str(&t),
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(lang))) if inside => {
                code = Some((lang.to_string(), String::new()));
            }
            Event::Text(t) if code.is_some() => code.as_mut().unwrap().1.push_str(&t),
            Event::End(TagEnd::CodeBlock) => blocks.extend(code.take()),
            _ => {}
        }
    }
    blocks
}

/// The `cargo run --release --` lines of "Start here": apply, then status.
fn main_commands(md: &str) -> Vec<String> {
    let lines: Vec<String> = section_blocks(md, "Start here")
        .into_iter()
        .filter(|(lang, _)| lang == "sh")
        .flat_map(|(_, text)| text.lines().map(str::to_string).collect::<Vec<_>>())
        .filter(|l| l.contains("cargo run --release --"))
        .collect();
    assert_eq!(lines.len(), 2, "README's Start here: {lines:?}");
    assert!(lines[0].contains(" apply "), "{}", lines[0]);
    assert!(lines[1].contains(" status "), "{}", lines[1]);
    lines
}

/// A command line of README as a process: `VAR=value` words first become its environment,
/// `cargo run --release --` the built binary.
fn command_of(line: &str, dir: &Path) -> Command {
    assert!(
        !line.contains(['\'', '"', '$', '\\', '|', ';', '&']),
        "a line this test cannot run without a shell: {line}"
    );
    let (before, args) = line
        .split_once("cargo run --release --")
        .expect("a cargo run line");
    let mut c = common::bin();
    c.current_dir(dir);
    for word in before.split_whitespace() {
        let (k, v) = word
            .split_once('=')
            .unwrap_or_else(|| panic!("not an environment assignment: `{word}` in {line}"));
        c.env(k, v);
    }
    c.args(args.split_whitespace());
    c
}

fn run(mut c: Command) -> (Output, String) {
    let out = c.output().expect("run assistctl");
    let t = common::text(&out);
    (out, t)
}

fn copy_tree(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from)
        .into_iter()
        .filter_map(Result::ok)
    {
        let dest = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// One invocation's part of `status`: its task id, schedule, and per instance the status
/// line and the output lines that follow it.
#[derive(Debug, Default)]
struct Block {
    lines: Vec<String>,
    task: String,
    schedule: String,
    instances: BTreeMap<String, (String, Vec<String>)>,
}

fn blocks(status: &str) -> BTreeMap<String, Block> {
    let mut all: BTreeMap<String, Block> = BTreeMap::new();
    let mut current: Option<(String, Option<String>)> = None;
    for line in status.lines() {
        if let Some(rest) = line.strip_prefix("invocation ") {
            let name = rest.split_whitespace().next().unwrap().to_string();
            all.entry(name.clone()).or_default();
            current = Some((name, None));
        }
        let Some((name, instance)) = current.as_mut() else {
            continue;
        };
        let b = all.get_mut(name.as_str()).unwrap();
        b.lines.push(line.to_string());
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("task ") {
            b.task = rest.split_whitespace().next().unwrap().to_string();
        } else if let Some(rest) = t.strip_prefix("schedule: ") {
            b.schedule = rest.to_string();
        } else if t.starts_with("i-") || t.starts_with("mi-") {
            let id = t.split_whitespace().next().unwrap().to_string();
            b.instances.insert(id.clone(), (t.to_string(), Vec::new()));
            *instance = Some(id);
        } else if let (Some(id), Some(out)) = (instance.as_ref(), t.strip_prefix("| ")) {
            b.instances.get_mut(id).unwrap().1.push(out.to_string());
        }
    }
    all
}

/// Use of `/` in percent, space or inodes, whichever is higher, as `df` sees it.
fn root_usage_percent() -> f64 {
    let mut worst: f64 = 0.0;
    for flag in ["-P", "-Pi"] {
        let out = Command::new("df").args([flag, "/"]).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let f: Vec<f64> = text
            .lines()
            .nth(1)
            .unwrap()
            .split_whitespace()
            .skip(1)
            .take(2)
            .map(|n| n.parse().unwrap())
            .collect();
        if f[0] > 0.0 {
            worst = worst.max(f[1] * 100.0 / f[0]);
        }
    }
    worst
}

/// What varies between runs and machines: ids, times, dates, sizes and the numbers and
/// accounts the scripts report.
fn masked(line: &str) -> String {
    let rules = [
        (r"\b([ct])-hz0[0-9a-z]+\b", "$1-<id>"),
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "<time>"),
        (r"\d{8}\.tgz", "<date>.tgz"),
        (r"\(\d+(\.\d+)?[KMG]?\)", "(<size>)"),
        (r"\s*\d+\.\d%", " <n>%"),
        (r"can log in \(\d+\): .*", "can log in (<n>): <accounts>"),
    ];
    let mut s = line.trim_end().to_string();
    for (re, to) in rules {
        s = Regex::new(re).unwrap().replace_all(&s, to).into_owned();
    }
    s
}

/// The ```text block after the status command in "Start here".
fn readme_status_output(md: &str) -> String {
    let blocks = section_blocks(md, "Start here");
    let at = blocks
        .iter()
        .position(|(lang, t)| lang == "sh" && t.contains(" status "))
        .expect("the status command");
    let (lang, text) = &blocks[at + 1];
    assert_eq!(
        lang, "text",
        "README shows status's output after its command"
    );
    text.clone()
}

#[test]
fn readme_main_command_really_runs_the_examples() {
    let md = readme();
    let cmds = main_commands(&md);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_tree(&root().join("examples"), &dir.join("examples"));

    let (out, t) = run(command_of(&cmds[0], dir));
    assert!(out.status.success(), "apply failed:\n{t}");
    assert!(t.contains("Apply complete"), "{t}");
    let (out, t) = run(command_of(&cmds[0], dir));
    assert!(out.status.success(), "second apply failed:\n{t}");
    assert!(
        t.contains("No changes."),
        "a second apply changed something:\n{t}"
    );

    let (out, status) = run(command_of(&cmds[1], dir));
    assert!(out.status.success(), "status failed:\n{status}");
    let all = blocks(&status);
    let instances = dir.join(".assistctl/instances");

    // The Linux `once` examples: (invocation, command, script extension, instances, a line
    // the script prints on each instance).
    let disk_over = root_usage_percent() > DISK_THRESHOLD;
    let linux_once: [(&str, &str, &str, &[&str], String); 3] = [
        (
            "disk-usage-web-now",
            "disk-usage-check",
            "py",
            &[WEB1, WEB2],
            format!("all file systems below {DISK_THRESHOLD}%"),
        ),
        (
            "backup-hosts-web-1",
            "backup-app-data",
            "sh",
            &[WEB1],
            "archived /etc/hosts to /var/tmp/backup/my-backup-".into(),
        ),
        (
            "audit-accounts-prod",
            "audit-login-accounts",
            "pl",
            &[API1, WEB1, WEB2, DB1],
            "audit passed: uid 0 only for root".into(),
        ),
    ];
    let once: Vec<&str> = all
        .iter()
        .filter(|(_, b)| b.schedule == "Once")
        .map(|(n, _)| n.as_str())
        .collect();
    let mut expected: Vec<&str> = linux_once.iter().map(|e| e.0).collect();
    expected.push("diagnose-win-1");
    expected.sort();
    assert_eq!(once, expected, "the once examples changed:\n{status}");

    for (name, command, ext, ids, line) in &linux_once {
        let b = &all[*name];
        let got: Vec<&String> = b.instances.keys().collect();
        assert_eq!(&got, ids, "{name}:\n{status}");
        for id in *ids {
            let (state, output) = &b.instances[*id];
            if *name == "disk-usage-web-now" && disk_over {
                // This machine's / is fuller than the threshold: the check says so.
                assert!(state.contains("Failed    exit 1"), "{name} {id}: {state}");
                assert!(output.iter().any(|l| l.contains("OVER")), "{output:?}");
            } else {
                assert!(
                    state.contains(" Success    exit 0 "),
                    "{name} on {id} did not succeed:\n{status}"
                );
                assert!(
                    output.iter().any(|l| l.contains(line.as_str())),
                    "{name} on {id} does not show `{line}`:\n{status}"
                );
            }
            // It ran: the agent saved the script in the instance's own files.
            let script = instances.join(id).join(format!(
                "var/tmp/aliyun-assist/work/script/{command}-{}.{ext}",
                b.task
            ));
            assert!(script.is_file(), "{} is missing", script.display());
        }
    }

    // The backup left its archive in web-1's /var/tmp, holding web-1's /etc/hosts.
    let backups: Vec<PathBuf> = std::fs::read_dir(instances.join(WEB1).join("var/tmp/backup"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    let name = backups[0]
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        Regex::new(r"^my-backup-\d{8}\.tgz$")
            .unwrap()
            .is_match(&name),
        "{name}"
    );
    let archived = &all["backup-hosts-web-1"].instances[WEB1].1;
    assert!(
        archived
            .iter()
            .any(|l| l.contains(&format!("/var/tmp/backup/{name}"))),
        "{archived:?}"
    );
    let listing = Command::new("tar")
        .arg("-tzf")
        .arg(&backups[0])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&listing.stdout).trim(), "etc/hosts");
    assert!(!instances.join(WEB2).join("var/tmp/backup").exists());

    // The Windows example: an error that says why, and nothing ran.
    let (state, _) = &all["diagnose-win-1"].instances[WIN1];
    assert!(state.contains("Error"), "{status}");
    let win = all["diagnose-win-1"].lines.join("\n");
    assert!(
        win.contains("the local emulator cannot run scripts on windows instances"),
        "{status}"
    );
    assert!(!instances.join(WIN1).exists());

    // Schedules and boot-time runs have not run: nothing there reports a result.
    for (name, b) in all.iter().filter(|(_, b)| b.schedule != "Once") {
        for (id, (state, output)) in &b.instances {
            assert!(
                state.contains("Scheduled  exit -") || state.contains("Pending    exit -"),
                "{name} on {id} shows a result without having run: {state}"
            );
            assert!(output.is_empty(), "{name} on {id}: {output:?}");
        }
    }

    // What README shows is what the command prints, up to what varies; `...` leaves
    // lines out.
    let shown = readme_status_output(&md);
    let mut block = String::new();
    let mut checked = 0;
    for line in shown.lines() {
        if let Some(rest) = line.strip_prefix("invocation ") {
            block = rest.split_whitespace().next().unwrap().to_string();
            assert!(all.contains_key(&block), "README shows `{line}`:\n{status}");
        }
        if line.trim() == "..." || (block == "disk-usage-web-now" && disk_over) {
            continue;
        }
        let real: Vec<String> = all[&block].lines.iter().map(|l| masked(l)).collect();
        assert!(
            real.contains(&masked(line)),
            "README's status output shows a line a run does not print:\n{line}\n\nthe run:\n{status}"
        );
        checked += 1;
    }
    assert!(checked > 10, "README shows too little of status: {shown}");
}

/// The flags README's "The local emulator" names are those of `emulator serve`.
#[test]
fn readme_emulator_flags_exist() {
    let md = readme();
    let start = md.find("## The local emulator").expect("the section");
    let section = &md[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let help = common::text(
        &common::bin()
            .args(["emulator", "serve", "--help"])
            .output()
            .unwrap(),
    );
    let apply_help = common::text(&common::bin().args(["apply", "--help"]).output().unwrap());
    let flags: Vec<&str> = Regex::new(r"`(--[a-z-]+)")
        .unwrap()
        .captures_iter(section)
        .map(|c| c.get(1).unwrap().as_str())
        .collect();
    for f in [
        "--unsandboxed",
        "--time-scale",
        "--hold-runs",
        "--max-concurrent-runs",
    ] {
        assert!(flags.contains(&f), "README's emulator section omits {f}");
    }
    for f in flags {
        // The client's flags are apply's; the others the server's.
        let (h, what) = if ["--local", "--endpoint"].contains(&f) {
            (&apply_help, "apply")
        } else {
            (&help, "emulator serve")
        };
        assert!(
            h.contains(&format!("{f} ")) || h.contains(&format!("{f}\n")),
            "README names {f}, which `{what}` does not have"
        );
    }
    assert!(section.contains("POST /_emulator/clock?advance=SECONDS"));
    assert!(help.contains("POST /_emulator/clock?advance=SECONDS"));
}

const PROBE: &str = r#"apiVersion: assistctl/v1
kind: Stack
metadata: { name: probe }
spec: { region: cn-hangzhou }
---
apiVersion: assistctl/v1
kind: Command
metadata: { name: probe }
spec:
  type: shell
  content: |
    #!/bin/bash
    echo "user=$(id -un) host=$(hostname)"
    echo "net=$(awk -F: 'NR > 2 { gsub(/ /, "", $1); printf "%s ", $1 }' /proc/net/dev)"
    echo "processes=$(ls /proc | grep -c '^[0-9]')"
    touch /usr/probe 2>/dev/null && echo "root fs writable" || echo "root fs read-only"
    test -w /proc/sys/vm/swappiness && echo "sysctl writable" || echo "sysctl read-only"
    for d in /root /home /tmp /var/tmp /var/log /opt /srv /etc; do echo probe > "$d/probe-file" && echo "wrote $d"; done
---
apiVersion: assistctl/v1
kind: Invocation
metadata: { name: probe }
spec:
  command: probe
  targets: { instanceIds: [i-bp1web0000000000001] }
---
apiVersion: assistctl/v1
kind: Invocation
metadata: { name: probe-as-nobody-here }
spec:
  command: probe
  targets: { instanceIds: [i-bp1web0000000000001] }
  username: nobody-here
"#;

/// What README's "The local emulator" says of a Linux instance's sandbox.
#[test]
fn readme_sandbox_claims_hold() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("probe.yaml"), PROBE).unwrap();
    let local = |args: &[&str]| {
        let mut c = common::bin();
        c.current_dir(dir).args(args).arg("--local");
        run(c)
    };
    let (out, t) = local(&["apply", "--auto-approve", "probe.yaml"]);
    assert!(out.status.success(), "{t}");
    let (_, status) = local(&["status", "--path", "probe.yaml", "--lines", "20"]);
    let all = blocks(&status);
    let (state, output) = &all["probe"].instances[WEB1];
    assert!(state.contains(" Success    exit 0 "), "{status}");
    let output = output.join("\n");
    assert!(output.contains("user=root host=web-1"), "{output}");
    assert_eq!(
        output.lines().find(|l| l.starts_with("net=")),
        Some("net=lo "),
        "{output}"
    );
    let processes: usize = Regex::new(r"processes=(\d+)")
        .unwrap()
        .captures(&output)
        .unwrap()[1]
        .parse()
        .unwrap();
    assert!(
        processes < 10,
        "the run sees the host's processes:\n{output}"
    );
    assert!(output.contains("root fs read-only"), "{output}");
    assert!(output.contains("sysctl read-only"), "{output}");
    let own = dir.join(".assistctl/instances").join(WEB1);
    for (inside, host) in [
        ("/root", "root"),
        ("/home", "home"),
        ("/tmp", "tmp"),
        ("/var/tmp", "var/tmp"),
        ("/var/log", "var/log"),
        ("/opt", "opt"),
        ("/srv", "srv"),
        ("/etc", "etc"),
    ] {
        assert!(
            output.contains(&format!("wrote {inside}\n"))
                || output.ends_with(&format!("wrote {inside}")),
            "{output}"
        );
        assert_eq!(
            std::fs::read_to_string(own.join(host).join("probe-file")).unwrap(),
            "probe\n"
        );
    }
    assert!(
        own.join("etc/passwd").is_file(),
        "the instance's /etc is a copy"
    );
    assert!(!Path::new("/etc/probe-file").exists());

    let (state, _) = &all["probe-as-nobody-here"].instances[WEB1];
    let b = all["probe-as-nobody-here"].lines.join("\n");
    assert!(state.contains("Invalid"), "{status}");
    assert!(
        b.contains("AccountNotExists") && b.contains("nobody-here"),
        "{status}"
    );
}
