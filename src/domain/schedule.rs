//! The `Frequency` grammar of Period tasks: `rate(5m)`, `at(2026-12-01 02:00:00 Asia/Shanghai)`
//! and Quartz-style cron with seconds, an optional year and an optional trailing time zone
//! (`0 0/30 10-11 * * ? 2022 GMT+8:00`), with next-fire computation and the service's
//! interval rules. Cron evaluation is delegated to `croner` (Quartz mode: seconds
//! required, year optional, `?`, `L`, `W`, `#`, `0/30`-style ranges); time zones to `chrono-tz`.

use std::fmt;
use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDateTime, TimeZone, Utc};
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};
use regex::Regex;

use super::limits::{MAX_RATE_SECS, MIN_CRON_INTERVAL_SECS, MIN_RATE_SECS};

/// A time zone as the service accepts it: an IANA name, `GMT+8:00` / `GMT-7:00`, or `UTC`.
#[derive(Debug, Clone, PartialEq)]
pub enum Zone {
    Utc,
    Fixed { offset: FixedOffset, name: String },
    Named(chrono_tz::Tz),
}

static GMT_OFFSET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^GMT([+-])(\d{1,2}):(\d{2})$").expect("static regex"));

impl Zone {
    pub fn parse(s: &str) -> Result<Zone, ScheduleError> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("UTC") || s.eq_ignore_ascii_case("GMT") {
            return Ok(Zone::Utc);
        }
        if let Some(c) = GMT_OFFSET.captures(s) {
            let h: i32 = c[2].parse().unwrap_or(99);
            let m: i32 = c[3].parse().unwrap_or(99);
            if h <= 14 && m < 60 {
                let secs = (h * 3600 + m * 60) * if &c[1] == "-" { -1 } else { 1 };
                if let Some(offset) = FixedOffset::east_opt(secs) {
                    return Ok(Zone::Fixed {
                        offset,
                        name: format!("GMT{}{}:{:02}", &c[1], h, m),
                    });
                }
            }
        }
        s.parse::<chrono_tz::Tz>()
            .map(Zone::Named)
            .map_err(|_| ScheduleError::BadZone(s.to_string()))
    }

    pub fn name(&self) -> String {
        match self {
            Zone::Utc => "UTC".into(),
            Zone::Fixed { name, .. } => name.clone(),
            Zone::Named(tz) => tz.name().into(),
        }
    }

    /// The instant of a wall-clock time in this zone. In a DST fold the earlier instant
    /// is taken; a time in a DST gap does not exist and gives `None`.
    pub fn instant(&self, local: &NaiveDateTime) -> Option<DateTime<Utc>> {
        fn pick<T: TimeZone>(r: LocalResult<DateTime<T>>) -> Option<DateTime<Utc>> {
            r.earliest().map(|d| d.with_timezone(&Utc))
        }
        match self {
            Zone::Utc => Some(Utc.from_utc_datetime(local)),
            Zone::Fixed { offset, .. } => pick(offset.from_local_datetime(local)),
            Zone::Named(tz) => pick(tz.from_local_datetime(local)),
        }
    }

    /// Formats an instant as wall-clock time in this zone with its offset, e.g.
    /// `2026-03-29 02:00:00 +02:00 (Europe/Berlin)`.
    pub fn format(&self, t: &DateTime<Utc>) -> String {
        let local = match self {
            Zone::Utc => t.fixed_offset(),
            Zone::Fixed { offset, .. } => t.with_timezone(offset),
            Zone::Named(tz) => t.with_timezone(tz).fixed_offset(),
        };
        format!(
            "{} ({})",
            local.format("%Y-%m-%d %H:%M:%S %:z"),
            self.name()
        )
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScheduleError {
    #[error("`{0}` is not a rate expression: expected rate(<n><s|m|h|d>), e.g. rate(5m)")]
    RateSyntax(String),
    #[error("rate interval {secs} s is out of range: it must be between 60 s and 7 days")]
    RateOutOfRange { secs: u64 },
    #[error("rate interval {rate} s must be longer than the timeout ({timeout} s)")]
    RateNotLongerThanTimeout { rate: u64, timeout: u64 },
    #[error("`{0}` is not an at expression: expected at(yyyy-MM-dd HH:mm:ss[ <time zone>])")]
    AtSyntax(String),
    #[error("{local} does not exist in {zone} (it falls in a daylight-saving gap)")]
    AtInGap { local: String, zone: String },
    #[error(
        "`{0}` is not a time zone: use an IANA name (Asia/Shanghai), GMT+8:00 / GMT-7:00, or UTC"
    )]
    BadZone(String),
    #[error(
        "cron `{expr}` has {fields} fields: expected 6 or 7 (second minute hour day-of-month month day-of-week [year]), optionally followed by a time zone"
    )]
    CronFieldCount { expr: String, fields: usize },
    #[error("cron `{expr}` is invalid: {reason}")]
    CronSyntax { expr: String, reason: String },
    #[error(
        "cron `{expr}` sets both day-of-month and day-of-week: one of them must be `?` (Quartz rule)"
    )]
    CronDomAndDow { expr: String },
    #[error(
        "cron `{expr}` sets {set} (`{value}`) but has `*` in {other}: the other day field must be `?`"
    )]
    CronDayNeedsQuestionMark {
        expr: String,
        /// The day field that names days, and its value.
        set: &'static str,
        value: String,
        other: &'static str,
        /// The expression with `?` in place of that `*`.
        fixed: String,
    },
    #[error("cron `{expr}` has year {year}: years must be between 1970 and 2099")]
    CronYear { expr: String, year: u32 },
    #[error(
        "cron `{expr}` fires {gap} s apart (at {at}): runs must be at least {MIN_CRON_INTERVAL_SECS} s apart"
    )]
    CronTooFrequent { expr: String, gap: i64, at: String },
    #[error(
        "cron `{expr}` fires {gap} s apart (at {at}), which is not longer than the timeout ({timeout} s)"
    )]
    CronNotLongerThanTimeout {
        expr: String,
        gap: i64,
        at: String,
        timeout: u64,
    },
    #[error("`{0}` never fires after now")]
    NeverFires(String),
}

