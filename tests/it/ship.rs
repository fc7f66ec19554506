//! Shipping assistctl: the release workflow dist generated, the shell installer dist makes,
//! and the GitHub Action (action.yml and scripts/action-install.sh), checked here without
//! GitHub. actionlint reports nothing on the release workflow and reads action.yml; dist's
//! own checks pass; a fake release of this build, laid out and named as dist names the
//! host's archive, is served from 127.0.0.1, and both the installer and the action's script
//! install it into temporary directories, where `assistctl --version` runs. A release whose
//! checksum does not match is refused by both, and nothing is installed.
//!
//! Nothing here builds a release: the archive holds the test build of the binary.

use crate::common;

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value;

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn venv_bin(tool: &str) -> PathBuf {
    common::pyvenv::python()
        .parent()
        .expect("venv bin dir")
        .join(tool)
}

fn text(o: &Output) -> String {
    common::text(o)
}

/// The target triple dist names this machine's archive by.
fn host_triple() -> String {
    assert_eq!(std::env::consts::OS, "linux", "these tests run on Linux");
    format!("{}-unknown-linux-gnu", std::env::consts::ARCH)
}

// ---- actionlint ----------------------------------------------------------------------

fn actionlint(dir: &Path, args: &[&str]) -> Output {
    Command::new(venv_bin("actionlint"))
        .current_dir(dir)
        .arg("-no-color")
        .arg("-shellcheck")
        .arg(venv_bin("shellcheck"))
        .args(["-pyflakes", ""])
        .args(args)
        .output()
        .expect("run actionlint")
}

#[test]
fn release_workflow_passes_actionlint() {
    let out = actionlint(
        root(),
        &[
            "-config-file",
            ".github/actionlint.yaml",
            ".github/workflows/release.yml",
        ],
    );
    assert!(
        out.status.success() && out.stdout.is_empty(),
        "actionlint on release.yml:\n{}",
        text(&out)
    );
    // The configuration leaves out only shellcheck's info and style remarks on the
    // generated scripts; without shellcheck, actionlint's own rules find nothing at all.
    let out = Command::new(venv_bin("actionlint"))
        .current_dir(root())
        .args(["-no-color", "-shellcheck=", "-pyflakes="])
        .args(["-config-file", "/dev/null"])
        .arg(".github/workflows/release.yml")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let config = std::fs::read_to_string(root().join(".github/actionlint.yaml")).unwrap();
    for line in config.lines().filter(|l| l.trim_start().starts_with("- ")) {
        assert!(
            line.contains(":info:") || line.contains(":style:"),
            "actionlint.yaml ignores more than shellcheck's info and style: {line}"
        );
    }
}

/// A repository holding this action.yml and a workflow using it (`uses: ./`), as a user's
/// would; actionlint reads the action's metadata and checks the inputs given to it.
fn lint_use_of_action(steps: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir_all(p.join(".github/workflows")).unwrap();
    std::fs::create_dir_all(p.join(".git")).unwrap();
    std::fs::copy(root().join("action.yml"), p.join("action.yml")).unwrap();
    std::fs::write(
        p.join(".github/workflows/use.yml"),
        format!(
            "on: push\njobs:\n  install:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v5\n{steps}"
        ),
    )
    .unwrap();
    actionlint(p, &[".github/workflows/use.yml"])
}

