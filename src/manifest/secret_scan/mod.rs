//! The secret scanner: plaintext secrets in command scripts.
//!
//! Cloud Assistant stores a command's content as given, shows it in the console and
//! returns it from DescribeCommands and DescribeInvocations, so the product page says
//! never to put AccessKey pairs, passwords or authorization codes in a script: use a
//! `{{parameter}}` instead and give its value at run time (in assistctl, a parameter
//! marked `secret: true` whose value comes from `fromEnv`). [`scan`] finds what breaks
//! that rule. It is a heuristic over lines of text, language-agnostic across Shell,
//! Python, Perl, Bat and PowerShell; it never executes or parses the script.
//!
//! # What is reported
//! - **AccessKey IDs** anywhere, comments included: Alibaba Cloud `LTAI` + 12–30
//!   letters or digits, STS `STS.` + 16–40, AWS `AKIA`/`ASIA` + 16.
//! - **Private keys**: a `-----BEGIN ... PRIVATE KEY-----` line (the key body up to its
//!   `-----END` line is then skipped).
//! - **Credentials in URLs**, comments included: `scheme://user:password@host`.
//! - **Literal assignments** to a secret-named variable or key: `NAME=value` (shell,
//!   bat `set`), `name = "value"` (Python, Perl `my $pw = "..."`, PowerShell
//!   `$token = '...'`, `$env:X = "..."`), `"name": "value"` (JSON, Python dicts),
//!   `name => "value"` (Perl), `setx NAME value`, `Header-Name: value` inside a string
//!   (HTTP headers), and `?token=value` in URLs. A name is secret-named when one of its
//!   parts (split at `_ - .` and camelCase) says so: `password`, `passwd`, `passphrase`,
//!   `pass`, `pwd`, `pw`, `token` and `secret` (also as the end of a part:
//!   `accesstoken`, but not `tokenizer`), `bearer`, `apikey`, `privatekey`,
//!   `accesskeysecret`, `accesskeyid`.
//! - **Passwords on command lines**: `--password=x`, `--password x`, `-Password x`,
//!   `--token x`, `-pw x` (any secret-named flag), `mysql -pSecret` (and the other
//!   MySQL/MariaDB clients), `sshpass -p x`, `curl -u user:pass`, `net user name pass`,
//!   `echo user:pass | chpasswd`, `echo pass | passwd --stdin`, Windows switches
//!   `/p:x`, `/password:x`, `schtasks /RP x`, and PowerShell
//!   `ConvertTo-SecureString "x" -AsPlainText`.
//! - **Authorization headers** with a literal credential inside a string or heredoc:
//!   `-H "Authorization: Bearer x"`, `{'Authorization': 'Basic x'}`, with `Bearer`,
//!   `Basic`, `Token`, `Digest`, `OAuth` or no scheme.
//!
//! # What is not reported
//! - A value that is or contains a placeholder or an expansion: `{{db_password}}`,
//!   `{{ACS::InstanceId}}`, `$PASS`, `${PASS}`, `$(cat /run/secret)`, backticks,
//!   `%PASS%`, `$env:PASS`, `{0}`/`%s` format fields, `@file`, and OpenSSL's
//!   `env:`/`file:`/`fd:`/`stdin` sources.
//! - An unquoted right-hand side that is an expression rather than text:
//!   `os.environ["PASS"]`, `getpass()`, `Read-Host ...`, a keyword argument followed by
//!   `,` or `)`, a variable named like a secret (`password=db_password`,
//!   `password=args.password`, `password=password`), or an all-capitals word of letters
//!   and `_` (`DEFAULT_PASSWORD`, a `--token TOKEN` metavariable in usage text, `EOF`).
//!   With spaces around `=` outside a string or heredoc (Python/Perl/PowerShell syntax), an unquoted value is reported
//!   only when it looks like a credential (12+ characters with letters and digits, e.g.
//!   `aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`), or a JWT.
//! - Empty values, booleans and null words (`true`, `no`, `None`, `undef`, ...), numbers
//!   of at most three digits (counters such as `PASS=0`), and values that are visibly
//!   placeholders: all `*`, `x`, `.` or `-` (`****`, `xxx`), `<password>`, `your_...`,
//!   `replace_me`, `redacted`, `example`, `dummy`, `placeholder`, anything containing
//!   `***`, and one or two punctuation characters. A quoted value that is itself a
//!   secret's name (`'refresh_token'`, `"db-password"`) is a dict key or header name.
//! - Names that describe a secret rather than hold one, by their last part: `_file`,
//!   `_path`, `_dir`, `_url`, `_len`, `_min`, `_max`, `_ttl`, `_timeout`, `_policy`,
//!   `_type`, `_name`, `_id`, `_env`, `_prompt`, `_stdin`, `_hash`, ... (so
//!   `password_file=/etc/x`, `--password-stdin`, `PASSWORD_MIN_LEN=8` and
//!   `--secret-id prod/db` pass), or their first part: `no_`, `ask_`, `use_`, `skip_`,
//!   `require_`, `enable_`, ... (`--no-password`, `--ask-pass`). `PWD` and `OLDPWD` are
//!   directories.
//! - Prompts and reads: `read -s PASSWORD`, `set /p PASS=Password: `, `mysql -p`,
//!   `curl -u user` (no password), `net user name *`, `echo "Password: "`.
//! - Whole-line comments (`#`, `//`, `::`, `REM`, `-- `, `;`, PowerShell `<# ... #>`)
//!   and trailing `#` comments: only the structural rules (AccessKey IDs, private keys,
//!   URL credentials) apply there, so a comment that merely mentions a password is fine.
//! - Any line ending with a comment that contains `assistctl:allow-secret`
//!   (`# assistctl:allow-secret`, `REM assistctl:allow-secret`, `// ...`, `:: ...`).
//!
//! # Heredocs
//! Lines inside a shell or Perl heredoc (`<<EOF`, `<<-'EOF'`, `<<~EOF`) or a
//! PowerShell here-string (`@" ... "@`) are data, usually a config file being written,
//! so `password = hunter2` and `password: hunter2` there are reported with unquoted
//! values too. A heredoc, here-string, block comment or private key whose end never
//! comes is taken not to be one (`<<label>>` in prose, `'@'` in Python).
//!
//! # Known limits
//! - Positional secrets are not recognised: `DBI->connect($dsn, "root", "hunter2")`,
//!   `PSCredential("user", $pw)` with a literal, `smbclient -U user%pass`.
//! - A password containing `$name`, `${`, `$(` or `%NAME%` is taken for an expansion.
//! - Quote tracking is per line and approximate (no `$'...'`, no nested `"$(" ")"`).
//! - Python triple-quoted strings are scanned as code, not as data.
//! - High-entropy strings with no secret-named context (a bare token in an argument list)
//!   are not reported; there is no entropy scan, by design, to keep false positives rare.

