//! Triage for `everywhere`: which of the account's tokens to revoke, by what the
//! registry's token list says of each (`readonly`, `bypass_2fa`, `created`,
//! `accessed`). One grammar for every skin: terms joined by `,`, all of which must
//! hold. A term that reads a field the registry does not send is an error
//! (`EFILTERFIELD`) before anything is revoked, never a filter that matches everything.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::{ErrorKind, LogoutError, Result};
use crate::revoke::ListedToken;

/// What the filter grammar takes, for messages.
const GRAMMAR: &str =
    "bypass-2fa, write, unused-days=<N>, created-before=<YYYY-MM-DD>, joined by commas";

/// One condition on a listed token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Term {
    /// It skips two-factor authentication (`bypass_2fa: true`).
    Bypass2fa,
    /// It can publish (`readonly: false`).
    Write,
    /// Not used for this many days (`accessed`; `accessed: null` is never used).
    UnusedDays(u32),
    /// Created before this day (days since 1970-01-01).
    CreatedBefore(i64),
}

impl Term {
    fn field(self) -> &'static str {
        match self {
            Term::Bypass2fa => "bypass_2fa",
            Term::Write => "readonly",
            Term::UnusedDays(_) => "accessed",
            Term::CreatedBefore(_) => "created",
        }
    }
}

/// A parsed `everywhere` filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TokenFilter {
    terms: Vec<Term>,
    /// The filter as given, trimmed: what the report echoes.
    text: String,
}

impl std::str::FromStr for TokenFilter {
    type Err = LogoutError;

    fn from_str(text: &str) -> Result<Self> {
        let bad = |why: String| {
            LogoutError::new(
                ErrorKind::InvalidArgType,
                format!("{why} (a filter is {GRAMMAR})"),
            )
        };
        let mut terms = Vec::new();
        for raw in text.split(',').map(str::trim) {
            let term = match raw.split_once('=') {
                None if raw == "bypass-2fa" => Term::Bypass2fa,
                None if raw == "write" => Term::Write,
                Some(("unused-days", n)) => Term::UnusedDays(
                    n.trim()
                        .parse()
                        .ok()
                        .filter(|_| n.trim().bytes().all(|b| b.is_ascii_digit()))
                        .ok_or_else(|| {
                            bad(format!("unused-days takes a number of days, got {n:?}"))
                        })?,
                ),
                Some(("created-before", day)) => Term::CreatedBefore(
                    day_number(day.trim())
                        .filter(|_| day.trim().len() == 10)
                        .ok_or_else(|| {
                            bad(format!(
                                "created-before takes a date, YYYY-MM-DD, got {day:?}"
                            ))
                        })?,
                ),
                _ if raw.is_empty() => return Err(bad("an empty filter term".to_string())),
                _ => return Err(bad(format!("unknown filter term {raw:?}"))),
            };
            if !terms.contains(&term) {
                terms.push(term);
            }
        }
        Ok(Self {
            terms,
            text: text.trim().to_string(),
        })
    }
}

