//! Timestamps in CSV files: ISO 8601 (`2026-03-02T09:15:00Z`, with optional
//! fractional seconds and a `±HH:MM` offset, or a space instead of the `T`)
//! to and from milliseconds since the Unix epoch, without a date library
//! (Howard Hinnant's days-from-civil algorithm).

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn num(s: &str, lo: u32, hi: u32) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|v| (lo..=hi).contains(v))
}

/// Parses an ISO 8601 timestamp into ms since the epoch; `None` when it is
/// not one (the caller names the row and column).
pub fn parse_iso_ms(text: &str) -> Option<i64> {
    let t = text.trim();
    if t.len() < 19 || !t.is_char_boundary(10) || !t.is_char_boundary(19) {
        return None;
    }
    let (date, rest) = t.split_at(10);
    let sep = rest.as_bytes()[0];
    if sep != b'T' && sep != b' ' {
        return None;
    }
    let mut d = date.split('-');
    let y = num(d.next()?, 1, 9999)?;
    let mo = num(d.next()?, 1, 12)?;
    let day = num(d.next()?, 1, 31)?;
    let time = &rest[1..9];
    let mut tp = time.split(':');
    let h = num(tp.next()?, 0, 23)?;
    let mi = num(tp.next()?, 0, 59)?;
    let s = num(tp.next()?, 0, 60)?;
    let mut tail = &rest[9..];
    let mut ms = 0i64;
    if let Some(frac) = tail.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let f = &frac[..digits];
        let padded: String = f.chars().chain("000".chars()).take(3).collect();
        ms = i64::from(num(&padded, 0, 999)?);
        tail = &frac[digits..];
    }
    let offset_min: i64 = match tail {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match tail.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let o = &tail[1..];
            let (oh, om) = o.split_once(':').unwrap_or((o.get(..2)?, o.get(2..)?));
            sign * i64::from(num(oh, 0, 23)? * 60 + num(om, 0, 59)?)
        }
    };
    let days = days_from_civil(i64::from(y), mo, day);
    let (cy, cm, cd) = civil_from_days(days);
    if (cy, cm, cd) != (i64::from(y), mo, day) {
        return None; // 31 February and the like
    }
    let secs = days * 86_400 + i64::from(h * 3_600 + mi * 60 + s) - offset_min * 60;
    Some(secs * 1_000 + ms)
}

/// Formats ms since the epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn format_iso_ms(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    let (h, mi, s, f) = (
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1_000 % 60,
        rem % 1_000,
    );
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{f:03}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_offsets() {
        let t = parse_iso_ms("2026-03-02T09:15:00Z").unwrap();
        assert_eq!(format_iso_ms(t), "2026-03-02T09:15:00.000Z");
        assert_eq!(parse_iso_ms("2026-03-02 10:15:00+01:00"), Some(t));
        assert_eq!(parse_iso_ms("2026-03-02T09:15:00.250Z"), Some(t + 250));
        assert_eq!(parse_iso_ms("1970-01-01T00:00:00Z"), Some(0));
        for bad in [
            "",
            "yesterday",
            "2026-02-31T00:00:00Z",
            "2026-03-02T25:00:00Z",
            "2026-03-02T09:15:00X",
        ] {
            assert_eq!(parse_iso_ms(bad), None, "{bad}");
        }
        for ms in [0, 1, 86_399_999, 1_700_000_000_123, 951_782_400_000] {
            assert_eq!(parse_iso_ms(&format_iso_ms(ms)), Some(ms));
        }
    }
}
