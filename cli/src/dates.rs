//! Unix times as RFC 3339 UTC dates, and time spans in words.

/// Seconds in a day; Unix time has no leap seconds.
const DAY_SECONDS: i64 = 86_400;

/// Formats `seconds` since the Unix epoch as `YYYY-MM-DDThh:mm:ssZ`.
///
/// Returns `None` outside the years 0000 to 9999, which RFC 3339 section 5.6 cannot
/// write.
pub(crate) fn rfc3339(seconds: i64) -> Option<String> {
    let days = seconds.div_euclid(DAY_SECONDS);
    let second_of_day = seconds.rem_euclid(DAY_SECONDS);
    let (year, month, day) = civil_date(days);
    if !(0..=9999).contains(&year) {
        return None;
    }
    Some(format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    ))
}

/// Writes a span of `seconds` as days, hours, minutes and seconds, such as
/// `2d 3h 0m 5s`, leaving out leading zero units.
pub(crate) fn span(seconds: u64) -> String {
    let units = [
        (seconds / 86_400, "d"),
        (seconds / 3600 % 24, "h"),
        (seconds / 60 % 60, "m"),
        (seconds % 60, "s"),
    ];
    let first = units.iter().position(|(value, _)| *value != 0).unwrap_or(3);
    let parts: Vec<String> = units[first..]
        .iter()
        .map(|(value, unit)| format!("{value}{unit}"))
        .collect();
    parts.join(" ")
}

/// Converts days since 1970-01-01 to a proleptic Gregorian (year, month, day).
///
/// The calendar is counted in 400-year eras of 146097 days that start on March 1,
/// so that the leap day falls at the end of each year of the era.
fn civil_date(days: i64) -> (i64, i64, i64) {
    // 719468 days separate 0000-03-01 from 1970-01-01.
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);

    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);

    // Months counted from March: 0 is March, 11 is February.
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };

    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        let cases = [
            (0, "1970-01-01T00:00:00Z"),
            (-1, "1969-12-31T23:59:59Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_767_225_600, "2026-01-01T00:00:00Z"),
            (1_767_229_200, "2026-01-01T01:00:00Z"),
            (4_102_358_400, "2099-12-31T00:00:00Z"),
            (4_107_542_400, "2100-03-01T00:00:00Z"),
            (253_402_300_799, "9999-12-31T23:59:59Z"),
            (-62_167_219_200, "0000-01-01T00:00:00Z"),
        ];
        for (seconds, expected) in cases {
            assert_eq!(rfc3339(seconds).as_deref(), Some(expected), "{seconds}");
        }
    }

    #[test]
    fn rfc3339_out_of_range() {
        assert_eq!(rfc3339(253_402_300_800), None);
        assert_eq!(rfc3339(-62_167_219_201), None);
        assert_eq!(rfc3339(i64::MAX), None);
        assert_eq!(rfc3339(i64::MIN), None);
    }

    #[test]
    fn spans() {
        assert_eq!(span(0), "0s");
        assert_eq!(span(59), "59s");
        assert_eq!(span(90), "1m 30s");
        assert_eq!(span(3600), "1h 0m 0s");
        assert_eq!(span(2 * 86_400 + 3 * 3600 + 5), "2d 3h 0m 5s");
    }
}
