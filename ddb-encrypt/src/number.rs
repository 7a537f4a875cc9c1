//! DynamoDB number text: a strict parser and the two canonical forms.
//!
//! * The *exact* form (`docs/dbesdk-format.md` section 3, `docs/legacy-format.md` section 1.2)
//!   is used for every value that is encrypted, and for everything the DB-ESDK format signs: a
//!   zero of any sign or scale is `0`; otherwise leading zeros and trailing fractional zeros go,
//!   and the value is written in plain digits. Nothing is rounded.
//! * The *Python* form (`docs/legacy-format.md` section 1.2) is used only for the signature hashes of
//!   SIGN_ONLY numbers in legacy items, because that is what the Python client hashes: at most
//!   38 written digits, rounded half-even to 28 significant digits, `-0` kept. Readers accept
//!   the rounding (old items have it); this crate's legacy writer refuses to sign a number that
//!   would be rounded, since its digits past the 28th would not be protected.

/// The most significant digits a DynamoDB number may have.
const MAX_DIGITS: usize = 38;
/// Python's default decimal context precision, used by `Decimal.normalize()`.
const PYTHON_PRECISION: usize = 28;
/// Adjusted-exponent limits of DynamoDB numbers (1E-130 ..= 9.99..E+125).
const MIN_ADJUSTED: i64 = -130;
const MAX_ADJUSTED: i64 = 125;
/// boto3's `DYNAMODB_CONTEXT`: Emax 126, Emin -128, precision 38, so Etiny = -128 - 38 + 1.
const PYTHON_EMAX: i64 = 126;
const PYTHON_ETINY: i64 = -165;
/// Longest canonical text of either form: `-0.` then up to 165 zeros and 38 digits (the
/// smallest Python-form exponent), rounded up. A buffer of this capacity never grows.
pub(crate) const MAX_TEXT_LEN: usize = 256;
/// Exponents beyond this are out of range whatever the digits; saturating here keeps the
/// arithmetic below far from overflow.
const EXPONENT_LIMIT: i64 = 1_000_000_000;

/// Why a number text was refused. The message never contains the text itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumberError {
    Syntax,
    TooManyDigits,
    /// More than 38 digits as written (trailing zeros included): boto3's context rounds such a
    /// number, so the Python client cannot sign it in a legacy item.
    TooManyWrittenDigits,
    OutOfRange,
    /// More than 28 significant digits in a legacy SIGN_ONLY number: its signature would cover
    /// only the first 28.
    Rounded,
}

impl NumberError {
    pub(crate) fn reason(self) -> &'static str {
        match self {
            Self::Syntax => "not a valid DynamoDB number",
            Self::TooManyDigits => "number has more than 38 significant digits",
            Self::TooManyWrittenDigits => {
                "number is written with more than 38 digits, which a legacy-format signature \
                 cannot cover (the Python client refuses it too); drop trailing zeros or write \
                 the item in the DB-ESDK format"
            }
            Self::OutOfRange => "number magnitude is outside DynamoDB's range (1E-130 to 1E+126)",
            Self::Rounded => {
                "SIGN_ONLY number has more than 28 significant digits: the legacy format signs \
                 it rounded to 28 (as the Python client does), so the digits after the 28th \
                 would not be protected; write at most 28 significant digits, encrypt the \
                 attribute, or write the item in another format"
            }
        }
    }
}

/// A parsed decimal: `(-1)^negative * digits * 10^exponent`, with `digits` free of leading and
/// trailing zeros (empty for zero).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decimal {
    negative: bool,
    digits: [u8; MAX_DIGITS],
    len: usize,
    exponent: i64,
    /// Trailing zeros of the written coefficient that `exponent` absorbed.
    trailing_zeros: u64,
}

