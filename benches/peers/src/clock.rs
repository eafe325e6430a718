//! The clock the measured calls are timed with: this thread's CPU time. On a shared
//! machine, wall-clock time counts whatever else the machine ran meanwhile (ratios
//! swung 0.57-1.67 under load from other jobs); a thread's CPU time counts only its own
//! work. (What the other jobs do to caches and memory bandwidth still shows: the
//! implementations are also interleaved per round, and each row takes the median.)

use std::time::Duration;

/// A reading of the calling thread's CPU clock.
#[derive(Clone, Copy, Debug)]
pub struct Cpu(Duration);

/// `PEERS_WALL_CLOCK=1`: time the measured calls with the wall clock instead, to see
/// what that does to the ratios on a loaded machine (README, "Placement").
fn wall_clock() -> Option<std::time::Instant> {
    static EPOCH: std::sync::OnceLock<Option<std::time::Instant>> = std::sync::OnceLock::new();
    *EPOCH.get_or_init(|| {
        (std::env::var_os("PEERS_WALL_CLOCK").is_some_and(|v| v == "1"))
            .then(std::time::Instant::now)
    })
}

impl Cpu {
    pub fn now() -> Self {
        if let Some(epoch) = wall_clock() {
            return Self(epoch.elapsed());
        }
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid timespec for the call to fill.
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
        Self(Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
    }

    /// CPU time this thread used since `self`.
    pub fn elapsed(&self) -> Duration {
        Self::now().0.saturating_sub(self.0)
    }
}

/// Times a short stretch the harness leaves out of a measured call (a copy for the
/// byte check, a zero-fill): with the wall clock, which the vDSO reads in a few ns.
/// `CLOCK_THREAD_CPUTIME_ID` is a system call on Linux (~0.1-0.3 µs): two of them per
/// 1 KiB record would count part of their own cost into the very call they bracket.
/// A stretch this short is almost never preempted, so its wall time is its CPU time.
pub fn untimed<R>(acc: &mut Duration, f: impl FnOnce() -> R) -> R {
    let start = std::time::Instant::now();
    let r = f();
    *acc += start.elapsed();
    r
}
