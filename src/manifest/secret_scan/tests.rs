use super::*;

fn kinds(s: &str) -> Vec<SecretKind> {
    scan(s).into_iter().map(|f| f.kind).collect()
}

fn one(s: &str, kind: SecretKind) {
    assert_eq!(kinds(s), vec![kind], "expected one {kind:?} in `{s}`");
}

fn none(s: &str) {
    let f = scan(s);
    assert!(f.is_empty(), "expected nothing in `{s}`, got {f:?}");
}

#[test]
fn access_key_ids() {
    one(
        "export ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI5tAbCdEfGh1234567890",
        SecretKind::AccessKeyId,
    );
    one(
        "aliyun oss ls --ak LTAI4FzAbCdEfGhIjKlM",
        SecretKind::AccessKeyId,
    );
    one("# old key: LTAI4FzAbCdEfGhIjKlM", SecretKind::AccessKeyId);
    one("key = 'AKIAIOSFODNN7EXAMPLE'", SecretKind::AccessKeyId);
    one("ACCESS_KEY_ID=abcdefghijklmnop", SecretKind::AccessKeyId);
    none("echo LTAIshort");
    none("ak=LTAIxxxxxxxxxxxxxxxx");
    none("export ALIBABA_CLOUD_ACCESS_KEY_ID={{ak_id}}");
    none("VOLTAIC1234567890123456=1");
}

#[test]
fn access_key_secrets() {
    one(
        "access_key_secret=AbCdEf1234567890AbCdEf12345678",
        SecretKind::AccessKeySecret,
    );
    one(
        "export ALIBABA_CLOUD_ACCESS_KEY_SECRET='AbCdEf1234567890AbCdEf'",
        SecretKind::AccessKeySecret,
    );
    one(
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        SecretKind::AccessKeySecret,
    );
    one(
        "aliyun configure set --access-key-secret Abc123Def456",
        SecretKind::AccessKeySecret,
    );
    one(
        r#"$AccessKeySecret = "Abc123""#,
        SecretKind::AccessKeySecret,
    );
    none("export ALIBABA_CLOUD_ACCESS_KEY_SECRET=\"$AK_SECRET\"");
    none("access_key_secret = os.environ['AK_SECRET']");
    none("aws_secret_access_key = secret_from_vault");
    none("--access-key-secret {{ak_secret}}");
}

#[test]
fn shell_assignments() {
    one("PASSWORD=hunter2", SecretKind::Password);
    one("export DB_PASSWORD=hunter2", SecretKind::Password);
    one("local token=\"ghp_abc123\"", SecretKind::Token);
    one("MYSQL_PWD=s3cret mysql -u root", SecretKind::Password);
    one("API_KEY=abcdef123456", SecretKind::ApiKey);
    one("CLIENT_SECRET='x'", SecretKind::Secret);
    none("PASSWORD={{db_password}}");
    none("PASSWORD=$PASS");
    none("PASSWORD=${PASS}");
    none("PASSWORD=\"$(cat /run/secret)\"");
    none("PASSWORD=`cat /run/secret`");
    none("PASSWORD=");
    none("PASSWORD=''");
    none("password_file=/etc/x");
    none("PASSWORD_MIN_LEN=8");
    none("read -s PASSWORD");
    none("read -rsp 'Password: ' PASSWORD");
    none("PASS=0; FAIL=0");
    none("cd \"$PWD\"; PWD=/tmp");
    none("if [ \"$PASSWORD\" == \"x\" ]; then :; fi");
    none("[ -n \"${PASSWORD:-}\" ] || : \"${TOKEN:=x}\"");
    none("echo \"token=${TOKEN:0:4}...\"");
}

#[test]
fn python_assignments() {
    one("password = \"x\"", SecretKind::Password);
    one(
        "conn = pymysql.connect(host=h, password='hunter2')",
        SecretKind::Password,
    );
    one("headers = {\"X-Api-Key\": \"abc\"}", SecretKind::ApiKey);
    one(
        "os.environ[\"DB_PASSWORD\"] = \"hunter2\"",
        SecretKind::Password,
    );
    none("password = os.environ[\"PASS\"]");
    none("password = getpass.getpass()");
    none("password = getpass()");
    none("connect(host=h, password=pw)");
    none("    password=password");
    none("    password=args.password");
    none("def f(password=None, token=''):");
    none("print(f\"password={password}\")");
    none("print(\"shlex: token=EOF\")");
    none("password = DEFAULT_PASSWORD");
    none("refresh_token_key = 'refresh_token'");
    none("TOKENIZER_OBJS = 'Parser/token.o'");
    none("redacted = {'password': ':****'}");
    none("token = \"'\"");
    none("log.info('token=%s', token)");
    none("if password == 'x':");
    none("'''password: the database password'''");
}

