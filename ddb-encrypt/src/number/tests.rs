use super::*;

fn exact(text: &str) -> Result<String, NumberError> {
    let mut out = Vec::new();
    canonical_exact(text, &mut out)?;
    Ok(String::from_utf8(out).unwrap())
}

fn python(text: &str) -> Result<String, NumberError> {
    let mut out = Vec::new();
    canonical_python(text, &mut out)?;
    Ok(String::from_utf8(out).unwrap())
}

#[test]
fn python_form_matches_the_observed_table() {
    // `docs/legacy-format.md` 1.2, observed with the Python package.
    let cases = [
        ("55", "55"),
        ("55.00", "55"),
        ("-0.0100", "-0.01"),
        ("1E+5", "100000"),
        ("1.5e-3", "0.0015"),
        ("0.000", "0"),
        ("-0", "-0"),
        ("-0.00", "-0"),
        ("00012", "12"),
        ("12345678901234567890123456789", "12345678901234567890123456790"),
        ("12345678901234567890123456789012345678", "12345678901234567890123456790000000000"),
    ];
    for (input, expected) in cases {
        assert_eq!(python(input).as_deref(), Ok(expected), "input {input}");
    }
    let tiny = python("1E-130").unwrap();
    assert_eq!(tiny.len(), 0x84);
    assert!(tiny.starts_with("0.") && tiny.ends_with('1'));
    assert_eq!(tiny.matches('0').count(), 130);
}

#[test]
fn python_form_rounds_half_even_and_carries() {
    // 29 digits ending in exactly one half: round to even.
    assert_eq!(python("1000000000000000000000000000.5").unwrap(), "1000000000000000000000000000");
    assert_eq!(python("1000000000000000000000000001.5").unwrap(), "1000000000000000000000000002");
    // More than one half.
    assert_eq!(python("1000000000000000000000000000.51").unwrap(), "1000000000000000000000000001");
    // All nines carry into a new digit.
    assert_eq!(python("99999999999999999999999999999").unwrap(), "100000000000000000000000000000");
    assert_eq!(python("-0.99999999999999999999999999999").unwrap(), "-1");
}

#[test]
fn python_form_refuses_what_python_traps() {
    // 39 written digits (trailing zeros count): decimal.Rounded.
    let long = format!("1{}", "0".repeat(38));
    assert_eq!(python(&long), Err(NumberError::TooManyWrittenDigits));
    // Overflow of Emax 126.
    assert_eq!(python("1E+127"), Err(NumberError::OutOfRange));
    assert!(python("1E+126").is_ok());
    // Below Etiny.
    assert_eq!(python("1E-166"), Err(NumberError::OutOfRange));
}

#[test]
fn exact_form_never_rounds() {
    let cases = [
        ("55.00", "55"),
        ("-0.0100", "-0.01"),
        ("1E+5", "100000"),
        ("1.50", "1.5"),
        ("-0", "0"),
        ("-0.000", "0"),
        ("0E+300", "0"),
        ("+7", "7"),
        (".5", "0.5"),
        ("5.", "5"),
        ("12345678901234567890123456789", "12345678901234567890123456789"),
        ("12345678901234567890123456789012345678", "12345678901234567890123456789012345678"),
        ("1.2345678901234567890123456789012345678E+20", "123456789012345678901.23456789012345678"),
    ];
    for (input, expected) in cases {
        assert_eq!(exact(input).as_deref(), Ok(expected), "input {input}");
    }
    // Trailing zeros are not significant.
    assert_eq!(exact(&format!("1{}", "0".repeat(38))).unwrap(), format!("1{}", "0".repeat(38)));
}

#[test]
fn exact_form_checks_dynamodb_limits() {
    assert!(exact("1E-130").is_ok());
    assert_eq!(exact("1E-131"), Err(NumberError::OutOfRange));
    assert!(exact("9.9999999999999999999999999999999999999E+125").is_ok());
    assert_eq!(exact("1E+126"), Err(NumberError::OutOfRange));
    assert_eq!(exact("123456789012345678901234567890123456789"), Err(NumberError::TooManyDigits));
    assert_eq!(exact("1E999999999999999999999"), Err(NumberError::OutOfRange));
}

#[test]
fn syntax_errors() {
    for bad in [
        "", "-", "+", ".", "e5", "1e", "1e+", "1..2", "1.2.3", "NaN", "Infinity", " 1", "1 ",
        "0x10", "--1", "1e5.5", "١",
    ] {
        assert_eq!(exact(bad), Err(NumberError::Syntax), "input {bad:?}");
        assert_eq!(python(bad), Err(NumberError::Syntax), "input {bad:?}");
    }
}

#[test]
fn canonical_texts_fit_in_max_text_len() {
    let mut longest = 0;
    for digits in ["1", "12345678901234567890123456789012345678"] {
        for exponent in -220..=160 {
            let text = format!("-{digits}E{exponent}");
            for canonical in [exact(&text), python(&text)].into_iter().flatten() {
                longest = longest.max(canonical.len());
            }
        }
    }
    assert!(longest > 160, "the extremes were reached: {longest}");
    assert!(longest <= MAX_TEXT_LEN, "{longest} bytes");
}
