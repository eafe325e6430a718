//! The result table: one row per measured quantity, a column per implementation,
//! and handclasp's ratios.

/// Column indices of [`Row::values`].
pub const HC: usize = 0;
/// rustls with its ring provider.
pub const RL: usize = 1;
/// rustls with its aws-lc-rs provider.
pub const RLA: usize = 2;
pub const OS: usize = 3;
pub const FLOOR: usize = 4;

pub struct Row {
    pub name: String,
    pub unit: &'static str,
    /// handclasp, rustls (ring), rustls (aws-lc-rs), OpenSSL, the crypto floor.
    pub values: [Option<f64>; 5],
    /// Whether the ratio columns mean anything (not on rows that are ratios already).
    pub ratios: bool,
}

impl Row {
    pub fn new(name: impl Into<String>, unit: &'static str) -> Self {
        Self {
            name: name.into(),
            unit,
            values: [None; 5],
            ratios: true,
        }
    }
}

fn cell(v: Option<f64>) -> String {
    match v {
        None => "-".into(),
        Some(v) if v.abs() >= 1000.0 => format!("{v:.0}"),
        Some(v) if v.abs() >= 100.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.2}"),
    }
}

fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b != 0.0 => format!("{:.2}", a / b),
        _ => "-".into(),
    }
}

/// Prints the rows as one aligned plain-text table. Ratio columns are handclasp's
/// value divided by the other column's, so for hs/s and MB/s above 1 means
/// handclasp is faster (against the floor: floor time / handclasp time), and for
/// µs, bytes and allocations below 1 means handclasp spends less.
pub fn print(rows: &[Row]) {
    let header = [
        "row",
        "unit",
        "handclasp",
        "rustls",
        "rustls-aws",
        "openssl",
        "floor",
        "hc/rustls",
        "hc/rl-aws",
        "hc/openssl",
        "hc/floor",
    ];
    let lines: Vec<[String; 11]> = rows
        .iter()
        .map(|r| {
            let [h, rl, rla, os, fl] = r.values;
            let ratio = |a, b| if r.ratios { ratio(a, b) } else { "-".into() };
            [
                r.name.clone(),
                r.unit.to_string(),
                cell(h),
                cell(rl),
                cell(rla),
                cell(os),
                cell(fl),
                ratio(h, rl),
                ratio(h, rla),
                ratio(h, os),
                ratio(h, fl),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for line in &lines {
        for (w, c) in widths.iter_mut().zip(line) {
            *w = (*w).max(c.chars().count());
        }
    }
    let show = |cells: &[String]| {
        let mut out = String::new();
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            let pad = w - c.chars().count();
            if i < 2 {
                out.push_str(c);
                out.push_str(&" ".repeat(pad + 2));
            } else {
                out.push_str(&" ".repeat(pad));
                out.push_str(c);
                out.push_str("  ");
            }
        }
        println!("{}", out.trim_end());
    };
    show(&header.map(String::from));
    let total: usize = widths.iter().sum::<usize>() + 2 * widths.len();
    println!("{}", "-".repeat(total - 2));
    for line in &lines {
        show(line);
    }
}