use std::sync::LazyLock;

use regex::Regex;

mod names;
mod values;

use names::*;
use values::*;

/// One plaintext secret in a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters, of the secret value.
    pub column: usize,
    pub kind: SecretKind,
    /// The line with every secret value on it replaced by `****`, trimmed, and cut to
    /// about 160 characters around the finding.
    pub excerpt: String,
}

/// What kind of secret a [`Finding`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretKind {
    AccessKeyId,
    AccessKeySecret,
    Password,
    CommandLinePassword,
    Token,
    ApiKey,
    Secret,
    UrlCredentials,
    BasicAuth,
    AuthorizationHeader,
    PrivateKey,
}

impl SecretKind {
    /// A short noun phrase, e.g. "an AccessKey ID".
    pub fn describe(self) -> &'static str {
        match self {
            SecretKind::AccessKeyId => "an AccessKey ID",
            SecretKind::AccessKeySecret => "an AccessKey secret written literally",
            SecretKind::Password => "a password assigned literally",
            SecretKind::CommandLinePassword => "a password passed on a command line",
            SecretKind::Token => "a token written literally",
            SecretKind::ApiKey => "an API key written literally",
            SecretKind::Secret => "a secret written literally",
            SecretKind::UrlCredentials => "a password embedded in a URL",
            SecretKind::BasicAuth => "a user:password pair passed to curl",
            SecretKind::AuthorizationHeader => "an Authorization header with a literal credential",
            SecretKind::PrivateKey => "a private key",
        }
    }
}