#[test]
fn action_passes_actionlint_and_its_schema() {
    let ok = lint_use_of_action(
        "      - id: assistctl\n        uses: ./\n        with:\n          version: 0.1.0\n          base-url: http://127.0.0.1:1\n      - run: '\"${{ steps.assistctl.outputs.path }}\" --version && assistctl --version'\n",
    );
    assert!(
        ok.status.success() && ok.stdout.is_empty(),
        "actionlint on a workflow using the action:\n{}",
        text(&ok)
    );
    // It does read action.yml: a missing required input and an unknown one are reported.
    let bad = lint_use_of_action("      - uses: ./\n        with:\n          nosuch: 1\n");
    let t = text(&bad);
    assert!(!bad.status.success(), "{t}");
    assert!(t.contains("missing input \"version\""), "{t}");
    assert!(t.contains("input \"nosuch\" is not defined"), "{t}");

    // action.yml against the schema of action metadata (SchemaStore's, vendored in
    // check-jsonschema).
    let out = Command::new(venv_bin("check-jsonschema"))
        .args(["--builtin-schema", "vendor.github-actions"])
        .arg(root().join("action.yml"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));

    // shellcheck on the script the action runs.
    let out = Command::new(venv_bin("shellcheck"))
        .arg(root().join("scripts/action-install.sh"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
}

// ---- dist ----------------------------------------------------------------------------

fn dist(dir: &Path, args: &[&str]) -> Output {
    Command::new(venv_bin("dist"))
        .current_dir(dir)
        .args(args)
        .env("CARGO_NET_OFFLINE", "true")
        .output()
        .expect("run dist")
}

#[test]
fn dist_plan_is_clean_and_release_yml_is_what_dist_generates() {
    let out = dist(root(), &["generate", "--check"]);
    assert!(
        out.status.success(),
        "dist generate --check:\n{}",
        text(&out)
    );
    let out = dist(root(), &["plan", "--output-format=json"]);
    assert!(out.status.success(), "dist plan:\n{}", text(&out));
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut names: Vec<&str> = plan["artifacts"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    names.sort();
    for want in [
        "assistctl-aarch64-apple-darwin.tar.xz",
        "assistctl-aarch64-unknown-linux-gnu.tar.xz",
        "assistctl-aarch64-unknown-linux-musl.tar.xz",
        "assistctl-x86_64-apple-darwin.tar.xz",
        "assistctl-x86_64-pc-windows-msvc.zip",
        "assistctl-x86_64-unknown-linux-gnu.tar.xz",
        "assistctl-x86_64-unknown-linux-musl.tar.xz",
        "assistctl-installer.sh",
        "assistctl-installer.ps1",
    ] {
        assert!(names.contains(&want), "dist plan lacks {want}: {names:?}");
        if want.ends_with(".xz") || want.ends_with(".zip") {
            let sum = format!("{want}.sha256");
            assert!(names.contains(&sum.as_str()), "no checksum of {want}");
        }
    }
    // The version the workflow installs is the version the config pins.
    let cfg = std::fs::read_to_string(root().join("dist-workspace.toml")).unwrap();
    let dist_version = String::from_utf8(dist(root(), &["--version"]).stdout).unwrap();
    let pinned = cfg
        .lines()
        .find_map(|l| l.strip_prefix("cargo-dist-version = "))
        .expect("cargo-dist-version")
        .trim_matches('"');
    assert_eq!(dist_version.trim(), format!("cargo-dist {pinned}"));
}

// ---- a fake release served from 127.0.0.1 --------------------------------------------

/// A static file server on 127.0.0.1 (an ephemeral port): GET only, one request per
/// connection. Records the paths asked for.
struct FileServer {
    addr: SocketAddr,
    asked: Arc<Mutex<Vec<String>>>,
}

impl FileServer {
    fn start(root: PathBuf) -> FileServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = asked.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut first = String::new();
                if reader.read_line(&mut first).is_err() {
                    continue;
                }
                loop {
                    let mut line = String::new();
                    match reader.read_line(&mut line) {
                        Ok(0) | Err(_) => break,
                        Ok(_) if line == "\r\n" || line == "\n" => break,
                        Ok(_) => {}
                    }
                }
                let path = first.split_whitespace().nth(1).unwrap_or("/").to_string();
                log.lock().unwrap().push(path.clone());
                let file = root.join(path.trim_start_matches('/'));
                let body = (!path.contains("..") && first.starts_with("GET "))
                    .then(|| std::fs::read(&file).ok())
                    .flatten();
                let _ = match body {
                    Some(b) => stream
                        .write_all(
                            format!(
                                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
                                b.len()
                            )
                            .as_bytes(),
                        )
                        .and_then(|_| stream.write_all(&b)),
                    None => stream.write_all(
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    ),
                };
            }
        });
        FileServer { addr, asked }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn asked(&self) -> Vec<String> {
        self.asked.lock().unwrap().clone()
    }
}

fn run(c: &mut Command) -> Output {
    c.output()
        .unwrap_or_else(|e| panic!("could not run {c:?}: {e}"))
}

fn sha256_hex(file: &Path) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(std::fs::read(file).unwrap()))
}

/// dist's archive of `bin` for `triple`: `assistctl-TRIPLE.tar.xz` holding one directory
/// of that name with the binary and README.md, and its `.sha256` beside it in `dir`.
fn archive(dir: &Path, triple: &str, bin: &Path) -> PathBuf {
    let name = format!("assistctl-{triple}");
    let staging = tempfile::tempdir().unwrap();
    let inner = staging.path().join(&name);
    std::fs::create_dir_all(&inner).unwrap();
    std::fs::copy(bin, inner.join("assistctl")).unwrap();
    std::fs::copy(root().join("README.md"), inner.join("README.md")).unwrap();
    let file = dir.join(format!("{name}.tar.xz"));
    // The fastest xz preset: the test binary is large, and the format is what matters.
    let out = run(Command::new("tar")
        .env("XZ_OPT", "-0 -T0")
        .arg("-cJf")
        .arg(&file)
        .arg("-C")
        .arg(staging.path())
        .arg(&name));
    assert!(out.status.success(), "tar: {}", text(&out));
    let sum = format!(
        "{} *{}\n",
        sha256_hex(&file),
        file.file_name().unwrap().to_string_lossy()
    );
    std::fs::write(dir.join(format!("{name}.tar.xz.sha256")), sum).unwrap();
    file
}