/// A parsed `Frequency`.
#[derive(Debug, Clone)]
pub enum Frequency {
    Rate {
        secs: u64,
    },
    At {
        local: NaiveDateTime,
        zone: Zone,
    },
    Cron {
        /// The six or seven cron fields, without the zone.
        expr: String,
        cron: Box<Cron>,
        zone: Option<Zone>,
    },
}

static RATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^rate\(\s*(\d{1,9})\s*([smhd])\s*\)$").expect("static regex"));
static AT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^at\(\s*(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?:\s+(\S+))?\s*\)$")
        .expect("static regex")
});

fn cron_parser() -> CronParser {
    CronParser::builder()
        .seconds(Seconds::Required)
        .year(Year::Optional)
        .sloppy_ranges(true)
        .build()
}

fn restricted(field: &str) -> bool {
    field != "*" && field != "?"
}

impl Frequency {
    pub fn rate(secs: u64) -> Frequency {
        Frequency::Rate { secs }
    }

    /// Parses the API's `Frequency` string.
    pub fn parse(s: &str) -> Result<Frequency, ScheduleError> {
        let s = s.trim();
        if s.starts_with("rate(") {
            let c = RATE
                .captures(s)
                .ok_or_else(|| ScheduleError::RateSyntax(s.into()))?;
            let secs = parse_span(&format!("{}{}", &c[1], &c[2]))
                .ok_or_else(|| ScheduleError::RateSyntax(s.into()))?;
            return Ok(Frequency::Rate { secs });
        }
        if s.starts_with("at(") {
            let c = AT
                .captures(s)
                .ok_or_else(|| ScheduleError::AtSyntax(s.into()))?;
            let local = NaiveDateTime::parse_from_str(&c[1], "%Y-%m-%d %H:%M:%S")
                .map_err(|_| ScheduleError::AtSyntax(s.into()))?;
            let zone = match c.get(2) {
                Some(z) => Zone::parse(z.as_str())?,
                None => Zone::Utc,
            };
            if zone.instant(&local).is_none() {
                return Err(ScheduleError::AtInGap {
                    local: c[1].to_string(),
                    zone: zone.name(),
                });
            }
            return Ok(Frequency::At { local, zone });
        }
        Self::parse_cron(s)
    }