/// A secret value found on a line: its byte span there, and its kind.
#[derive(Debug, Clone, Copy)]
struct Hit {
    start: usize,
    end: usize,
    kind: SecretKind,
}

/// Finds plaintext secrets in a script. Pure: same content, same findings, in order of
/// line and column.
pub fn scan(content: &str) -> Vec<Finding> {
    let lines: Vec<&str> = content.lines().collect();
    let mut findings = Vec::new();
    let mut mode = Mode::Code;
    for (idx, line) in lines.iter().copied().enumerate() {
        let (hits, next) = scan_line(line, &mode);
        // A heredoc, here-string, block comment or key that never ends was not one
        // (`<<label>>` in prose, `'@'` in Python): stay in the current mode.
        let opened = next != mode && next != Mode::Code;
        if !opened || lines[idx + 1..].iter().any(|l| closes(&next, l)) {
            mode = next;
        }
        if hits.is_empty() || ALLOW.is_match(line) {
            continue;
        }
        for h in &hits {
            findings.push(Finding {
                line: idx + 1,
                column: line[..h.start].chars().count() + 1,
                kind: h.kind,
                excerpt: excerpt(line, &hits, h),
            });
        }
    }
    findings
}

/// Where a line sits in the script.
#[derive(Debug, Clone, PartialEq)]
enum Mode {
    Code,
    /// Inside a heredoc ending at a line equal to the delimiter.
    HereDoc(String),
    /// Inside a PowerShell here-string ending at a line starting with `"@` or `'@`.
    HereString(char),
    /// Inside a PowerShell `<# ... #>` block comment.
    BlockComment,
    /// Inside a private key, which is reported once at its BEGIN line; then back to
    /// the mode it started in.
    PrivateKey(Box<Mode>),
}

/// Whether `line` ends the block `mode` stands for.
fn closes(mode: &Mode, line: &str) -> bool {
    let trimmed = line.trim();
    match mode {
        Mode::Code => false,
        Mode::HereDoc(delim) => trimmed == delim,
        Mode::HereString(q) => trimmed.starts_with(*q) && trimmed[1..].starts_with('@'),
        Mode::BlockComment => line.contains("#>"),
        Mode::PrivateKey(_) => PRIVATE_KEY_END.is_match(line),
    }
}

fn scan_line(line: &str, mode: &Mode) -> (Vec<Hit>, Mode) {
    let trimmed = line.trim();
    let closed = closes(mode, line);
    match mode {
        Mode::PrivateKey(outer) => {
            let next = if closed {
                (**outer).clone()
            } else {
                mode.clone()
            };
            return (Vec::new(), next);
        }
        Mode::HereDoc(_) | Mode::HereString(_) if closed => return (Vec::new(), Mode::Code),
        Mode::BlockComment => {
            let next = if closed {
                Mode::Code
            } else {
                Mode::BlockComment
            };
            let mut hits = Vec::new();
            structural(line, &mut hits);
            return (hits, next);
        }
        _ => {}
    }
    if let Some(m) = PRIVATE_KEY_BEGIN.find(line) {
        let hit = Hit {
            start: m.start(),
            end: m.start(),
            kind: SecretKind::PrivateKey,
        };
        let next = if PRIVATE_KEY_END.is_match(&line[m.end()..]) {
            mode.clone()
        } else {
            Mode::PrivateKey(Box::new(mode.clone()))
        };
        return (vec![hit], next);
    }
    let data = !matches!(mode, Mode::Code);
    let mut hits = Vec::new();
    structural(line, &mut hits);
    if is_comment_line(trimmed) {
        let next = if trimmed.starts_with("<#") && !trimmed.contains("#>") {
            Mode::BlockComment
        } else {
            mode.clone()
        };
        return (hits, next);
    }
    let code = &line[..trailing_comment(line)];
    contextual(code, data, &mut hits);
    hits.sort_by_key(|h| h.start);
    let next = if data { mode.clone() } else { opens(code) };
    (hits, next)
}

