//! An apply against an emulator that throttles one request in five and fails one in ten
//! converges in one run: throttles are retried apart from server errors while the client
//! slows down, so no call gives up.

use crate::common;

use common::emu::Emu;
use common::{Fixture, STACK, text};

const INSTANCES: [&str; 3] = [
    "i-bp1web0000000000001",
    "i-bp1web0000000000002",
    "i-bp1api0000000000001",
];

fn stack(commands: usize, invocations: usize) -> Fixture {
    let f = Fixture::new();
    f.write("stack.yaml", STACK);
    let mut docs = String::new();
    for i in 0..commands {
        docs.push_str(&format!(
            "---\napiVersion: assistctl/v1\nkind: Command\nmetadata: {{ name: cmd-{i:02} }}\n\
             spec:\n  type: shell\n  content: |\n    echo {i}\n"
        ));
    }
    for i in 0..invocations {
        docs.push_str(&format!(
            "---\napiVersion: assistctl/v1\nkind: Invocation\nmetadata: {{ name: inv-{i:02} }}\n\
             spec:\n  command: cmd-{i:02}\n  targets: {{ instanceIds: [{}] }}\n  \
             schedule: {{ cron: \"0 0 2 ? * *\", timezone: Asia/Shanghai }}\n",
            INSTANCES[i % INSTANCES.len()]
        ));
    }
    f.write("main.yaml", docs);
    f
}

/// Requests the emulator answered with a throttling code.
fn throttled(emu: &Emu) -> u64 {
    use std::io::{Read, Write};
    let host = emu
        .endpoint
        .trim_start_matches("http://")
        .trim_end_matches('/');
    let mut s = std::net::TcpStream::connect(host).expect("connect");
    write!(s, "GET /metrics HTTP/1.0\r\nHost: {host}\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out.lines()
        .filter(|l| {
            l.starts_with("assistctl_emulator_requests_total") && l.contains("code=\"Throttling")
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}

#[test]
fn a_throttled_and_failing_service_is_converged_by_one_apply() {
    let emu = Emu::start(&[
        "--throttle-rate",
        "0.2",
        "--fail-rate",
        "0.1",
        "--seed",
        "11",
    ]);
    let f = stack(16, 4);
    let out = emu.run(&f, &["apply", "--auto-approve", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        throttled(&emu) > 0,
        "the emulator throttled nothing: the test would prove nothing"
    );
    // The check runs against the same faulty service, with the default retries.
    let check = emu.run(&f, &["plan", "--detailed-exitcode", "."]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
}
