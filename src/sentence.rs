//! Filling a sentence's placeholders: `{max}` (a count), `{maxSize}` and `{actualSize}`
//! (bytes, written like "2.5 MB"), `{seconds}`. A placeholder without a number, or unknown,
//! stays as written. Which sentence a rule has is the locale tables' (the wasm side looks it
//! up by rule id).

use crate::issue::push_decimal;
use crate::prelude::*;

/// The numbers a sentence may name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Numbers {
    pub limit: Option<u64>,
    pub size: Option<u64>,
    pub seconds: Option<u32>,
}

const MIB: u64 = 1024 * 1024;

/// `bytes` for a patient: tenths of a MB from 1 MiB (with a decimal comma where the locale
/// writes one), whole KB (rounded up) from 1 KiB, else bytes.
pub fn size_text(bytes: u64, decimal_comma: bool) -> String {
    let mut out = String::new();
    if bytes >= MIB {
        // Rounded to the nearest tenth, as `Math.round` does (halves up).
        let tenths = (bytes.saturating_mul(10) + MIB / 2) / MIB;
        push_decimal(&mut out, tenths / 10);
        out.push(if decimal_comma { ',' } else { '.' });
        push_decimal(&mut out, tenths % 10);
        out.push_str(" MB");
    } else if bytes >= 1024 {
        push_decimal(&mut out, bytes.div_ceil(1024));
        out.push_str(" KB");
    } else {
        push_decimal(&mut out, bytes);
        out.push_str(" bytes");
    }
    out
}

/// `template` with its placeholders filled from `n`.
pub fn fill(template: &str, n: Numbers, decimal_comma: bool) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let (before, from) = rest.split_at(open);
        out.push_str(before);
        let Some(close) = from.find('}') else {
            rest = from;
            break;
        };
        let (name, after) = (from.get(1..close).unwrap_or(""), from.get(close + 1..));
        let value = match name {
            "max" => n.limit.map(|v| {
                let mut s = String::new();
                push_decimal(&mut s, v);
                s
            }),
            "maxSize" => n.limit.map(|v| size_text(v, decimal_comma)),
            "actualSize" => n.size.map(|v| size_text(v, decimal_comma)),
            "seconds" => n.seconds.map(|v| {
                let mut s = String::new();
                push_decimal(&mut s, u64::from(v));
                s
            }),
            _ => None,
        };
        match value {
            Some(v) => out.push_str(&v),
            None => out.push_str(from.get(..=close).unwrap_or("")),
        }
        rest = after.unwrap_or("");
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;

    #[test]
    fn sizes_as_patients_read_them() {
        assert_eq!(size_text(4, false), "4 bytes");
        assert_eq!(size_text(1023, false), "1023 bytes");
        assert_eq!(size_text(1024, false), "1 KB");
        assert_eq!(size_text(1025, false), "2 KB");
        assert_eq!(size_text(MIB, false), "1.0 MB");
        assert_eq!(size_text(2 * MIB + MIB / 2, true), "2,5 MB");
        assert_eq!(size_text(10 * MIB, false), "10.0 MB");
        assert_eq!(size_text(2 * MIB + 1, false), "2.0 MB");
    }

    #[test]
    fn placeholders() {
        let n = Numbers {
            limit: Some(3),
            size: Some(2048),
            seconds: Some(30),
        };
        assert_eq!(
            fill(
                "at most {max}; {maxSize} / {actualSize} in {seconds} s",
                n,
                false
            ),
            "at most 3; 3 bytes / 2 KB in 30 s"
        );
        assert_eq!(
            fill("{max} {other} {seconds", Numbers::default(), false),
            "{max} {other} {seconds"
        );
        assert_eq!(fill("plain", n, false), "plain");
        assert_eq!(fill("{}{", n, false), "{}{");
    }
}