/// The mode a code line opens for the lines after it.
fn opens(code: &str) -> Mode {
    if let Some(c) = HEREDOC.captures(code) {
        let q = quote_at(code, c.get(0).map_or(0, |m| m.start()));
        if q.is_none() {
            let delim = (1..=4).find_map(|i| c.get(i)).map_or("", |m| m.as_str());
            return Mode::HereDoc(delim.to_string());
        }
    }
    if let Some(c) = HERE_STRING.captures(code.trim_end()) {
        let q = c.get(1).expect("group 1");
        if quote_at(code, q.start()).is_none() {
            return Mode::HereString(if q.as_str() == "\"" { '"' } else { '\'' });
        }
    }
    if let Some(i) = code.find("<#")
        && quote_at(code, i).is_none()
        && !code[i..].contains("#>")
    {
        return Mode::BlockComment;
    }
    Mode::Code
}

// ---------------------------------------------------------------- patterns

fn re(s: &str) -> Regex {
    Regex::new(s).expect("static regex")
}

static ALLOW: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)(?:^|[\s&])(?:#|//|rem\s|::|--\s|<#).*assistctl:allow-secret"));
static COMMENT_LINE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)^(?:#|//|::|;|--(?:\s|$)|<#|@?rem(?:\s|$))"));
static AK_ID: LazyLock<Regex> = LazyLock::new(|| {
    re(r"\b(?:LTAI([0-9A-Za-z]{12,30})|STS\.([0-9A-Za-z]{16,40})|(?:AKIA|ASIA)([0-9A-Z]{16}))\b")
});
static PRIVATE_KEY_BEGIN: LazyLock<Regex> =
    LazyLock::new(|| re(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"));
static PRIVATE_KEY_END: LazyLock<Regex> =
    LazyLock::new(|| re(r"-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"));
static URL_CREDENTIALS: LazyLock<Regex> =
    LazyLock::new(|| re(r#"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/:@'"\[\]]*:([^\s/@'"\[\]]+)@"#));
static HEREDOC: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?:^|[^<])<<[-~]?(?:\s*'([A-Za-z_][\w.-]*)'|\s*"([A-Za-z_][\w.-]*)"|\\?([A-Za-z_][\w.-]*)|\s+\\?([A-Z_][A-Z0-9_]*)\b)"#,
    )
});
static HERE_STRING: LazyLock<Regex> = LazyLock::new(|| re(r#"(?:^|[\s=(,])@(["'])$"#));
static MYSQL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlcheck|mysqlshow|mysqlpump|mysqlsh|mariadb|mariadb-dump|mariadb-admin)\b([^|;&]*)",
    )
});
static SHORT_P: LazyLock<Regex> = LazyLock::new(|| re(r"(?:^|\s)-p(\S)"));
static SSHPASS: LazyLock<Regex> = LazyLock::new(|| re(r"\bsshpass\b([^|;&]*)"));
static SSHPASS_P: LazyLock<Regex> = LazyLock::new(|| re(r"(?:^|\s)-p\s*(\S)"));
static CURL: LazyLock<Regex> = LazyLock::new(|| re(r"\bcurl\b([^|;&]*)"));
static CURL_USER: LazyLock<Regex> = LazyLock::new(|| re(r"(?:^|\s)(?:-u\s*|--user(?:=|\s+))(\S)"));
static NET_USER: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?i)\bnet(?:\.exe)?\s+user\s+(?:"[^"]*"|[^\s"/]\S*)\s+([^\s/])"#));
static CHPASSWD: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?i)\b(?:echo|printf)\s+(?:-\w+\s+)*["']?[^\s:'"|]+:([^\s'"|]+)["']?\s*\|\s*(?:sudo\s+)?chpasswd\b"#,
    )
});
static PASSWD_STDIN: LazyLock<Regex> = LazyLock::new(|| {
    re(r#"(?i)\becho\s+(?:-\w+\s+)*(["']?)([^\s'"|]+)["']?\s*\|\s*(?:sudo\s+)?passwd\b.*--stdin"#)
});
static SECURE_STRING: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\bConvertTo-SecureString\s+(?:-String\s+)?(\S).*-AsPlainText"));
static AUTHORIZATION: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?i)\bauthorization["']?\s*[:=]\s*["']?\s*(?:(?:bearer|basic|token|digest|apikey|negotiate|oauth)\s+)?(\S)"#,
    )
});
static FLAG: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?:^|[\s"'(])--?([A-Za-z][A-Za-z0-9_-]*)(=|\s+)"#));
static WIN_SWITCH: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)(?:^|\s)/(?:(?:password|passwd|pass|pwd|p)[:=]|rp(?:[:=]|\s+))(\S)"));
static SETX: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?i)\bsetx\s+"?([A-Za-z_][\w.-]*)"?\s+(\S)"#));
static ASSIGN: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?:^|[^\w$@%:.-])(["']?)((?:\$env:|[$@%])?[A-Za-z_][A-Za-z0-9_.-]*)(["']?)[\]}]?(\s*)(=>|:|=)"#,
    )
});
static SET_PROMPT: LazyLock<Regex> = LazyLock::new(|| re(r#"(?i)\bset\s+/p\s+"?$"#));
static EXPANSION: LazyLock<Regex> = LazyLock::new(|| re(r"\$[A-Za-z_{(]|`|%[A-Za-z_][\w]*%|\{\{"));
static PLACEHOLDER_WORD: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)^(?:your[-_ ].*|replace[-_]?me|redacted|example|dummy|placeholder|secret_here)$")
});
static IDENTIFIER_CHAIN: LazyLock<Regex> =
    LazyLock::new(|| re(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$"));
static IDENTIFIER: LazyLock<Regex> = LazyLock::new(|| re(r"^[A-Za-z_][\w.]*$"));

// ---------------------------------------------------------------- rules

/// Rules that hold in comments too: the text's shape alone says it is a credential.
fn structural(line: &str, hits: &mut Vec<Hit>) {
    for c in AK_ID.captures_iter(line) {
        let body = c
            .get(1)
            .or(c.get(2))
            .or(c.get(3))
            .map_or("", |m| m.as_str());
        if !is_filler(body) {
            let m = c.get(0).expect("group 0");
            push(hits, m.start(), m.end(), SecretKind::AccessKeyId);
        }
    }
    for c in URL_CREDENTIALS.captures_iter(line) {
        let m = c.get(1).expect("group 1");
        if is_secret_text(m.as_str()) {
            push(hits, m.start(), m.end(), SecretKind::UrlCredentials);
        }
    }
}

/// Rules that look at how a value is used; code lines only.
fn contextual(code: &str, data: bool, hits: &mut Vec<Hit>) {
    command_lines(code, hits);
    for c in AUTHORIZATION.captures_iter(code) {
        let at = c.get(1).expect("group 1").start();
        let enclosing = quote_at(code, at);
        // Outside a string or heredoc, an unquoted value is code: `auth = get()`.
        if let Some(v) = read_value(code, at, enclosing)
            && (v.quoted || enclosing.is_some() || data)
            && !is_expression(&v)
            && is_secret_text(v.text)
        {
            push(hits, v.start, v.end, SecretKind::AuthorizationHeader);
        }
    }
    for c in FLAG.captures_iter(code) {
        let name = c.get(1).expect("group 1");
        if glued_short_option(code, name.start(), name.as_str()) {
            continue;
        }
        let Some(kind) = classify_name(name.as_str()) else {
            continue;
        };
        let at = c.get(0).expect("group 0").end();
        let enclosing = quote_at(code, name.start());
        if let Some(v) = read_value(code, at, enclosing)
            && (v.quoted || !v.text.starts_with('-'))
            && (v.quoted || !is_constant_name(v.text))
            && is_secret_text(v.text)
            && (v.quoted || !is_expression(&v))
        {
            let kind = match kind {
                SecretKind::Password => SecretKind::CommandLinePassword,
                k => k,
            };
            push(hits, v.start, v.end, kind);
        }
    }
    for c in SETX.captures_iter(code) {
        if let Some(kind) = classify_name(&c[1]) {
            let at = c.get(2).expect("group 2").start();
            if let Some(v) = read_value(code, at, None)
                && is_secret_text(v.text)
            {
                push(hits, v.start, v.end, kind);
            }
        }
    }
    assignments(code, data, hits);
}

/// `-pSecret`, `-uroot`: a one-letter option with its value glued on, not a
/// PowerShell-style `-Password` or a `-token`.
fn glued_short_option(code: &str, name_start: usize, name: &str) -> bool {
    let single_dash = !code[..name_start].ends_with("--");
    let mut chars = name.chars();
    single_dash
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.any(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

fn command_lines(code: &str, hits: &mut Vec<Hit>) {
    let value_after = |at: usize, kind: SecretKind, hits: &mut Vec<Hit>| {
        if let Some(v) = read_value(code, at, quote_at(code, at))
            && is_secret_text(v.text)
        {
            push(hits, v.start, v.end, kind);
        }
    };
    for (cmd, flag) in [(&*MYSQL, &*SHORT_P), (&*SSHPASS, &*SSHPASS_P)] {
        for c in cmd.captures_iter(code) {
            let args = c.get(1).expect("group 1");
            for f in flag.captures_iter(args.as_str()) {
                let at = args.start() + f.get(1).expect("group 1").start();
                value_after(at, SecretKind::CommandLinePassword, hits);
            }
        }
    }
    for c in CURL.captures_iter(code) {
        let args = c.get(1).expect("group 1");
        for u in CURL_USER.captures_iter(args.as_str()) {
            let at = args.start() + u.get(1).expect("group 1").start();
            let Some(v) = read_value(code, at, quote_at(code, at)) else {
                continue;
            };
            if let Some(colon) = v.text.find(':') {
                let start = v.start + colon + 1;
                if is_secret_text(&code[start..v.end]) {
                    push(hits, start, v.end, SecretKind::BasicAuth);
                }
            }
        }
    }
    for rule in [&*NET_USER, &*WIN_SWITCH, &*SECURE_STRING] {
        for c in rule.captures_iter(code) {
            value_after(
                c.get(1).expect("group 1").start(),
                SecretKind::CommandLinePassword,
                hits,
            );
        }
    }
    for c in CHPASSWD.captures_iter(code) {
        let m = c.get(1).expect("group 1");
        if is_secret_text(m.as_str()) {
            push(hits, m.start(), m.end(), SecretKind::CommandLinePassword);
        }
    }
    for c in PASSWD_STDIN.captures_iter(code) {
        let m = c.get(2).expect("group 2");
        if is_secret_text(m.as_str()) {
            push(hits, m.start(), m.end(), SecretKind::CommandLinePassword);
        }
    }
}

/// `name = value` in its many syntaxes; see the module doc for when an unquoted value
/// counts as literal text.
fn assignments(code: &str, data: bool, hits: &mut Vec<Hit>) {
    for c in ASSIGN.captures_iter(code) {
        let kq = c.get(1).expect("group 1");
        let key = c.get(2).expect("group 2");
        let kq2 = &c[3];
        let sep = c.get(5).expect("group 5");
        let Some(kind) = classify_name(key.as_str()) else {
            continue;
        };
        let before = &code[..kq.start()];
        if before.ends_with("${") || SET_PROMPT.is_match(&code[..key.start()]) {
            continue;
        }
        let rest = &code[sep.end()..];
        let comparison = match sep.as_str() {
            "=" => rest.starts_with(['=', '~']),
            ":" => rest.starts_with([':', '=']),
            _ => false,
        };
        if comparison {
            continue;
        }
        let quoted_key = !kq.as_str().is_empty() && kq.as_str() == kq2;
        let enclosing = match kq.as_str().chars().next() {
            Some(q) if !quoted_key => Some(q),
            _ => quote_at(code, kq.start()),
        };
        let in_string = enclosing.is_some();
        let at = sep.end() + (rest.len() - rest.trim_start().len());
        let Some(v) = read_value(code, at, enclosing) else {
            continue;
        };
        if !is_secret_text(v.text) {
            continue;
        }
        if (!v.quoted && is_constant_name(v.text)) || (v.quoted && names_a_secret(v.text)) {
            continue;
        }
        let spaced = !c[4].is_empty() || at > sep.end();
        let sigil = key.as_str().starts_with(['$', '@', '%']);
        let literal = match sep.as_str() {
            ":" => {
                data || (quoted_key && v.quoted)
                    || (in_string && !quoted_key && key.as_str().contains('-'))
            }
            _ if v.quoted || data || in_string => true,
            "=" if !spaced && !sigil && !quoted_key => {
                !is_expression(&v) && !is_reference_name(v.text, key.as_str())
            }
            _ => !is_expression(&v) && looks_like_credential(v.text),
        };
        if literal {
            push(hits, v.start, v.end, kind);
        }
    }
}

fn push(hits: &mut Vec<Hit>, start: usize, end: usize, kind: SecretKind) {
    let overlaps = hits
        .iter()
        .any(|h| start < h.end.max(h.start + 1) && h.start < end.max(start + 1));
    if !overlaps {
        hits.push(Hit { start, end, kind });
    }
}

// ---------------------------------------------------------------- names

const EXCERPT_CHARS: usize = 160;

/// The line with every hit's value masked, trimmed and windowed around `focus`.
fn excerpt(line: &str, hits: &[Hit], focus: &Hit) -> String {
    let mut spans: Vec<&Hit> = hits.iter().filter(|h| h.end > h.start).collect();
    spans.sort_by_key(|h| h.start);
    let mut out = String::with_capacity(line.len());
    let mut last = 0;
    let mut focus_at = 0;
    for h in spans {
        out.push_str(&line[last..h.start]);
        if h.start == focus.start {
            focus_at = out.chars().count();
        }
        out.push_str("****");
        last = h.end;
    }
    out.push_str(&line[last..]);
    if focus.end == focus.start {
        focus_at = line[..focus.start].chars().count();
    }
    let lead = out.chars().take_while(|c| c.is_whitespace()).count();
    let chars: Vec<char> = out.trim_end().chars().skip(lead).collect();
    let focus_at = focus_at.saturating_sub(lead);
    if chars.len() <= EXCERPT_CHARS {
        return chars.into_iter().collect();
    }
    let from = focus_at
        .saturating_sub(EXCERPT_CHARS / 3)
        .min(chars.len() - EXCERPT_CHARS);
    let to = from + EXCERPT_CHARS;
    let mut s = String::new();
    if from > 0 {
        s.push('…');
    }
    s.extend(&chars[from..to]);
    if to < chars.len() {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests;