/// The files dist reads of the project, copied into a git repository of their own so
/// that dist writes its output there, not into this checkout's target/.
fn project_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in [
        "Cargo.toml",
        "Cargo.lock",
        "dist-workspace.toml",
        "README.md",
    ] {
        std::fs::copy(root().join(f), dir.path().join(f)).unwrap();
    }
    for d in ["src", "benches", ".github"] {
        copy_dir(&root().join(d), &dir.path().join(d));
    }
    let git = |args: &[&str]| {
        let out = run(Command::new("git")
            .current_dir(dir.path())
            .args(["-c", "user.name=test", "-c", "user.email=test@127.0.0.1"])
            .args([
                "-c",
                "init.defaultBranch=main",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args));
        assert!(out.status.success(), "git {args:?}: {}", text(&out));
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "release"]);
    dir
}

fn copy_dir(from: &Path, to: &Path) {
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

/// A release of this build as GitHub would serve it: `<root>/v<VERSION>/` holding the
/// host's archive and checksum, and the installers dist generated for them. Made once.
struct Release {
    root: tempfile::TempDir,
    archive: PathBuf,
}

impl Release {
    fn tag_dir(&self) -> PathBuf {
        self.root.path().join(format!("v{VERSION}"))
    }
}

fn release() -> &'static Release {
    static RELEASE: OnceLock<Release> = OnceLock::new();
    RELEASE.get_or_init(|| {
        let triple = host_triple();
        let root = tempfile::tempdir().unwrap();
        let tag = root.path().join(format!("v{VERSION}"));
        std::fs::create_dir_all(&tag).unwrap();
        let archive = archive(&tag, &triple, Path::new(env!("CARGO_BIN_EXE_assistctl")));

        // What the release workflow does: each local build leaves its archive, checksum
        // and dist manifest in target/distrib/, and the global build (the installers)
        // reads them to embed the archives' checksums. The local build is the one step not
        // run here (it is a release build): its manifest is dist's own (`dist manifest`
        // for the host's target) with the checksum of the archive made above.
        let project = project_copy();
        let out = dist(
            project.path(),
            &[
                "manifest",
                "--artifacts=local",
                "--target",
                &triple,
                "--output-format=json",
                "--no-local-paths",
            ],
        );
        assert!(out.status.success(), "dist manifest: {}", text(&out));
        let mut manifest: Value = serde_json::from_slice(&out.stdout).unwrap();
        let name = archive.file_name().unwrap().to_string_lossy().to_string();
        let entry = manifest["artifacts"]
            .get_mut(&name)
            .unwrap_or_else(|| panic!("dist names the host's archive otherwise: not {name}"));
        entry["checksums"] = serde_json::json!({ "sha256": sha256_hex(&archive) });
        let distrib = project.path().join("target/distrib");
        std::fs::create_dir_all(&distrib).unwrap();
        std::fs::write(
            distrib.join(format!("{triple}-dist-manifest.json")),
            manifest.to_string(),
        )
        .unwrap();
        for f in [&archive, &tag.join(format!("{name}.sha256"))] {
            std::fs::copy(f, distrib.join(f.file_name().unwrap())).unwrap();
        }
        let out = dist(project.path(), &["build", "--artifacts=global"]);
        assert!(
            out.status.success(),
            "dist build --artifacts=global:\n{}",
            text(&out)
        );
        for f in ["assistctl-installer.sh", "assistctl-installer.ps1"] {
            std::fs::copy(distrib.join(f), tag.join(f)).unwrap();
        }
        Release { root, archive }
    })
}