impl Decimal {
    /// Parses DynamoDB number syntax: optional sign, digits with an optional fraction, an
    /// optional exponent. Rejects more than 38 significant digits; does not check the range.
    pub(crate) fn parse(text: &str) -> Result<Self, NumberError> {
        let mut rest = text.as_bytes();
        let negative = match rest.first() {
            Some(b'-') => {
                rest = rest.get(1..).unwrap_or_default();
                true
            }
            Some(b'+') => {
                rest = rest.get(1..).unwrap_or_default();
                false
            }
            _ => false,
        };
        let mut value =
            Self { negative, digits: [0; MAX_DIGITS], len: 0, exponent: 0, trailing_zeros: 0 };
        let mut pending_zeros: u64 = 0;
        let mut any_digit = false;
        let mut fraction_len: i64 = 0;
        let mut in_fraction = false;
        let mut exponent_part = None;
        for (i, &byte) in rest.iter().enumerate() {
            match byte {
                b'0'..=b'9' => {
                    any_digit = true;
                    if in_fraction {
                        fraction_len += 1;
                    }
                    if byte == b'0' {
                        if value.len > 0 {
                            pending_zeros += 1;
                        }
                    } else {
                        value.push_digit(byte, pending_zeros)?;
                        pending_zeros = 0;
                    }
                }
                b'.' if !in_fraction => in_fraction = true,
                b'e' | b'E' => {
                    exponent_part = Some(rest.get(i + 1..).unwrap_or_default());
                    break;
                }
                _ => return Err(NumberError::Syntax),
            }
        }
        if !any_digit {
            return Err(NumberError::Syntax);
        }
        let exponent = match exponent_part {
            Some(part) => parse_exponent(part)?,
            None => 0,
        };
        value.trailing_zeros = pending_zeros;
        let pending = i64::try_from(pending_zeros).map_err(|_| NumberError::OutOfRange)?;
        value.exponent = exponent - fraction_len + pending;
        if value.len == 0 {
            value.exponent = exponent - fraction_len;
        }
        Ok(value)
    }

    fn push_digit(&mut self, digit: u8, zeros_before: u64) -> Result<(), NumberError> {
        let zeros = usize::try_from(zeros_before).map_err(|_| NumberError::TooManyDigits)?;
        let end = self.len.checked_add(zeros).and_then(|n| n.checked_add(1));
        let end = end.filter(|&n| n <= MAX_DIGITS).ok_or(NumberError::TooManyDigits)?;
        for slot in self.digits.get_mut(self.len..end - 1).unwrap_or_default() {
            *slot = b'0';
        }
        if let Some(slot) = self.digits.get_mut(end - 1) {
            *slot = digit;
        }
        self.len = end;
        Ok(())
    }

    fn is_zero(&self) -> bool {
        self.len == 0
    }

    fn significant(&self) -> &[u8] {
        self.digits.get(..self.len).unwrap_or_default()
    }

    /// Exponent of the most significant digit (Python's `adjusted()`).
    fn adjusted(&self) -> i64 {
        self.exponent + i64::try_from(self.len).unwrap_or(0) - 1
    }

    /// Checks DynamoDB's range (zero is always in range).
    pub(crate) fn check_range(&self) -> Result<(), NumberError> {
        if self.is_zero() || (MIN_ADJUSTED..=MAX_ADJUSTED).contains(&self.adjusted()) {
            Ok(())
        } else {
            Err(NumberError::OutOfRange)
        }
    }

    /// Writes the exact canonical form, checking DynamoDB's range.
    pub(crate) fn write_exact(&self, out: &mut Vec<u8>) -> Result<(), NumberError> {
        self.check_range()?;
        if self.is_zero() {
            out.push(b'0');
            return Ok(());
        }
        write_plain(self.negative, self.significant(), self.exponent, out);
        Ok(())
    }

    /// Writes the form the Python client hashes, refusing a number that it would round: what a
    /// legacy writer signs must be the whole value.
    pub(crate) fn write_python_exact(&self, out: &mut Vec<u8>) -> Result<(), NumberError> {
        self.write_python(out)?;
        if self.len > PYTHON_PRECISION {
            return Err(NumberError::Rounded);
        }
        Ok(())
    }