#[test]
fn perl_powershell_bat_assignments() {
    one("my $pw = \"x\";", SecretKind::Password);
    one("my %h = (password => 'x');", SecretKind::Password);
    one("$ENV{DB_PASSWORD} = 'hunter2';", SecretKind::Password);
    one("$token = 'x'", SecretKind::Token);
    one("$env:DB_PASSWORD = \"x\"", SecretKind::Password);
    one("set PASS=x", SecretKind::Password);
    one("set \"DB_PASSWORD=hunter2\"", SecretKind::Password);
    one("setx API_TOKEN abc123", SecretKind::Token);
    none("my $pw = $ENV{DB_PASSWORD};");
    none("$password = Read-Host -AsSecureString");
    none("$token = $env:TOKEN");
    none("set PASS=%1");
    none("set PASS=%DB_PASS%");
    none("set /p PASS=Password: ");
    none("set PASS=");
    none("Write-Host \"Password: \" $pw");
}

#[test]
fn command_line_passwords() {
    let p = SecretKind::CommandLinePassword;
    one("mysql -u root -pSecret db", p);
    one("mysqldump -uroot -p'S3cret' --all-databases > /tmp/x", p);
    one("psql --password=x", p);
    one("mongo --password x", p);
    one("New-LocalUser -Name ops -Password \"x\"", p);
    one("plink -pw hunter2 host", p);
    one("sshpass -p x ssh host", p);
    one("sshpass -phunter2 ssh host", p);
    one("net user ops Hunter2! /add", p);
    one("echo 'root:hunter2' | chpasswd", p);
    one("echo hunter2 | passwd --stdin root", p);
    one("xfreerdp /u:admin /p:hunter2 /v:host", p);
    one("schtasks /Create /TN x /RU admin /RP hunter2", p);
    one(
        "$s = ConvertTo-SecureString \"P@ss\" -AsPlainText -Force",
        p,
    );
    one("curl -u user:pass https://x", SecretKind::BasicAuth);
    one("curl --user 'user:pa ss' https://x", SecretKind::BasicAuth);
    one(
        "git clone https://user:pass@host/repo.git",
        SecretKind::UrlCredentials,
    );
    one(
        "redis-cli -u redis://:s3cret@127.0.0.1:6379",
        SecretKind::UrlCredentials,
    );
    none("echo 'proxy form: scheme://[user:passwd@]proxy.server:port'");
    none("mysql -u root -p mydb");
    none("mysql -u root -p\"$DB_PASSWORD\" mydb");
    none("mysql -u root -p{{db_password}} mydb");
    none("docker login --password-stdin -u x registry");
    none("psql --password -h db");
    none("ansible-playbook --ask-pass site.yml");
    none("sshpass -e ssh host");
    none("sshpass -f /run/pw ssh host");
    none("curl -u \"$USER:$PASS\" https://x");
    none("curl -u user https://x");
    none("curl https://${U}:${P}@host/x");
    none("curl https://{{user}}:{{pass}}@host/x");
    none("net user ops *");
    none("net user ops /delete");
    none("echo \"Usage: $0 --password <password>\"");
    none("echo \"  --token TOKEN    API token (default: \\$API_TOKEN)\"");
    none("openssl enc -aes-256-cbc -pass env:KEY -in f");
    none("aws secretsmanager get-secret-value --secret-id prod/db");
    none("$s = ConvertTo-SecureString $pw -AsPlainText -Force");
    none("ssh -p 22 host");
}

#[test]
fn authorization_headers() {
    one(
        "curl -H \"Authorization: Bearer abc123def\" https://x",
        SecretKind::AuthorizationHeader,
    );
    one(
        "headers = {'Authorization': 'Basic dXNlcjpwYXNz'}",
        SecretKind::AuthorizationHeader,
    );
    one(
        "curl -H 'X-Auth-Token: abc123' https://x",
        SecretKind::Token,
    );
    none("curl -H \"Authorization: Bearer $TOKEN\" https://x");
    none("curl -H 'Authorization: Bearer {{token}}' https://x");
    none("$h = @{ Authorization = \"Bearer $token\" }");
    none("auth = 'Basic ' + b64");
    none("authorization = self.headers.get(\"authorization\")");
    none("headers = {'Authorization': auth_header}");
}

#[test]
fn private_keys() {
    let s = "cat > /root/.ssh/id_rsa <<'EOF'\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\npassword=abc\n-----END RSA PRIVATE KEY-----\nEOF\nPASSWORD=x\n";
    let f = scan(s);
    assert_eq!(
        f.iter().map(|f| (f.line, f.kind)).collect::<Vec<_>>(),
        vec![(2, SecretKind::PrivateKey), (7, SecretKind::Password)]
    );
    assert_eq!(f[0].excerpt, "-----BEGIN RSA PRIVATE KEY-----");
    none("-----BEGIN PUBLIC KEY-----\nMIIBIjANBg\n-----END PUBLIC KEY-----");
    none("-----BEGIN CERTIFICATE-----");
}

