//! 5-field cron expressions (unix-cron, as Cloud Scheduler reads them) and
//! the longest gap between runs. The gap is measured over a fixed calendar
//! window, not from "now", so the same spec always gives the same answer
//! (MSP sampled from the current time, and its output changed with the
//! weekday: sourcegraph#62969).

#[derive(Debug, PartialEq)]
pub struct Cron {
    minutes: u64,
    hours: u32,
    days: u32,
    months: u16,
    weekdays: u8,
    dom_any: bool,
    dow_any: bool,
}

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const WEEKDAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

fn field(text: &str, lo: u32, hi: u32, names: &[&str], what: &str) -> Result<(u64, bool), String> {
    let parse_one = |s: &str| -> Result<u32, String> {
        if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(s)) {
            return Ok(i as u32 + lo);
        }
        s.parse::<u32>().map_err(|_| format!("`{s}` is not a valid {what}"))
    };
    let mut bits = 0u64;
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => {
                let step: u32 = s.parse().map_err(|_| format!("`{s}` is not a valid step"))?;
                if step == 0 {
                    return Err("a step cannot be 0".into());
                }
                (r, step)
            }
            None => (part, 1),
        };
        let (a, b) = if range == "*" {
            (lo, hi)
        } else if let Some((a, b)) = range.split_once('-') {
            (parse_one(a)?, parse_one(b)?)
        } else {
            let a = parse_one(range)?;
            (a, if part.contains('/') { hi } else { a })
        };
        // Day of week 7 is Sunday too.
        let top = if what == "day of week" { 7 } else { hi };
        if a < lo || b > top || a > b {
            return Err(format!("`{range}` is outside {lo}-{hi} for the {what}"));
        }
        let mut v = a;
        while v <= b {
            bits |= 1 << (if what == "day of week" && v == 7 { 0 } else { v });
            v += step;
        }
    }
    Ok((bits, text == "*"))
}

impl Cron {
    pub fn parse(text: &str) -> Result<Cron, String> {
        if text.trim_start().starts_with('@') {
            return Err("macros like `@hourly` are not supported: write the 5 fields (`0 * * * *` is hourly)".into());
        }
        let f: Vec<&str> = text.split_whitespace().collect();
        if f.len() != 5 {
            return Err(format!("expected 5 fields (minute hour day-of-month month day-of-week), found {}", f.len()));
        }
        let (minutes, _) = field(f[0], 0, 59, &[], "minute")?;
        let (hours, _) = field(f[1], 0, 23, &[], "hour")?;
        let (days, dom_any) = field(f[2], 1, 31, &[], "day of month")?;
        let (months, _) = field(f[3], 1, 12, &MONTHS, "month")?;
        let (weekdays, dow_any) = field(f[4], 0, 6, &WEEKDAYS, "day of week")?;
        Ok(Cron {
            minutes,
            hours: hours as u32,
            days: days as u32,
            months: months as u16,
            weekdays: weekdays as u8,
            dom_any,
            dow_any,
        })
    }

    fn day_matches(&self, day: u32, month: u32, weekday: u32) -> bool {
        if self.months & (1 << month) == 0 {
            return false;
        }
        let dom = self.days & (1 << day) != 0;
        let dow = self.weekdays & (1 << weekday) != 0;
        // unix-cron: when both are restricted, either may match.
        match (self.dom_any, self.dow_any) {
            (true, true) => true,
            (true, false) => dow,
            (false, true) => dom,
            (false, false) => dom || dow,
        }
    }

    /// The longest time between two consecutive runs, in seconds, over a
    /// window of 400 days from Monday 2024-01-01 (a leap year, so February
    /// 29 schedules are seen). `None` when it runs at most once in that window.
    pub fn max_gap_seconds(&self) -> Option<u64> {
        const START_DAY: i64 = 19_723; // 2024-01-01, days since 1970-01-01
        // Every matching day runs at the same times: find them once.
        let mut times: Vec<u64> = Vec::new();
        for h in 0..24u64 {
            if self.hours & (1 << h) != 0 {
                for m in 0..60u64 {
                    if self.minutes & (1 << m) != 0 {
                        times.push(h * 3600 + m * 60);
                    }
                }
            }
        }
        let (first, last) = (*times.first()?, *times.last()?);
        let within_day = times.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
        let mut previous_last: Option<u64> = None;
        let mut max_gap = 0u64;
        let mut runs = 0usize;
        for d in 0..400i64 {
            let days = START_DAY + d;
            let (_, month, day) = civil_from_days(days);
            let weekday = ((days + 4).rem_euclid(7)) as u32; // 1970-01-01 was a Thursday
            if !self.day_matches(day, month, weekday) {
                continue;
            }
            let base = d as u64 * 86_400;
            if let Some(prev) = previous_last {
                max_gap = max_gap.max(base + first - prev);
            }
            max_gap = max_gap.max(within_day);
            previous_last = Some(base + last);
            runs += times.len();
        }
        (runs >= 2).then_some(max_gap)
    }
}

/// (year, month 1-12, day 1-31) from days since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gap(s: &str) -> Option<u64> {
        Cron::parse(s).unwrap().max_gap_seconds()
    }

    #[test]
    fn gaps() {
        assert_eq!(gap("0 * * * *"), Some(3600));
        assert_eq!(gap("*/15 * * * *"), Some(900));
        assert_eq!(gap("0 0 * * 1"), Some(7 * 86_400));
        assert_eq!(gap("30 2 * * 1-5"), Some(3 * 86_400));
        assert_eq!(gap("0 9,17 * * *"), Some(16 * 3600));
        // Monthly: at least 28 days apart, at most 31.
        assert_eq!(gap("0 0 1 * *"), Some(31 * 86_400));
        // Both day fields restricted: either matches.
        assert_eq!(gap("0 0 1 * 0"), Some(7 * 86_400));
        assert_eq!(gap("0 0 29 2 *"), None);
    }

    #[test]
    fn calendar() {
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(19_723 + 59), (2024, 2, 29));
    }

    #[test]
    fn errors() {
        assert!(Cron::parse("* * * *").unwrap_err().contains("5 fields"));
        assert!(Cron::parse("60 * * * *").unwrap_err().contains("outside"));
        assert!(Cron::parse("*/0 * * * *").is_err());
        assert!(Cron::parse("@hourly").unwrap_err().contains("0 * * * *"));
        assert!(Cron::parse("0 0 * JAN-MAR MON").is_ok());
        assert!(Cron::parse("0 0 * * 7").is_ok());
    }
}