/// A home of its own for an install, so nothing touches the real one.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A command with HOME, CARGO_HOME, XDG_CONFIG_HOME and TMPDIR in this home, and no
    /// variable of the installers or the action from the test's own environment.
    fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new(program);
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy().to_string();
            if k.starts_with("ASSISTCTL_")
                || k.starts_with("INSTALLER_")
                || k.starts_with("GITHUB_")
            {
                c.env_remove(&k);
            }
        }
        let tmp = self.path().join("tmp");
        std::fs::create_dir_all(&tmp).unwrap();
        c.env("HOME", self.path())
            .env("CARGO_HOME", self.path().join(".cargo"))
            .env("XDG_CONFIG_HOME", self.path().join(".config"))
            .env("TMPDIR", &tmp)
            .env("RUNNER_TEMP", &tmp)
            .env_remove("CARGO_DIST_FORCE_INSTALL_DIR");
        c
    }

    /// Every file under the home but the temporary directory, relative.
    fn files(&self) -> Vec<String> {
        let mut out: Vec<String> = walkdir::WalkDir::new(self.path())
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                e.path()
                    .strip_prefix(self.path())
                    .unwrap()
                    .display()
                    .to_string()
            })
            .filter(|p| !p.starts_with("tmp/"))
            .collect();
        out.sort();
        out
    }
}

fn version_of(bin: &Path) -> String {
    let out = run(Command::new(bin).arg("--version"));
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn the_shell_installer_installs_the_host_archive_from_a_local_server() {
    let rel = release();
    let installer = rel.tag_dir().join("assistctl-installer.sh");
    let script = std::fs::read_to_string(&installer).unwrap();
    // dist embedded the archive's checksum in the installer, which verifies it.
    let sum = sha256_hex(&rel.archive);
    assert!(
        script.contains(&format!("_checksum_value=\"{sum}\"")),
        "the installer does not carry the archive's checksum"
    );
    let server = FileServer::start(rel.root.path().to_path_buf());
    let home = Home::new();
    let out = run(home
        .command("sh")
        .arg(&installer)
        .env(
            "ASSISTCTL_DOWNLOAD_URL",
            format!("{}/v{VERSION}", server.url()),
        )
        .env("ASSISTCTL_NO_MODIFY_PATH", "1"));
    assert!(out.status.success(), "installer:\n{}", text(&out));
    // install-path = "CARGO_HOME" in dist-workspace.toml.
    let bin = home.path().join(".cargo/bin/assistctl");
    assert_eq!(version_of(&bin), format!("assistctl {VERSION}"));
    assert_eq!(
        std::fs::read(&bin).unwrap(),
        std::fs::read(env!("CARGO_BIN_EXE_assistctl")).unwrap()
    );
    let archive = format!(
        "/v{VERSION}/{}",
        rel.archive.file_name().unwrap().to_string_lossy()
    );
    assert_eq!(server.asked(), vec![archive]);
    // The binary and dist's install receipt, nothing else: no shell profile was edited.
    assert_eq!(
        home.files(),
        [
            ".cargo/bin/assistctl",
            ".config/assistctl/assistctl-receipt.json"
        ]
    );
}

/// A copy of the release whose archive is not the one its checksums name.
fn tampered_release() -> tempfile::TempDir {
    let rel = release();
    let dir = tempfile::tempdir().unwrap();
    let tag = dir.path().join(format!("v{VERSION}"));
    copy_dir(rel.root.path(), dir.path());
    let name = rel.archive.file_name().unwrap();
    let other = tempfile::tempdir().unwrap();
    let fake = other.path().join("assistctl");
    std::fs::write(&fake, "#!/bin/sh\necho \"assistctl 0.1.0\"\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let swapped = archive(other.path(), &host_triple(), &fake);
    std::fs::copy(swapped, tag.join(name)).unwrap();
    dir
}

#[test]
fn the_shell_installer_refuses_an_archive_with_another_checksum() {
    let bad = tampered_release();
    let server = FileServer::start(bad.path().to_path_buf());
    let home = Home::new();
    let out = run(home
        .command("sh")
        .arg(
            bad.path()
                .join(format!("v{VERSION}/assistctl-installer.sh")),
        )
        .env(
            "ASSISTCTL_DOWNLOAD_URL",
            format!("{}/v{VERSION}", server.url()),
        )
        .env("ASSISTCTL_NO_MODIFY_PATH", "1"));
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("checksum"), "{}", text(&out));
    assert!(home.files().is_empty(), "installed: {:?}", home.files());
}

/// Runs action.yml's step as the runner would: its `env:` with `${{ inputs.* }}` replaced
/// by `inputs` or the inputs' defaults, `run:` in bash, GITHUB_ACTION_PATH at this
/// repository, and GITHUB_PATH / GITHUB_OUTPUT files.
fn run_action(home: &Home, inputs: &[(&str, &str)]) -> (Output, String, String) {
    let action: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(root().join("action.yml")).unwrap())
            .unwrap();
    assert_eq!(action["runs"]["using"], "composite");
    let steps = action["runs"]["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 1, "one step: the install script");
    let step = &steps[0];
    assert_eq!(step["shell"], "bash");
    let input = |name: &str| -> String {
        let decl = &action["inputs"][name];
        assert!(decl.is_object(), "action.yml has no input {name}");
        inputs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
            .unwrap_or_else(|| decl["default"].as_str().unwrap_or_default().to_string())
    };
    let re = regex::Regex::new(r"^\$\{\{ inputs\.([a-z-]+) \}\}$").unwrap();
    let github_path = home.path().join("tmp/github_path");
    let github_output = home.path().join("tmp/github_output");
    let mut c = home.command("bash");
    c.args(["--noprofile", "--norc", "-eo", "pipefail", "-c"])
        .arg(step["run"].as_str().unwrap())
        .env("GITHUB_ACTION_PATH", root())
        .env("GITHUB_PATH", &github_path)
        .env("GITHUB_OUTPUT", &github_output);
    std::fs::write(&github_path, "").unwrap();
    std::fs::write(&github_output, "").unwrap();
    for (k, v) in step["env"].as_object().unwrap() {
        let v = v.as_str().unwrap();
        let name = &re.captures(v).unwrap_or_else(|| panic!("{k}: {v}"))[1];
        c.env(k, input(name));
    }
    let out = run(&mut c);
    (
        out,
        std::fs::read_to_string(github_path).unwrap(),
        std::fs::read_to_string(github_output).unwrap(),
    )
}

#[test]
fn the_action_installs_a_version_from_a_local_server_and_puts_it_on_path() {
    let rel = release();
    let server = FileServer::start(rel.root.path().to_path_buf());
    let home = Home::new();
    let (out, path, output) =
        run_action(&home, &[("version", VERSION), ("base-url", &server.url())]);
    assert!(out.status.success(), "the action:\n{}", text(&out));
    let dir = home.path().join(format!("tmp/assistctl-{VERSION}/bin"));
    assert_eq!(path, format!("{}\n", dir.display()));
    assert_eq!(
        output,
        format!("path={}\n", dir.join("assistctl").display())
    );
    // The next step finds it on PATH, as GitHub adds GITHUB_PATH's lines.
    let out = run(home.command("sh").args(["-c", "assistctl --version"]).env(
        "PATH",
        format!("{}:{}", dir.display(), std::env::var("PATH").unwrap()),
    ));
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("assistctl {VERSION}")
    );
    let name = rel
        .archive
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string();
    assert_eq!(
        server.asked(),
        [
            format!("/v{VERSION}/{name}"),
            format!("/v{VERSION}/{name}.sha256")
        ]
    );
}

