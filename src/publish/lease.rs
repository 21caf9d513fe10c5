//! The lease a publish takes on its target's manifest, and `sitrep announce` on its record,
//! so that two runs at once never mix their work (docs/publishing.md, "Two people publishing
//! at once"; docs/announcing.md). One protocol for both: check that no live lease is held,
//! write ours with a conditional write, leave it [`SETTLE`], read it back, and go on only if
//! it is still ours. Renewing and letting go are the holder's own writes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How long a new lease is left before it is read back (see [`take`]): storage that checks a
/// condition and then writes, rather than both at once (s3s-fs does), can let two writers
/// through; the later one is the one left, and the other stops before sending anything.
pub(crate) const SETTLE: std::time::Duration = std::time::Duration::from_millis(300);

/// Who is publishing, since when, and when they last said they still are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Lease {
    pub host: String,
    pub pid: u32,
    pub started: DateTime<Utc>,
    pub renewed: DateTime<Utc>,
}

/// A lease not renewed for this long belongs to a publish that is gone (killed, or its
/// machine lost the network); publishers renew theirs well within it.
pub(crate) const LEASE_TTL: chrono::TimeDelta = chrono::TimeDelta::minutes(3);

/// How far ahead of this machine's clock a lease may be dated and still be believed: two
/// machines kept by NTP differ by far less. A lease dated further ahead was written by a
/// clock that is wrong (docs/publishing.md, "Two people publishing at once").
pub(crate) const CLOCK_SKEW: chrono::TimeDelta = chrono::TimeDelta::seconds(30);

impl Lease {
    /// Whether this lease stops a publish on `host` at `now`. A lease is over when it has not
    /// been renewed within [`LEASE_TTL`] less [`CLOCK_SKEW`], or when its process on this very
    /// host is gone (a publish killed here is finished by the next one at once). A lease dated
    /// more than [`CLOCK_SKEW`] ahead of `now` is not believed: a clock running hours fast
    /// would otherwise hold everyone off for hours. Together, no lease blocks past
    /// `now + LEASE_TTL`, whatever its dates say.
    pub(crate) fn blocks(
        &self,
        now: DateTime<Utc>,
        host: &str,
        pid_alive: impl Fn(u32) -> bool,
    ) -> bool {
        if now - self.renewed >= LEASE_TTL - CLOCK_SKEW || self.dated_ahead(now).is_some() {
            return false;
        }
        self.host != host || pid_alive(self.pid)
    }

    /// How far ahead of `now` this lease is dated, when that is more than [`CLOCK_SKEW`].
    pub(crate) fn dated_ahead(&self, now: DateTime<Utc>) -> Option<chrono::TimeDelta> {
        let ahead = self.started.max(self.renewed) - now;
        (ahead > CLOCK_SKEW).then_some(ahead)
    }
}

impl Lease {
    /// A new lease for this process, on this machine, from now.
    pub(crate) fn ours() -> Lease {
        let now = Utc::now();
        Lease {
            host: host_name(),
            pid: std::process::id(),
            started: now,
            renewed: now,
        }
    }

    /// Whether this lease stops a run on this machine now (see [`Lease::blocks`]).
    pub(crate) fn blocks_us(&self) -> bool {
        self.blocks(Utc::now(), &host_name(), pid_alive)
    }

    /// The same holding: one process's lease, however often renewed since.
    fn same_holding(&self, other: &Lease) -> bool {
        (&self.host, self.pid, self.started) == (&other.host, other.pid, other.started)
    }
}

/// A record that holds a lease: a target's manifest, announce's record.
pub(crate) trait Record {
    type Error;
    /// Writes the record holding `lease`, only if nobody wrote it since it was last read.
    /// `false`: somebody did, nothing was written, and the record has been read again.
    fn write_lease(&mut self, lease: &Lease) -> Result<bool, Self::Error>;
    /// Reads the record again: the lease it holds now.
    fn read_lease(&mut self) -> Result<Option<Lease>, Self::Error>;
}

/// What became of an attempt to take a lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Taken {
    /// It is ours: go on.
    Ours(Lease),
    /// A live lease is held by someone else: wait for them.
    Busy(Lease),
    /// Someone else wrote the record between our read and our write, or after our write:
    /// what it holds now.
    Lost(Option<Lease>),
}

/// Takes a lease on `record`, whose lease as last read is `held`.
pub(crate) fn take<R: Record>(record: &mut R, held: Option<&Lease>) -> Result<Taken, R::Error> {
    if let Some(held) = held.filter(|l| l.blocks_us()) {
        return Ok(Taken::Busy(held.clone()));
    }
    let ours = Lease::ours();
    if !record.write_lease(&ours)? {
        return Ok(Taken::Lost(None));
    }
    std::thread::sleep(SETTLE);
    Ok(match record.read_lease()? {
        Some(now) if now.same_holding(&ours) => Taken::Ours(ours),
        other => Taken::Lost(other),
    })
}

