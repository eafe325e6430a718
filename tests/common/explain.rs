//! Reads the story the `explain` example prints: the `== connection K: ... ==` and
//! `== step N @ T ms: NAME ==` markers that examples/explain.rs documents, and the detail
//! lines under each step. Tests check steps and facts, not wording.

/// One step: its name and the lines that follow its marker.
#[derive(Debug)]
pub struct Step {
    pub name: String,
    pub body: String,
}

/// The steps of each connection, in order.
#[derive(Debug)]
pub struct Story {
    pub connections: Vec<Vec<Step>>,
    raw: String,
}

impl Story {
    /// Parses `stdout`, checking the markers as it goes: every step belongs to a
    /// connection, steps are numbered 1, 2, 3... in each, and time never goes back.
    pub fn parse(stdout: &str) -> Self {
        let mut connections: Vec<Vec<Step>> = Vec::new();
        let mut last_ms = 0.0;
        for line in stdout.lines() {
            if line.starts_with("== connection ") {
                assert!(line.ends_with(" =="), "bad marker {line:?}");
                connections.push(Vec::new());
            } else if let Some(marker) = line.strip_prefix("== step ") {
                let (number, ms, name) = parse_marker(marker)
                    .unwrap_or_else(|| panic!("bad step marker {line:?} in:\n{stdout}"));
                let steps = connections
                    .last_mut()
                    .unwrap_or_else(|| panic!("a step before any connection:\n{stdout}"));
                assert_eq!(number, steps.len() + 1, "step numbers skip at {line:?}");
                assert!(ms >= last_ms, "time goes back at {line:?}");
                last_ms = ms;
                steps.push(Step {
                    name: name.to_string(),
                    body: String::new(),
                });
            } else if let Some(step) = connections.last_mut().and_then(|c| c.last_mut()) {
                step.body.push_str(line);
                step.body.push('\n');
            }
        }
        Self {
            connections,
            raw: stdout.to_string(),
        }
    }

    /// The steps of connection `k` (from 1).
    pub fn connection(&self, k: usize) -> &[Step] {
        self.connections
            .get(k - 1)
            .unwrap_or_else(|| panic!("no connection {k} in:\n{}", self.raw))
    }

    /// The step names of connection `k`, in order.
    pub fn names(&self, k: usize) -> Vec<&str> {
        self.connection(k).iter().map(|s| s.name.as_str()).collect()
    }

    /// Asserts that connection `k` has the steps `expected` in this order (others may
    /// come between them).
    pub fn assert_order(&self, k: usize, expected: &[&str]) {
        let names = self.names(k);
        let mut rest = names.iter();
        for want in expected {
            assert!(
                rest.any(|name| name == want),
                "connection {k}: step {want:?} missing or out of order in {names:?}:\n{}",
                self.raw
            );
        }
    }

    /// The detail lines of every step named `name` in connection `k`, joined; panics
    /// if there is none.
    pub fn text(&self, k: usize, name: &str) -> String {
        let bodies: Vec<&str> = self
            .connection(k)
            .iter()
            .filter(|s| s.name == name)
            .map(|s| s.body.as_str())
            .collect();
        assert!(
            !bodies.is_empty(),
            "connection {k} has no step {name:?}:\n{}",
            self.raw
        );
        bodies.concat()
    }

    /// Asserts that the steps named `name` in connection `k` say each of `facts`.
    pub fn assert_says(&self, k: usize, name: &str, facts: &[&str]) {
        let text = self.text(k, name);
        for fact in facts {
            assert!(
                text.contains(fact),
                "connection {k}, step {name:?} does not say {fact:?}:\n{text}\nwhole story:\n{}",
                self.raw
            );
        }
    }

    /// The sequence numbers of the record lines with `arrow` (`->` or `<-`) in the
    /// steps of connection `k` after the handshake.
    pub fn sequence_numbers(&self, k: usize, arrow: &str) -> Vec<u64> {
        let steps = self.connection(k).iter();
        let after = steps.skip_while(|s| s.name != "records");
        let lines: Vec<String> = after
            .flat_map(|s| s.body.lines().map(str::to_string).collect::<Vec<_>>())
            .collect();
        lines
            .iter()
            .filter(|l| l.trim_start().starts_with(arrow))
            .filter_map(|l| l.split_once(", seq ")?.1.split(' ').next()?.parse().ok())
            .collect()
    }
}

/// `N @ T ms: NAME ==` into its parts.
fn parse_marker(marker: &str) -> Option<(usize, f64, &str)> {
    let (number, rest) = marker.split_once(" @ ")?;
    let (ms, rest) = rest.split_once(" ms: ")?;
    let name = rest.strip_suffix(" ==")?;
    Some((number.parse().ok()?, ms.parse().ok()?, name))
}

/// Starts `gnutls-serv --echo` with `id`'s certificate on a free port and returns once
/// it listens. Unlike `peers::gnutls_serv` it does not connect: the example does.
pub fn gnutls_echo_server(
    id: &crate::common::peers::Identity,
) -> (crate::common::peers::Peer, u16) {
    let port = crate::common::peers::free_port();
    let mut cmd = std::process::Command::new("stdbuf");
    cmd.args([
        "-oL",
        "-eL",
        "gnutls-serv",
        "--echo",
        "-p",
        &port.to_string(),
    ])
    .args(["--x509certfile", id.cert_pem.to_str().unwrap()])
    .args(["--x509keyfile", id.key_pem.to_str().unwrap()]);
    let mut peer = crate::common::peers::Peer::spawn(cmd);
    peer.wait_for(&format!("listening on IPv4 0.0.0.0 port {port}...done"));
    (peer, port)
}