    /// Parses cron fields with an optional separate time zone (as manifests give them).
    pub fn cron(expr: &str, zone: Option<&str>) -> Result<Frequency, ScheduleError> {
        let f = Self::parse_cron(expr)?;
        match (f, zone) {
            (
                Frequency::Cron {
                    expr,
                    cron,
                    zone: None,
                },
                Some(z),
            ) => Ok(Frequency::Cron {
                expr,
                cron,
                zone: Some(Zone::parse(z)?),
            }),
            (f, _) => Ok(f),
        }
    }

    fn parse_cron(s: &str) -> Result<Frequency, ScheduleError> {
        let mut fields: Vec<&str> = s.split_whitespace().collect();
        let mut zone = None;
        if fields.len() >= 7
            && fields
                .last()
                .is_some_and(|l| l.chars().any(|c| c.is_ascii_alphabetic()))
        {
            zone = Some(Zone::parse(fields.pop().unwrap_or_default())?);
        }
        let expr = fields.join(" ");
        if !(6..=7).contains(&fields.len()) {
            return Err(ScheduleError::CronFieldCount {
                expr,
                fields: fields.len(),
            });
        }
        // The service's cron documentation: once day-of-month or day-of-week names days,
        // the other must be `?`. Its agent would read `*` there as "any", but the API's
        // own rule is what a manifest must pass, so `0 0 2 * * MON-FRI` is refused with
        // the `?` form as the fix; with neither naming days, `*` and `?` are both fine.
        match (restricted(fields[3]), restricted(fields[5])) {
            (true, true) => return Err(ScheduleError::CronDomAndDow { expr }),
            (dom, dow) if (dom && fields[5] == "*") || (dow && fields[3] == "*") => {
                let (set, value, other, star) = if dom {
                    ("day-of-month", fields[3], "day-of-week", 5)
                } else {
                    ("day-of-week", fields[5], "day-of-month", 3)
                };
                let mut fixed = fields.clone();
                fixed[star] = "?";
                return Err(ScheduleError::CronDayNeedsQuestionMark {
                    set,
                    value: value.to_string(),
                    other,
                    fixed: fixed.join(" "),
                    expr,
                });
            }
            _ => {}
        }
        if let Some(year) = fields.get(6) {
            for n in year
                .split(|c: char| !c.is_ascii_digit())
                .filter_map(|p| p.parse::<u32>().ok())
            {
                // Steps such as `2022/2` also land here; only four-digit numbers are years.
                if n >= 100 && !(1970..=2099).contains(&n) {
                    return Err(ScheduleError::CronYear { expr, year: n });
                }
            }
        }
        let cron = cron_parser()
            .parse(&expr)
            .map_err(|e| ScheduleError::CronSyntax {
                expr: expr.clone(),
                reason: e.to_string(),
            })?;
        Ok(Frequency::Cron {
            expr,
            cron: Box::new(cron),
            zone,
        })
    }

    /// The `Frequency` parameter as the API takes it.
    pub fn to_api_string(&self) -> String {
        match self {
            Frequency::Rate { secs } => format!("rate({})", format_span(*secs)),
            Frequency::At { local, zone } => {
                format!("at({} {})", local.format("%Y-%m-%d %H:%M:%S"), zone.name())
            }
            Frequency::Cron { expr, zone, .. } => match zone {
                Some(z) => format!("{expr} {}", z.name()),
                None => expr.clone(),
            },
        }
    }

    /// The zone fires are shown in: the schedule's own, else `default_zone`.
    pub fn zone_or<'a>(&'a self, default_zone: &'a Zone) -> &'a Zone {
        match self {
            Frequency::At { zone, .. } => zone,
            Frequency::Cron { zone: Some(z), .. } => z,
            _ => default_zone,
        }
    }

