//! What a run shows while it goes: a progress bar on a terminal, or JSON lines (`--json`), and
//! the retries of throttled requests.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::config::interceptors::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;

use crate::checkpoint::Counts;

/// Counts requests and attempts of every client of the process: the difference is the
/// retries, of throttled requests mostly.
#[derive(Debug, Clone, Default)]
pub(crate) struct Retries(Arc<(AtomicU64, AtomicU64)>);

pub(crate) static RETRIES: LazyLock<Retries> = LazyLock::new(Retries::default);

impl Retries {
    pub(crate) fn count(&self) -> u64 {
        let (calls, attempts) = &*self.0;
        attempts.load(Ordering::Relaxed).saturating_sub(calls.load(Ordering::Relaxed))
    }
}

impl Intercept for Retries {
    fn name(&self) -> &'static str {
        "ddbe::Retries"
    }

    fn read_before_serialization(
        &self,
        _: &BeforeSerializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn read_before_attempt(
        &self,
        _: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.1.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// Where progress goes.
#[derive(Debug)]
pub(crate) enum Progress {
    /// JSON lines on stdout.
    Json { started: Instant },
    /// A bar on stderr (hidden when stderr is not a terminal).
    Bar { bar: ProgressBar, verb: &'static str },
}

impl Progress {
    pub(crate) fn new(json: bool, verb: &'static str, estimate: Option<u64>) -> Self {
        if json {
            return Self::Json { started: Instant::now() };
        }
        let bar = ProgressBar::with_draw_target(estimate, ProgressDrawTarget::stderr());
        let template = if estimate.is_some() {
            "{elapsed_precise} [{wide_bar}] {human_pos}/{human_len} items, {per_sec}, ETA {eta}\n{msg}"
        } else {
            "{elapsed_precise} {spinner} {human_pos} items, {per_sec}\n{msg}"
        };
        let style = ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(250));
        Self::Bar { bar, verb }
    }

    /// After a page: the counts so far.
    pub(crate) fn page(&self, segment: Option<u32>, page_items: usize, counts: &Counts) {
        let retries = RETRIES.count();
        match self {
            Self::Json { started } => {
                let seconds = started.elapsed().as_secs_f64();
                let done = counts.items();
                #[expect(clippy::cast_precision_loss, reason = "a rate for people")]
                let per_second = if seconds > 0.0 { done as f64 / seconds } else { 0.0 };
                line(&json!({
                    "event": "page",
                    "segment": segment,
                    "page_items": page_items,
                    "counts": counts,
                    "retries": retries,
                    "items_per_second": (per_second * 10.0).round() / 10.0,
                }));
            }
            Self::Bar { bar, verb } => {
                bar.inc(page_items as u64);
                bar.set_message(counts.summary(verb, retries));
            }
        }
    }

    /// An item that failed, by its key and the reason (never a value).
    pub(crate) fn failed(&self, segment: Option<u32>, key: &str, reason: &str) {
        match self {
            Self::Json { .. } => line(&json!({
                "event": "failed",
                "segment": segment,
                "key": key,
                "reason": reason,
            })),
            Self::Bar { bar, .. } => bar.println(format!("failed: {key}: {reason}")),
        }
    }

    /// The end.
    pub(crate) fn finish(&self, counts: &Counts, summary: &serde_json::Value) {
        match self {
            Self::Json { .. } => line(summary),
            Self::Bar { bar, verb } => {
                bar.finish_and_clear();
                eprintln!("{}", counts.summary(verb, RETRIES.count()));
            }
        }
    }
}

fn line(value: &serde_json::Value) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    // A closed stdout (a reader gone) must not stop the run.
    let _ = writeln!(stdout, "{value}");
    let _ = stdout.flush();
}

/// The CPU time this process has used (user and system), from `/proc/self/stat` on Linux;
/// `None` elsewhere.
pub(crate) fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may hold spaces; the fields after its `)` are plain.
    let rest = stat.rsplit_once(')')?.1;
    let mut fields = rest.split_whitespace();
    let user: f64 = fields.nth(11)?.parse().ok()?;
    let system: f64 = fields.next()?.parse().ok()?;
    // Linux reports clock ticks of 1/100 s (USER_HZ) on every architecture it runs on.
    Some((user + system) / 100.0)
}