#[test]
fn heredocs_are_data() {
    let s = "cat > ~/.my.cnf <<EOF\n[client]\npassword = hunter2\nuser: root\nEOF\npassword = hunter2\n";
    let f = scan(s);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!((f[0].line, f[0].kind), (3, SecretKind::Password));
    let yaml =
        "cat <<-'YAML' > app.yml\n\tdb:\n\t  password: s3cret\n\t  token: ${TOKEN}\n\tYAML\n";
    assert_eq!(kinds(yaml), vec![SecretKind::Password]);
    let ps = "$cfg = @\"\npassword=hunter2\n\"@\n$password = x\n";
    assert_eq!(kinds(ps), vec![SecretKind::Password]);
    none("echo $((1 << n))\npassword = x");
    // A heredoc or here-string that never ends was not one.
    none("\"\"\"See <<label>> in the docs.\"\"\"\ntoken = Comment\nout_token = Generic.Output");
    none("parsing = ttype == '@'\ntoken = next()");
}

#[test]
fn comments_only_mention() {
    none("# set the password with --password");
    none("# PASSWORD=hunter2 was the old default");
    none("REM password=hunter2");
    none(":: set PASS=x");
    none("// token = \"abc\"");
    none("<#\n$password = \"x\"\n#>");
    none("echo ok # PASSWORD=hunter2");
    one("PASSWORD=hunter2 # the password", SecretKind::Password);
    one("# clone https://u:p4ss@host/x", SecretKind::UrlCredentials);
}

#[test]
fn masking_and_positions() {
    let f = scan("set -eu\n  export DB_PASSWORD=hunter2\n");
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].line, f[0].column), (2, 22));
    assert_eq!(f[0].excerpt, "export DB_PASSWORD=****");
    assert_eq!(
        SecretKind::Password.describe(),
        "a password assigned literally"
    );

    let f = scan("mysql -uroot -pS3cret -h db.example.com --password=Other1");
    assert_eq!(f.len(), 2);
    for x in &f {
        assert_eq!(
            x.excerpt,
            "mysql -uroot -p**** -h db.example.com --password=****"
        );
        assert!(!x.excerpt.contains("S3cret") && !x.excerpt.contains("Other1"));
    }
    assert_eq!(f[0].column, 16);

    let f = scan("x = 1; password = \"pässwörd\"");
    assert_eq!(f[0].column, 20);
    assert_eq!(f[0].excerpt, "x = 1; password = \"****\"");

    let long = format!("{} TOKEN=abc123 {}", "a".repeat(300), "b".repeat(300));
    let f = scan(&long);
    assert!(f[0].excerpt.contains("TOKEN=****"), "{}", f[0].excerpt);
    assert!(f[0].excerpt.chars().count() <= EXCERPT_CHARS + 2);
}

#[test]
fn allow_comment() {
    none("PASSWORD=hunter2 # assistctl:allow-secret");
    none("PASSWORD=hunter2  # test fixture, assistctl:allow-secret");
    none("set PASS=x & REM assistctl:allow-secret");
    none("set PASS=x & REM assistctl:allow-secret\r\nREM done\r\n");
    none("password = 'x'  // assistctl:allow-secret");
    none("-----BEGIN PRIVATE KEY----- # assistctl:allow-secret\nAAAA\n-----END PRIVATE KEY-----");
    // The marker outside a comment does not count.
    one("PASSWORD=assistctl:allow-secret", SecretKind::Password);
    // An allow comment covers its own line only.
    let f = scan("# assistctl:allow-secret\nPASSWORD=hunter2");
    assert_eq!(f.len(), 1);
}

#[test]
fn names() {
    assert_eq!(classify_name("APIKey"), Some(SecretKind::ApiKey));
    assert_eq!(classify_name("mysqlPwd"), Some(SecretKind::Password));
    assert_eq!(classify_name("bypass"), None);
    assert_eq!(classify_name("passwordFile"), None);
    assert_eq!(classify_name("--no-password"), None);
    assert_eq!(classify_name("PWD"), None);
    assert_eq!(classify_name("secretKeyName"), None);
    assert_eq!(
        name_parts("ALIBABA_CLOUD_AccessKeySecret"),
        vec!["alibaba", "cloud", "access", "key", "secret"]
    );
}

#[test]
fn bad_input_does_not_panic() {
    for s in [
        "",
        "=",
        "\"",
        "password=\"",
        "password='",
        "-----BEGIN PRIVATE KEY-----",
        "<<",
        "<<EOF",
        "@\"",
        "ü=ü",
        "passwörd=ä",
        "curl -u :",
        "net user \"",
        "Authorization:",
        "--password",
        "token=\"\\",
        "\u{0}password=\u{0}",
    ] {
        let _ = scan(s);
    }
}