    /// Writes the form the Python client hashes (see the module docs).
    pub(crate) fn write_python(&self, out: &mut Vec<u8>) -> Result<(), NumberError> {
        let trailing =
            i64::try_from(self.trailing_zeros).map_err(|_| NumberError::TooManyDigits)?;
        let written_exponent = self.exponent - trailing;
        if self.is_zero() {
            // A zero whose exponent the context would clamp raises the trapped `Clamped`.
            if !(PYTHON_ETINY..=PYTHON_EMAX).contains(&written_exponent) {
                return Err(NumberError::OutOfRange);
            }
            if self.negative {
                out.push(b'-');
            }
            out.push(b'0');
            return Ok(());
        }
        let written_len =
            u64::try_from(self.len).unwrap_or(u64::MAX).saturating_add(self.trailing_zeros);
        if written_len > MAX_DIGITS as u64 {
            return Err(NumberError::TooManyWrittenDigits);
        }
        if self.adjusted() > PYTHON_EMAX || written_exponent < PYTHON_ETINY {
            return Err(NumberError::OutOfRange);
        }
        if self.len <= PYTHON_PRECISION {
            write_plain(self.negative, self.significant(), self.exponent, out);
            return Ok(());
        }
        let (kept, dropped) = self.significant().split_at(PYTHON_PRECISION);
        let mut rounded = [0u8; PYTHON_PRECISION];
        rounded.copy_from_slice(kept);
        let mut exponent = self.exponent + small(self.len - PYTHON_PRECISION);
        // `dropped` has no trailing zeros, so it is exactly one half only when it is "5".
        let round_up = match dropped {
            [b'5'] => kept.last().is_some_and(|d| (d - b'0') % 2 == 1),
            [first, ..] => *first >= b'5',
            [] => false,
        };
        let mut len = PYTHON_PRECISION;
        if round_up {
            let mut carry = true;
            for digit in rounded.iter_mut().rev() {
                if *digit == b'9' {
                    *digit = b'0';
                } else {
                    *digit += 1;
                    carry = false;
                    break;
                }
            }
            if carry {
                // 999..9 rounded up: the value is 10^(adjusted + 1).
                rounded[0] = b'1';
                len = 1;
                exponent += small(PYTHON_PRECISION);
            }
        }
        let digits = rounded.get(..len).unwrap_or_default();
        let stripped_len = digits.iter().rposition(|&d| d != b'0').map_or(1, |i| i + 1);
        exponent += small(len - stripped_len);
        write_plain(self.negative, digits.get(..stripped_len).unwrap_or_default(), exponent, out);
        Ok(())
    }
}

/// A digit count (at most 38) as an exponent offset.
fn small(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn parse_exponent(part: &[u8]) -> Result<i64, NumberError> {
    let (negative, digits) = match part.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, part),
    };
    if digits.is_empty() {
        return Err(NumberError::Syntax);
    }
    let mut value: i64 = 0;
    for &byte in digits {
        if !byte.is_ascii_digit() {
            return Err(NumberError::Syntax);
        }
        value = (value * 10 + i64::from(byte - b'0')).min(EXPONENT_LIMIT);
    }
    Ok(if negative { -value } else { value })
}

/// Writes `digits * 10^exponent` in plain notation.
fn write_plain(negative: bool, digits: &[u8], exponent: i64, out: &mut Vec<u8>) {
    if negative {
        out.push(b'-');
    }
    let len = i64::try_from(digits.len()).unwrap_or(0);
    if exponent >= 0 {
        out.extend_from_slice(digits);
        out.resize(out.len() + usize::try_from(exponent).unwrap_or(0), b'0');
        return;
    }
    let point = len + exponent;
    if point > 0 {
        let (int, frac) = digits.split_at(usize::try_from(point).unwrap_or(0));
        out.extend_from_slice(int);
        out.push(b'.');
        out.extend_from_slice(frac);
    } else {
        out.extend_from_slice(b"0.");
        out.resize(out.len() + usize::try_from(-point).unwrap_or(0), b'0');
        out.extend_from_slice(digits);
    }
}

/// The exact canonical form of `text`.
pub(crate) fn canonical_exact(text: &str, out: &mut Vec<u8>) -> Result<(), NumberError> {
    Decimal::parse(text)?.write_exact(out)
}

/// The Python client's canonical form of `text`.
pub(crate) fn canonical_python(text: &str, out: &mut Vec<u8>) -> Result<(), NumberError> {
    Decimal::parse(text)?.write_python(out)
}

/// The Python client's canonical form of `text`, refused where it is rounded.
pub(crate) fn canonical_python_exact(text: &str, out: &mut Vec<u8>) -> Result<(), NumberError> {
    Decimal::parse(text)?.write_python_exact(out)
}

#[cfg(test)]
mod tests;
