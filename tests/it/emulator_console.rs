//! The emulator's read-only console at `/console/`, seen the way a person sees it: a command
//! and a `once` task applied through the binary, then each page loaded in headless Chromium
//! (`--dump-dom`, the DOM after parsing) and checked for what one would look for; screenshots
//! are kept under `target/console-screenshots/`. Chromium is the Debian package `chromium`
//! (`.ci/run` installs it).
//!
//! The emulator's agent really runs the task: the page shows its real output (escaped: the
//! script prints `<` and `>`), exit code and status.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::Fixture;
use common::emu::Emu;
use common::emu::spawn::{Api, REGION};

const STACK: &str = "apiVersion: assistctl/v1\nkind: Stack\nmetadata: { name: console-demo }\nspec:\n  region: cn-hangzhou\n";
const WEB1: &str = "i-bp1web0000000000001";

/// The script's lines: markup characters in a comment and in shell syntax, and a parameter.
const SCRIPT: [&str; 4] = [
    "#!/bin/bash",
    // Written as markup it would be a script element in the DOM (one that does not block the
    // page, as an `alert` would).
    "# a <script>var injected = \"x\";</script> comment & friends",
    "if [ 1 -lt 2 ] && [ -n \"{{who}}\" ]; then echo \"hello <{{who}}>\"; fi",
    "for i in 1 2 3; do echo \"line $i\"; done",
];

fn manifests() -> Fixture {
    let f = Fixture::new();
    f.write("stack.yaml", STACK);
    let content: String = SCRIPT.iter().map(|l| format!("    {l}\n")).collect();
    f.write(
        "main.yaml",
        format!(
            "apiVersion: assistctl/v1\nkind: Command\nmetadata:\n  name: greet-console\n  description: Says hello & counts\nspec:\n  type: shell\n  timeout: 30\n  workingDir: /tmp\n  content: |\n{content}  parameters:\n    who: {{ default: world }}\n---\napiVersion: assistctl/v1\nkind: Invocation\nmetadata: {{ name: greet-once }}\nspec:\n  command: greet-console\n  targets: {{ instanceIds: [{WEB1}] }}\n"
        ),
    );
    f
}

/// How the DOM serialiser writes a text node: `&`, `<` and `>` escaped, quotes as they are.
/// Finding a line in this form proves it is text on the page, not markup.
fn as_text_node(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Headless Chromium with its own profile and no network of its own (no updates, no sync).
struct Browser {
    profile: tempfile::TempDir,
}

impl Browser {
    fn new() -> Self {
        Browser {
            profile: tempfile::tempdir().unwrap(),
        }
    }

    fn run(&self, args: &[&str]) -> String {
        let mut child = Command::new("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
            ])
            .arg(format!("--user-data-dir={}", self.profile.path().display()))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start chromium ({e}); install it: apt-get install -y chromium")
            });
        let mut stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut stdout, &mut s).unwrap();
            s
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                assert!(status.success(), "chromium {args:?} failed: {status}");
                break;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("chromium {args:?} did not finish in 60 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        reader.join().unwrap()
    }

    /// The page's DOM after parsing, serialised.
    fn dom(&self, url: &str) -> String {
        let dom = self.run(&["--dump-dom", url]);
        assert!(dom.contains("</html>"), "no page at {url}: {dom}");
        dom
    }

    /// A 1280x900 screenshot; asserts a PNG of some substance was written.
    fn screenshot(&self, url: &str, path: &Path) {
        let _ = std::fs::remove_file(path);
        self.run(&[
            &format!("--screenshot={}", path.display()),
            "--window-size=1280,900",
            url,
        ]);
        let png = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
        // A blank 1280x900 page compresses to a few kilobytes; text and tables do not.
        assert!(
            png.len() > 20_000,
            "{} is {} bytes",
            path.display(),
            png.len()
        );
    }
}

fn screenshots_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is <target>/tmp; the screenshots go beside it.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("console-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The text of the element after `marker` up to `end`, e.g. a table row.
fn section<'a>(dom: &'a str, marker: &str, end: &str) -> &'a str {
    let start = dom
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not in {dom}"));
    let rest = &dom[start..];
    &rest[..rest.find(end).map_or(rest.len(), |i| i + end.len())]
}