    /// Whether this schedule uses a feature that needs agent 2.2.3.282 / 2.1.3.282.
    pub fn needs_new_agent(&self) -> bool {
        match self {
            Frequency::Rate { .. } | Frequency::At { .. } => true,
            Frequency::Cron { expr, zone, .. } => {
                zone.is_some() || expr.split_whitespace().count() == 7
            }
        }
    }

    /// The next `n` fire times strictly after `after`. A rate schedule counts its
    /// intervals from `after`, as the service counts from the task's creation. Cron
    /// without its own zone runs in `default_zone` (the instance's, on the service).
    pub fn next_fires(
        &self,
        after: DateTime<Utc>,
        n: usize,
        default_zone: &Zone,
    ) -> Vec<DateTime<Utc>> {
        match self {
            Frequency::Rate { secs } => (1..=n as i64)
                .map(|k| after + chrono::Duration::seconds(k * *secs as i64))
                .collect(),
            Frequency::At { local, zone } => zone
                .instant(local)
                .filter(|t| *t > after)
                .into_iter()
                .take(n)
                .collect(),
            Frequency::Cron { cron, zone, .. } => match zone.as_ref().unwrap_or(default_zone) {
                Zone::Utc => cron_fires(cron, after, n),
                Zone::Fixed { offset, .. } => cron_fires(cron, after.with_timezone(offset), n),
                Zone::Named(tz) => cron_fires(cron, after.with_timezone(tz), n),
            },
        }
    }

    /// Checks the service's rules for a task with this timeout, evaluated from `now`.
    pub fn check(&self, timeout_secs: u64, now: DateTime<Utc>) -> Result<(), ScheduleError> {
        match self {
            Frequency::Rate { secs } => {
                if !(MIN_RATE_SECS..=MAX_RATE_SECS).contains(secs) {
                    return Err(ScheduleError::RateOutOfRange { secs: *secs });
                }
                if *secs <= timeout_secs {
                    return Err(ScheduleError::RateNotLongerThanTimeout {
                        rate: *secs,
                        timeout: timeout_secs,
                    });
                }
                Ok(())
            }
            Frequency::At { .. } => Ok(()),
            Frequency::Cron { expr, .. } => {
                let zone = self.zone_or(&Zone::Utc).clone();
                let fires = self.next_fires(now, 32, &zone);
                if fires.is_empty() {
                    return Err(ScheduleError::NeverFires(self.to_api_string()));
                }
                let gap = fires
                    .windows(2)
                    .map(|w| ((w[1] - w[0]).num_seconds(), w[0]))
                    .min_by_key(|(g, _)| *g);
                if let Some((gap, at)) = gap {
                    if gap < MIN_CRON_INTERVAL_SECS {
                        return Err(ScheduleError::CronTooFrequent {
                            expr: expr.clone(),
                            gap,
                            at: zone.format(&at),
                        });
                    }
                    if gap <= timeout_secs as i64 {
                        return Err(ScheduleError::CronNotLongerThanTimeout {
                            expr: expr.clone(),
                            gap,
                            at: zone.format(&at),
                            timeout: timeout_secs,
                        });
                    }
                }
                Ok(())
            }
        }
    }

    /// A short description in words, e.g. `every 5 minutes`.
    pub fn describe(&self) -> String {
        match self {
            Frequency::Rate { secs } => {
                let (n, unit) = if secs % 86_400 == 0 {
                    (secs / 86_400, "day")
                } else if secs % 3600 == 0 {
                    (secs / 3600, "hour")
                } else if secs % 60 == 0 {
                    (secs / 60, "minute")
                } else {
                    (*secs, "second")
                };
                if n == 1 {
                    format!("every {unit}")
                } else {
                    format!("every {n} {unit}s")
                }
            }
            Frequency::At { local, zone } => {
                format!(
                    "once at {} {}",
                    local.format("%Y-%m-%d %H:%M:%S"),
                    zone.name()
                )
            }
            Frequency::Cron { cron, zone, .. } => {
                let z = zone
                    .as_ref()
                    .map_or("each instance's time zone".to_string(), Zone::name);
                format!("{} ({z})", cron.describe())
            }
        }
    }
}