impl TokenFilter {
    /// The filter as given.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// Refuses the filter, before anything is revoked, when a listed token lacks a
    /// field a term reads (the registry does not send it), or has one that cannot be
    /// read as a date.
    pub(crate) fn check(&self, list: &[ListedToken]) -> Result<()> {
        for token in list {
            for term in &self.terms {
                if self.value(*term, token, 0).is_none() {
                    return Err(LogoutError::new(
                        ErrorKind::FilterField,
                        format!(
                            "the registry's token list gives no usable `{}` for token {} (it \
                             may not send that field): the filter {:?} cannot be applied, and \
                             nothing was revoked",
                            term.field(),
                            token.key,
                            self.text
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Whether `token` matches every term, today being `today` (days since 1970-01-01);
    /// a token [`TokenFilter::check`] would refuse matches nothing.
    pub(crate) fn matches(&self, token: &ListedToken, today: i64) -> bool {
        self.terms
            .iter()
            .all(|term| self.value(*term, token, today) == Some(true))
    }

    /// One term on one token: `None` when the field is missing or unreadable.
    fn value(&self, term: Term, token: &ListedToken, today: i64) -> Option<bool> {
        match term {
            Term::Bypass2fa => token.bypass_2fa,
            Term::Write => token.readonly.map(|readonly| !readonly),
            Term::UnusedDays(days) => {
                if !token.sent.accessed {
                    return None;
                }
                match &token.accessed {
                    // Sent as `null`: never used.
                    None => Some(true),
                    Some(when) => Some(today - day_number(when)? >= i64::from(days)),
                }
            }
            Term::CreatedBefore(day) => Some(day_number(token.created.as_deref()?)? < day),
        }
    }
}

/// Today, in days since 1970-01-01.
pub(crate) fn today() -> i64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    i64::try_from(secs / 86_400).unwrap_or(i64::MAX)
}

/// The day of an ISO 8601 date or date-time (`2026-01-31`, `2026-01-31T12:00:00.000Z`),
/// in days since 1970-01-01 (the date part only: a token list's times are UTC).
fn day_number(text: &str) -> Option<i64> {
    let date = text.get(..10)?;
    let mut parts = date.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if y.len() != 4
        || m.len() != 2
        || d.len() != 2
        || !date.bytes().all(|b| b == b'-' || b.is_ascii_digit())
    {
        return None;
    }
    let (y, m, d): (i64, i64, i64) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    let month_days = [
        31,
        if is_leap(y) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let last = *month_days.get(usize::try_from(m - 1).ok()?)?;
    if d < 1 || d > last {
        return None;
    }
    // Days from civil (the proleptic Gregorian calendar), as in Howard Hinnant's
    // `days_from_civil`.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::revoke::listed;

    #[test]
    fn days_are_counted_from_1970() {
        assert_eq!(day_number("1970-01-01"), Some(0));
        assert_eq!(day_number("2000-03-01T00:00:00.000Z"), Some(11_017));
        assert_eq!(day_number("2026-12-05"), Some(20_792));
        assert_eq!(day_number("2024-02-29"), Some(19_782));
        for bad in [
            "2023-02-29",
            "2026-13-01",
            "2026-1-01",
            "26-01-01",
            "yesterday",
            "",
        ] {
            assert_eq!(day_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_grammar_takes_each_term_and_refuses_the_rest() {
        let f: TokenFilter = " bypass-2fa, write,unused-days=90,created-before=2026-01-01 "
            .parse()
            .unwrap();
        assert_eq!(
            f.terms,
            [
                Term::Bypass2fa,
                Term::Write,
                Term::UnusedDays(90),
                Term::CreatedBefore(20_454)
            ]
        );
        assert_eq!(
            f.text(),
            "bypass-2fa, write,unused-days=90,created-before=2026-01-01"
        );
        for bad in [
            "",
            "write,",
            "readonly",
            "unused-days=-1",
            "unused-days=x",
            "created-before=2026-1-1",
            "created-before=2026-01-01T00:00:00Z",
        ] {
            let err = bad.parse::<TokenFilter>().unwrap_err();
            assert_eq!(err.code(), "ERR_INVALID_ARG_TYPE", "{bad}");
        }
    }

    fn token(edit: impl FnOnce(&mut ListedToken)) -> ListedToken {
        let mut t = listed("k", "npm_a...zzzzz");
        edit(&mut t);
        t
    }

    #[test]
    fn each_term_reads_its_field_and_a_missing_one_is_an_error() {
        let today = day_number("2026-12-05").unwrap();
        let write: TokenFilter = "write".parse().unwrap();
        assert!(write.matches(&token(|_| {}), today));
        assert!(!write.matches(&token(|t| t.readonly = Some(true)), today));
        let no_readonly = token(|t| t.readonly = None);
        assert_eq!(
            write.check(&[no_readonly]).unwrap_err().code(),
            "EFILTERFIELD"
        );

        let bypass: TokenFilter = "bypass-2fa".parse().unwrap();
        assert!(bypass.matches(&token(|t| t.bypass_2fa = Some(true)), today));
        assert!(!bypass.matches(&token(|t| t.bypass_2fa = Some(false)), today));
        let err = bypass.check(&[token(|_| {})]).unwrap_err();
        assert_eq!(err.code(), "EFILTERFIELD");
        assert!(
            err.message().contains("`bypass_2fa` for token k"),
            "{}",
            err.message()
        );

        let unused: TokenFilter = "unused-days=30".parse().unwrap();
        let used = |day: &str| {
            let day = day.to_string();
            token(move |t| {
                t.accessed = Some(day);
                t.sent.accessed = true;
            })
        };
        assert!(unused.matches(&used("2026-11-05T10:00:00Z"), today));
        assert!(!unused.matches(&used("2026-11-06"), today));
        let never = token(|t| t.sent.accessed = true);
        assert!(unused.matches(&never, today), "sent as null: never used");
        assert!(unused.check(&[token(|_| {})]).is_err(), "not sent at all");
        assert!(unused.check(&[used("last week")]).is_err(), "not a date");

        let old: TokenFilter = "created-before=2026-06-01".parse().unwrap();
        let created = |day: &str| {
            let day = day.to_string();
            token(move |t| t.created = Some(day))
        };
        assert!(old.matches(&created("2026-05-31T23:59:59.000Z"), today));
        assert!(!old.matches(&created("2026-06-01T00:00:00.000Z"), today));
        assert!(old.check(&[token(|_| {})]).is_err());

        let both: TokenFilter = "write,created-before=2026-06-01".parse().unwrap();
        assert!(both.matches(&created("2026-01-01"), today));
        assert!(!both.matches(
            &token(|t| {
                t.created = Some("2026-01-01".into());
                t.readonly = Some(true);
            }),
            today
        ));
        assert!(super::today() > 0);
    }
}