const INSTANCE_STATUSES: [&str; 13] = [
    "Pending",
    "Scheduled",
    "Running",
    "Stopping",
    "Success",
    "Failed",
    "Stopped",
    "Cancelled",
    "Terminated",
    "Invalid",
    "Aborted",
    "Timeout",
    "Error",
];

#[tokio::test]
async fn a_person_finds_the_command_the_task_and_its_instance_in_the_console() {
    let emu = Emu::start(&[]);
    let f = manifests();
    emu.apply(&f);
    let api = Api::new(&emu.endpoint, common::emu::AK, common::emu::SECRET);
    let cmds = api
        .r("DescribeCommands", &[("Name", "greet-console")])
        .await
        .ok();
    let command_id = cmds["Commands"]["Command"][0]["CommandId"]
        .as_str()
        .unwrap()
        .to_string();
    let created = cmds["Commands"]["Command"][0]["CreationTime"]
        .as_str()
        .unwrap()
        .to_string();
    let tasks = api
        .r("DescribeInvocations", &[("CommandId", &command_id)])
        .await
        .ok();
    let invoke_id = tasks["Invocations"]["Invocation"][0]["InvokeId"]
        .as_str()
        .unwrap()
        .to_string();
    // The run is real: wait for its result, then look for it on the pages.
    let started = Instant::now();
    let result = loop {
        let body = api
            .r(
                "DescribeInvocationResults",
                &[("InvokeId", &invoke_id), ("ContentEncoding", "PlainText")],
            )
            .await
            .ok();
        let r = body["Invocation"]["InvocationResults"]["InvocationResult"][0].clone();
        if r["InvocationStatus"] == "Success" {
            break r;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let output = result["Output"].as_str().unwrap().to_string();
    assert!(output.contains("line 3"), "{output}");
    let browser = Browser::new();
    let base = &emu.endpoint;
    let shots = screenshots_dir();

    // My Commands: the command, its decoded script line by line, escaped, and its fields.
    let dom = browser.dom(&format!("{base}/console/commands?region={REGION}"));
    let card = section(&dom, &format!("id=\"{command_id}\""), "</section>");
    assert!(card.contains("<h2>greet-console</h2>"), "{card}");
    assert!(card.contains("Says hello &amp; counts"), "{card}");
    assert!(
        card.contains("RunShellScript") && card.contains("/tmp"),
        "{card}"
    );
    assert!(card.contains("<code>{{who}}</code>"), "{card}");
    assert!(card.contains("30 s"), "{card}");
    assert!(card.contains(&created), "{created} not in {card}");
    assert!(card.contains("assistctl:stack=console-demo"), "{card}");
    let script = section(card, "<pre class=\"script\">", "</pre>");
    for line in SCRIPT {
        assert!(
            script.contains(&as_text_node(line)),
            "{line:?} not in {script}"
        );
    }
    // Had the script been written as markup, the DOM would hold a script element.
    assert!(!dom.contains("<script"), "{dom}");
    assert!(
        !dom.contains("http-equiv=\"refresh\""),
        "the commands page shows no runs"
    );
    browser.screenshot(
        &format!("{base}/console/commands?region={REGION}"),
        &shots.join("commands.png"),
    );

    // Task Execution: the task, its command, mode, and the instance with its status.
    let dom = browser.dom(&format!("{base}/console/invocations?region={REGION}"));
    let card = section(&dom, &format!("id=\"{invoke_id}\""), "</section>");
    assert!(
        card.contains(&format!("href=\"/console/invocations/{invoke_id}\"")),
        "{card}"
    );
    assert!(
        card.contains("greet-console") && card.contains("Once"),
        "{card}"
    );
    assert!(card.contains("assistctl:name=greet-once"), "{card}");
    let row = section(card, &format!("data-instance=\"{WEB1}\""), "</tr>");
    assert!(row.contains("web-1"), "{row}");
    let status_cell = section(row, "class=\"status\"", "</td>");
    let shown = INSTANCE_STATUSES
        .iter()
        .find(|s| status_cell.contains(&format!(">{s}<")))
        .unwrap_or_else(|| panic!("no instance status in {status_cell}"));
    assert_eq!(*shown, "Success", "{row}");
    // The script's own output, as text: `hello <...>` is not markup.
    let after_row = section(card, &format!("data-instance=\"{WEB1}\""), "</table>");
    for line in output.lines() {
        assert!(
            after_row.contains(&as_text_node(line)),
            "{line:?} not in {after_row}"
        );
    }
    let active = ["Pending", "Scheduled", "Running", "Stopping"].contains(shown);
    // The page reloads itself exactly while its run is not final.
    assert_eq!(dom.contains("http-equiv=\"refresh\""), active, "{shown}");
    if !active {
        let results = api
            .r("DescribeInvocationResults", &[("InvokeId", &invoke_id)])
            .await
            .ok();
        let r = &results["Invocation"]["InvocationResults"]["InvocationResult"][0];
        assert_eq!(r["InvocationStatus"], *shown, "{results}");
    }
    browser.screenshot(
        &format!("{base}/console/invocations?region={REGION}"),
        &shots.join("invocations.png"),
    );

    // One task's page: the same, plus the script it runs.
    let dom = browser.dom(&format!("{base}/console/invocations/{invoke_id}"));
    assert!(dom.contains(&format!("<title>Task {invoke_id}")), "{dom}");
    assert!(dom.contains(&format!("data-instance=\"{WEB1}\"")), "{dom}");
    assert!(dom.contains(&as_text_node(SCRIPT[2])), "{dom}");
    browser.screenshot(
        &format!("{base}/console/invocations/{invoke_id}"),
        &shots.join("invocation.png"),
    );

    // Overview and instances: the regions with their counts, the instance with its status.
    let dom = browser.dom(&format!("{base}/console/"));
    let row = section(&dom, &format!("<td>{REGION}</td>"), "</tr>");
    assert!(
        row.contains(&format!(
            "<a href=\"/console/commands?region={REGION}\">1</a>"
        )),
        "{row}"
    );
    assert!(
        row.contains(&format!(
            "<a href=\"/console/invocations?region={REGION}\">1</a>"
        )),
        "{row}"
    );
    assert!(
        row.contains(&format!(
            "<a href=\"/console/instances?region={REGION}\">10</a>"
        )),
        "{row}"
    );
    assert!(dom.contains("<td>ap-southeast-1</td>"), "{dom}");
    browser.screenshot(&format!("{base}/console/"), &shots.join("overview.png"));
    let dom = browser.dom(&format!("{base}/console/instances?region={REGION}"));
    let row = section(&dom, &format!("<code>{WEB1}</code>"), "</tr>");
    assert!(row.contains("web-1") && row.contains(">Running<"), "{row}");
    let off = section(&dom, "<code>i-bp1win0000000000002</code>", "</tr>");
    assert!(off.contains(">Stopped<"), "{off}");
    browser.screenshot(
        &format!("{base}/console/instances?region={REGION}"),
        &shots.join("instances.png"),
    );
}

#[tokio::test]
async fn only_gets_of_known_pages_answer_and_no_secret_is_shown() {
    let emu = Emu::start(&[]);
    emu.apply(&manifests());
    let http = reqwest::Client::new();
    let base = &emu.endpoint;
    let mut seen = String::new();
    for path in [
        "/console",
        "/console/",
        "/console/commands",
        "/console/commands?region=cn-shanghai",
        "/console/invocations",
        "/console/instances",
    ] {
        let resp = http.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        assert_eq!(
            resp.headers()["content-type"],
            "text/html; charset=utf-8",
            "{path}"
        );
        seen.push_str(&resp.text().await.unwrap());
    }
    assert!(seen.contains("greet-console"));
    assert!(!seen.contains(common::emu::SECRET));
    // The pages need no JavaScript and carry none (the command's script is text, escaped).
    assert!(!seen.contains("<script"));
    for (path, code) in [
        ("/console/invocations/t-hz0nosuchtask00", 404),
        ("/console/commands?region=eu-nowhere-1", 404),
        ("/console/commands?page=abc", 400),
    ] {
        let resp = http.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(resp.status(), code, "{path}");
    }
    let resp = http
        .get(format!("{base}/console/commands?region=%22%3E%3Cb%3Ex"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let body = resp.text().await.unwrap();
    assert!(
        body.contains("&quot;&gt;&lt;b&gt;x") && !body.contains("\"><b>x"),
        "{body}"
    );
    let resp = http.post(format!("{base}/console/")).send().await.unwrap();
    assert_eq!(resp.status(), 405);
}

/// The console has no login; README says to keep the emulator on loopback, its default.
#[test]
fn the_emulator_listens_on_loopback_by_default() {
    let out = common::bin()
        .args(["emulator", "serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("[default: 127.0.0.1:8089]"), "{help}");
}