fn cron_fires<T: TimeZone>(cron: &Cron, after: DateTime<T>, n: usize) -> Vec<DateTime<Utc>>
where
    DateTime<T>: croner::CronDateTime,
{
    cron.iter_after(after)
        .take(n)
        .map(|d| d.with_timezone(&Utc))
        .collect()
}

/// `<n><s|m|h|d>` in seconds (a rate's interval, a rollout's durations); `None` when it
/// is not that shape or overflows.
pub fn parse_span(text: &str) -> Option<u64> {
    let (n, unit) = text.split_at(text.len().checked_sub(1)?);
    let n: u64 = n.parse().ok()?;
    n.checked_mul(match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    })
}

/// Seconds in the largest whole unit: `90s`, `5m`, `2h`, `1d`.
pub fn format_span(secs: u64) -> String {
    let (n, u) = if secs > 0 && secs.is_multiple_of(86_400) {
        (secs / 86_400, 'd')
    } else if secs > 0 && secs.is_multiple_of(3600) {
        (secs / 3600, 'h')
    } else if secs > 0 && secs.is_multiple_of(60) {
        (secs / 60, 'm')
    } else {
        (secs, 's')
    };
    format!("{n}{u}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn rate_round_trip_and_rules() {
        let f = Frequency::parse("rate(5m)").unwrap();
        assert_eq!(f.to_api_string(), "rate(5m)");
        assert!(f.check(60, Utc::now()).is_ok());
        assert!(matches!(
            f.check(300, Utc::now()),
            Err(ScheduleError::RateNotLongerThanTimeout { .. })
        ));
        assert!(matches!(
            Frequency::parse("rate(30s)").unwrap().check(10, Utc::now()),
            Err(ScheduleError::RateOutOfRange { secs: 30 })
        ));
        assert!(
            Frequency::parse("rate(8d)")
                .unwrap()
                .check(10, Utc::now())
                .is_err()
        );
        assert!(
            Frequency::parse("rate(7d)")
                .unwrap()
                .check(10, Utc::now())
                .is_ok()
        );
        assert!(Frequency::parse("rate(5 minutes)").is_err());
    }

    #[test]
    fn at_with_zone() {
        let f = Frequency::parse("at(2022-05-17 17:30:50 Asia/Shanghai)").unwrap();
        let fires = f.next_fires(utc("2022-01-01T00:00:00Z"), 3, &Zone::Utc);
        assert_eq!(fires, vec![utc("2022-05-17T09:30:50Z")]);
        assert!(
            f.next_fires(utc("2023-01-01T00:00:00Z"), 3, &Zone::Utc)
                .is_empty()
        );
        assert!(Frequency::parse("at(2022-05-17 17:30:50 Mars/Base)").is_err());
        assert!(matches!(
            Frequency::parse("at(2026-03-29 02:30:00 Europe/Berlin)"),
            Err(ScheduleError::AtInGap { .. })
        ));
    }

    #[test]
    fn cron_from_the_docs() {
        let f = Frequency::parse("0 0/30 10-11 * * ? 2022 GMT+8:00").unwrap();
        assert_eq!(f.to_api_string(), "0 0/30 10-11 * * ? 2022 GMT+8:00");
        let fires = f.next_fires(utc("2022-01-01T00:00:00Z"), 3, &Zone::Utc);
        assert_eq!(
            fires,
            vec![
                utc("2022-01-01T02:00:00Z"),
                utc("2022-01-01T02:30:00Z"),
                utc("2022-01-01T03:00:00Z")
            ]
        );
        // The seed's example: every Wednesday at 12:00:00 in 2022.
        let wed = Frequency::cron("0 0 12 ? * WED 2022", Some("Asia/Shanghai")).unwrap();
        let w = wed.next_fires(utc("2022-06-01T00:00:00Z"), 1, &Zone::Utc);
        assert_eq!(w, vec![utc("2022-06-01T04:00:00Z")]);
    }

    #[test]
    fn cron_across_dst() {
        // Europe/Berlin goes from +01:00 to +02:00 on 2026-03-29.
        let f = Frequency::cron("0 30 1 * * ?", Some("Europe/Berlin")).unwrap();
        let fires = f.next_fires(utc("2026-03-27T12:00:00Z"), 3, &Zone::Utc);
        assert_eq!(
            fires,
            vec![
                utc("2026-03-28T00:30:00Z"),
                utc("2026-03-29T00:30:00Z"),
                utc("2026-03-29T23:30:00Z")
            ]
        );
    }

    #[test]
    fn cron_rules() {
        let now = utc("2026-01-01T00:00:00Z");
        assert!(matches!(
            Frequency::parse("*/5 * * * * ?").unwrap().check(1, now),
            Err(ScheduleError::CronTooFrequent { gap: 5, .. })
        ));
        assert!(matches!(
            Frequency::parse("0 * * * * ?").unwrap().check(60, now),
            Err(ScheduleError::CronNotLongerThanTimeout { gap: 60, .. })
        ));
        assert!(
            Frequency::parse("0 * * * * ?")
                .unwrap()
                .check(59, now)
                .is_ok()
        );
        assert!(matches!(
            Frequency::parse("0 0 12 * * ? 2020")
                .unwrap()
                .check(10, now),
            Err(ScheduleError::NeverFires(_))
        ));
        assert!(matches!(
            Frequency::parse("0 0 12 1 * MON"),
            Err(ScheduleError::CronDomAndDow { .. })
        ));
        assert!(matches!(
            Frequency::parse("0 0 12 * *"),
            Err(ScheduleError::CronFieldCount { fields: 5, .. })
        ));
        assert!(matches!(
            Frequency::parse("0 0 12 * * ? 2100"),
            Err(ScheduleError::CronYear { .. })
        ));
        assert!(matches!(
            Frequency::parse("0 0 25 * * ?"),
            Err(ScheduleError::CronSyntax { .. })
        ));
        // One day field names days: the other must be `?`, not `*`.
        match Frequency::parse("0 0 2 * * MON-FRI") {
            Err(ScheduleError::CronDayNeedsQuestionMark { set, fixed, .. }) => {
                assert_eq!((set, fixed.as_str()), ("day-of-week", "0 0 2 ? * MON-FRI"))
            }
            other => panic!("{other:?}"),
        }
        match Frequency::parse("0 0 2 15 * * 2030") {
            Err(ScheduleError::CronDayNeedsQuestionMark { set, fixed, .. }) => {
                assert_eq!((set, fixed.as_str()), ("day-of-month", "0 0 2 15 * ? 2030"))
            }
            other => panic!("{other:?}"),
        }
        assert!(Frequency::parse("0 0 2 ? * MON-FRI").is_ok());
        assert!(Frequency::parse("0 0 2 15 * ?").is_ok());
        // Neither names days: `*` and `?` in any combination.
        assert!(Frequency::parse("0 0 2 * * *").is_ok());
        assert!(Frequency::parse("0 0 2 * * ?").is_ok());
        assert!(Frequency::parse("0 0 2 ? * *").is_ok());
        assert!(Frequency::parse("0 0 12 L * ?").is_ok());
        assert!(Frequency::parse("0 0 12 15W * ?").is_ok());
        assert!(Frequency::parse("0 0 12 ? * 5#2").is_ok());
        assert!(Frequency::parse("0 0 12 * * ? Nowhere/City").is_err());
    }

    #[test]
    fn describes() {
        assert_eq!(
            Frequency::parse("rate(1h)").unwrap().describe(),
            "every hour"
        );
        assert_eq!(
            Frequency::parse("rate(90s)").unwrap().describe(),
            "every 90 seconds"
        );
        assert_eq!(
            Frequency::parse("rate(90s)").unwrap().to_api_string(),
            "rate(90s)"
        );
    }
}
