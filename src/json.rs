//! Just enough JSON writing for the request body: string literals. (Parsing the answer is
//! `JSON.parse`'s job in the browser; a full JSON library would double the module's size.)

/// Appends `s` to `out` as a JSON string literal.
pub fn push_str(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let b = c as u32 as usize;
                out.push_str("\\u00");
                out.push(char::from(HEX.get(b >> 4).copied().unwrap_or(b'0')));
                out.push(char::from(HEX.get(b & 15).copied().unwrap_or(b'0')));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends `"key":"value"` (with a leading comma unless `first`).
pub fn push_field(out: &mut String, first: bool, key: &str, value: &str) {
    if !first {
        out.push(',');
    }
    push_str(out, key);
    out.push(':');
    push_str(out, value);
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn round_trips_through_a_real_parser(s in "\\PC*|[\\x00-\\x1f\"\\\\]{0,20}") {
            let mut out = String::new();
            push_str(&mut out, &s);
            prop_assert_eq!(serde_json::from_str::<String>(&out).ok(), Some(s));
        }
    }

    #[test]
    fn control_characters_are_escaped() {
        let mut out = String::new();
        push_str(&mut out, "a\u{1}\"\\\n</script>");
        assert_eq!(out, r#""a\u0001\"\\\n</script>""#);
    }
}