/// This machine's name, as leases and Git checkouts record it.
pub(crate) fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown host".into())
}

/// Whether a process with this id runs on this machine. Where that cannot be known, it is
/// taken as running: the lease then simply expires.
pub(crate) fn pid_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        std::path::Path::new(&format!("/proc/{pid}")).exists()
    } else {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_blocks_until_it_expires_or_its_process_here_is_gone() {
        let now = DateTime::UNIX_EPOCH + chrono::TimeDelta::hours(1);
        let lease = Lease {
            host: "laptop".into(),
            pid: 42,
            started: now,
            renewed: now,
        };
        assert!(lease.blocks(now, "server", |_| false), "another machine");
        assert!(lease.blocks(now, "laptop", |_| true), "still running here");
        assert!(!lease.blocks(now, "laptop", |_| false), "killed here");
        assert!(
            !lease.blocks(
                now + LEASE_TTL + chrono::TimeDelta::seconds(1),
                "server",
                |_| true
            ),
            "not renewed in time"
        );
    }

    /// A publisher whose clock runs hours fast writes a lease dated hours ahead: it must not
    /// block anyone for hours, and no lease blocks past `LEASE_TTL` from now, which is what
    /// the "lets go within 3 minutes" messages promise (docs/publishing.md).
    #[test]
    fn a_lease_dated_ahead_of_our_clock_never_blocks_past_the_ttl() {
        let now = DateTime::UNIX_EPOCH + chrono::TimeDelta::days(1);
        let dated = |started: DateTime<Utc>, renewed: DateTime<Utc>| Lease {
            host: "fast-clock".into(),
            pid: 7,
            started,
            renewed,
        };
        let hours_ahead = now + chrono::TimeDelta::hours(5);
        let lease = dated(hours_ahead, hours_ahead);
        assert!(!lease.blocks(now, "server", |_| true), "hours ahead");
        assert_eq!(lease.dated_ahead(now), Some(chrono::TimeDelta::hours(5)));
        let started_ahead = dated(hours_ahead, now);
        assert!(
            !started_ahead.blocks(now, "server", |_| true),
            "started hours ahead, renewed now"
        );

        // A clock a few seconds fast is normal: that lease still counts, but only until
        // LEASE_TTL from now at the latest.
        let slightly = now + CLOCK_SKEW;
        let lease = dated(slightly, slightly);
        assert_eq!(lease.dated_ahead(now), None);
        assert!(lease.blocks(now, "server", |_| true));
        assert!(lease.blocks(
            now + LEASE_TTL - chrono::TimeDelta::seconds(1),
            "server",
            |_| true
        ));
        assert!(!lease.blocks(now + LEASE_TTL, "server", |_| true));
        for ahead in 0..=CLOCK_SKEW.num_seconds() {
            let renewed = now + chrono::TimeDelta::seconds(ahead);
            assert!(
                !dated(renewed, renewed).blocks(now + LEASE_TTL, "server", |_| true),
                "renewed {ahead} s ahead still blocks at now + LEASE_TTL"
            );
        }
    }

    /// A record in memory: what it holds, and who writes it between our steps.
    struct Memory {
        held: Option<Lease>,
        /// Written by someone else just before our write (which then fails) or just after it.
        before_ours: Option<Lease>,
        after_ours: Option<Lease>,
    }

    impl Record for Memory {
        type Error = ();
        fn write_lease(&mut self, lease: &Lease) -> Result<bool, ()> {
            if let Some(theirs) = self.before_ours.take() {
                self.held = Some(theirs);
                return Ok(false);
            }
            self.held = self.after_ours.take().or_else(|| Some(lease.clone()));
            Ok(true)
        }
        fn read_lease(&mut self) -> Result<Option<Lease>, ()> {
            Ok(self.held.clone())
        }
    }

    fn elsewhere() -> Lease {
        Lease {
            host: "another-machine".into(),
            ..Lease::ours()
        }
    }

    #[test]
    fn a_lease_is_ours_only_if_it_is_read_back_after_settling() {
        let mut free = Memory {
            held: None,
            before_ours: None,
            after_ours: None,
        };
        let started = std::time::Instant::now();
        let Ok(Taken::Ours(ours)) = take(&mut free, None) else {
            panic!("a free record");
        };
        assert!(started.elapsed() >= SETTLE);
        assert_eq!((ours.host, ours.pid), (host_name(), std::process::id()));

        let live = elsewhere();
        let mut held = Memory {
            held: Some(live.clone()),
            ..free
        };
        assert_eq!(take(&mut held, Some(&live)), Ok(Taken::Busy(live.clone())));

        let mut raced = Memory {
            held: None,
            before_ours: Some(live.clone()),
            after_ours: None,
        };
        assert_eq!(take(&mut raced, None), Ok(Taken::Lost(None)));

        let mut overtaken = Memory {
            held: None,
            before_ours: None,
            after_ours: Some(live.clone()),
        };
        assert_eq!(take(&mut overtaken, None), Ok(Taken::Lost(Some(live))));
    }
}