#[test]
fn the_action_refuses_a_wrong_checksum_and_installs_nothing() {
    let bad = tampered_release();
    let server = FileServer::start(bad.path().to_path_buf());
    let home = Home::new();
    let (out, path, output) =
        run_action(&home, &[("version", VERSION), ("base-url", &server.url())]);
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(t.contains("checksum mismatch"), "{t}");
    assert!(t.contains("nothing was installed"), "{t}");
    assert_eq!((path.as_str(), output.as_str()), ("", ""));
    assert!(
        !home
            .path()
            .join(format!("tmp/assistctl-{VERSION}"))
            .exists(),
        "an install directory was made"
    );
    assert!(home.files().is_empty(), "{:?}", home.files());
}

#[test]
fn the_action_refuses_a_release_of_another_version_and_a_missing_one() {
    let rel = release();
    let server = FileServer::start(rel.root.path().to_path_buf());
    // A version with no release: the download fails, nothing is installed.
    let home = Home::new();
    let (out, path, _) = run_action(&home, &[("version", "9.9.9"), ("base-url", &server.url())]);
    assert!(!out.status.success());
    assert!(text(&out).contains("could not download"), "{}", text(&out));
    assert_eq!(path, "");
    // No version at all.
    let (out, _, _) = run_action(&home, &[("base-url", &server.url())]);
    assert!(!out.status.success());
    assert!(text(&out).contains("is required"), "{}", text(&out));
    // A release directory named v9.9.9 that holds this version's binary.
    let other = tempfile::tempdir().unwrap();
    copy_dir(&rel.tag_dir(), &other.path().join("v9.9.9"));
    let server = FileServer::start(other.path().to_path_buf());
    let (out, path, _) = run_action(&home, &[("version", "v9.9.9"), ("base-url", &server.url())]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains(&format!("says `assistctl {VERSION}`")),
        "{}",
        text(&out)
    );
    assert_eq!(path, "");
    assert!(home.files().is_empty(), "{:?}", home.files());
}
