//! Just enough JSON for the module: writing string literals for the request body, and
//! reading the top level of an answer object. The same reader serves the browser, native
//! tests and fuzzing, so they cannot disagree; a general JSON library (serde_json, or serde
//! over the browser's `JSON.parse`) would cost more than the whole module's size budget.

use crate::ascii::split_once;
use crate::input::signed_digits;
use crate::prelude::*;
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

/// A member of the top-level object, as far as the answer needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    /// A number, as its literal (exact; converted where it is used).
    Number(String),
    Bool(bool),
    Null,
    /// An object or an array (checked, not kept).
    Nested,
}

/// The values of `keys` in `text` when it is exactly one JSON object (RFC 8259, read as
/// `JSON.parse` reads it: a later duplicate key wins), else `None`. Other members are
/// checked and dropped. Nesting is walked without recursion, so no input can exhaust the
/// stack, and the work stays linear in the length of the text.
pub fn read_object<const N: usize>(text: &str, keys: [&str; N]) -> Option<[Option<Value>; N]> {
    let members = read_object_text(text, keys)?;
    let mut found: [Option<Value>; N] = core::array::from_fn(|_| None);
    for (slot, member) in found.iter_mut().zip(members) {
        if let Some(member) = member {
            let mut r = Reader {
                bytes: member.as_bytes(),
                text: member,
                pos: 0,
            };
            *slot = Some(r.value()?);
        }
    }
    Some(found)
}

/// Like [`read_object`], but each member found is its JSON text as written (an object or an
/// array included), for reading nested values with these same functions.
pub fn read_object_text<'a, const N: usize>(
    text: &'a str,
    keys: [&str; N],
) -> Option<[Option<&'a str>; N]> {
    let mut r = Reader {
        bytes: text.as_bytes(),
        text,
        pos: 0,
    };
    let mut found: [Option<&'a str>; N] = [None; N];
    r.space();
    r.eat(b'{').then_some(())?;
    r.space();
    if !r.eat(b'}') {
        loop {
            r.space();
            let key = r.string()?;
            r.space();
            r.eat(b':').then_some(())?;
            r.space();
            let start = r.pos;
            r.value()?;
            if let Some(slot) = keys
                .iter()
                .position(|k| *k == key)
                .and_then(|i| found.get_mut(i))
            {
                *slot = Some(text.get(start..r.pos)?);
            }
            r.space();
            if r.eat(b'}') {
                break;
            }
            r.eat(b',').then_some(())?;
        }
    }
    r.space();
    (r.pos == r.bytes.len()).then_some(found)
}

/// The JSON text of each element of `text` when it is exactly one JSON array, else `None`.
pub fn read_array_text(text: &str) -> Option<Vec<&str>> {
    let mut r = Reader {
        bytes: text.as_bytes(),
        text,
        pos: 0,
    };
    let mut items = Vec::new();
    r.space();
    r.eat(b'[').then_some(())?;
    r.space();
    if !r.eat(b']') {
        loop {
            r.space();
            let start = r.pos;
            r.value()?;
            items.push(text.get(start..r.pos)?);
            r.space();
            if r.eat(b']') {
                break;
            }
            r.eat(b',').then_some(())?;
        }
    }
    r.space();
    (r.pos == r.bytes.len()).then_some(items)
}

struct Reader<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        let found = self.peek() == Some(b);
        if found {
            self.pos += 1;
        }
        found
    }

    fn eat_word(&mut self, word: &[u8]) -> bool {
        let found = self.bytes.get(self.pos..self.pos + word.len()) == Some(word);
        if found {
            self.pos += word.len();
        }
        found
    }

    fn space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// A number literal: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn number(&mut self) -> Option<String> {
        let start = self.pos;
        self.eat(b'-');
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return None,
        }
        if self.eat(b'.') && self.digits() == 0 {
            return None;
        }
        if self.eat(b'e') || self.eat(b'E') {
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if self.digits() == 0 {
                return None;
            }
        }
        self.text.get(start..self.pos).map(String::from)
    }

    /// Four hex digits of a `\u` escape.
    fn hex4(&mut self) -> Option<u32> {
        let digits = self.text.get(self.pos..self.pos + 4)?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        self.pos += 4;
        digits.bytes().try_fold(0, |n, b| {
            let d = char::from(b).to_digit(16)?;
            Some(n * 16 + d)
        })
    }

    /// A string literal, unescaped. Lone surrogates become U+FFFD, as they do when the
    /// browser hands such a string to wasm.
    fn string(&mut self) -> Option<String> {
        self.eat(b'"').then_some(())?;
        let mut out = String::new();
        loop {
            let start = self.pos;
            while self
                .peek()
                .is_some_and(|b| b != b'"' && b != b'\\' && b >= 0x20)
            {
                self.pos += 1;
            }
            // Stops only at ASCII bytes, so both ends are character boundaries.
            out.push_str(self.text.get(start..self.pos)?);
            match self.peek()? {
                b'"' => {
                    self.pos += 1;
                    return Some(out);
                }
                b'\\' => {
                    self.pos += 1;
                    let escaped = self.peek()?;
                    self.pos += 1;
                    let c = match escaped {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return None,
                    };
                    out.push(c);
                }
                // A raw control character.
                _ => return None,
            }
        }
    }

    /// The character of a `\uXXXX` escape (after `\u`), joining a surrogate pair.
    fn unicode_escape(&mut self) -> Option<char> {
        let unit = self.hex4()?;
        if (0xd800..0xdc00).contains(&unit)
            && self.bytes.get(self.pos..self.pos + 2) == Some(b"\\u")
        {
            let save = self.pos;
            self.pos += 2;
            let low = self.hex4()?;
            if (0xdc00..0xe000).contains(&low) {
                let c = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
                return Some(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            self.pos = save;
        }
        Some(char::from_u32(unit).unwrap_or(char::REPLACEMENT_CHARACTER))
    }

    /// A value that is not an object or array.
    fn scalar(&mut self) -> Option<Value> {
        match self.peek()? {
            b'"' => self.string().map(Value::Text),
            b't' => self.eat_word(b"true").then_some(Value::Bool(true)),
            b'f' => self.eat_word(b"false").then_some(Value::Bool(false)),
            b'n' => self.eat_word(b"null").then_some(Value::Null),
            _ => self.number().map(Value::Number),
        }
    }

    fn value(&mut self) -> Option<Value> {
        match self.peek()? {
            b'{' | b'[' => self.nested().map(|()| Value::Nested),
            _ => self.scalar(),
        }
    }

    /// Checks an object or array without keeping it, with a stack of the closers due.
    fn nested(&mut self) -> Option<()> {
        let mut open: Vec<u8> = Vec::new();
        loop {
            // At a value.
            match self.peek()? {
                b'{' => {
                    self.pos += 1;
                    self.space();
                    if !self.eat(b'}') {
                        open.push(b'}');
                        self.member_key()?;
                        continue;
                    }
                }
                b'[' => {
                    self.pos += 1;
                    self.space();
                    if !self.eat(b']') {
                        open.push(b']');
                        continue;
                    }
                }
                _ => {
                    self.scalar()?;
                }
            }
            // After a value: close what ends here, then a comma leads to the next value.
            loop {
                self.space();
                let Some(&close) = open.last() else {
                    return Some(());
                };
                if self.eat(close) {
                    open.pop();
                    continue;
                }
                self.eat(b',').then_some(())?;
                self.space();
                if close == b'}' {
                    self.member_key()?;
                }
                break;
            }
        }
    }

    /// `"key" :` inside a nested object, up to its value.
    fn member_key(&mut self) -> Option<()> {
        self.space();
        self.string()?;
        self.space();
        self.eat(b':').then_some(())?;
        self.space();
        Some(())
    }
}

/// The whole number a literal stands for, when it is one and below 10^15 in magnitude
/// (where a double is exact, so `JSON.parse` would give the same number): `2000`,
/// `2e3` and `2000.0` are 2000; `1.5` and `1e400` are none.
pub fn whole_number(literal: &str) -> Option<i64> {
    const LIMIT: i64 = 1_000_000_000_000_000;
    let (negative, rest) = match literal.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, literal),
    };
    let (mantissa, exponent) = split_once(rest, |b| b == b'e' || b == b'E').unwrap_or((rest, "0"));
    let (int_part, frac_part) = split_once(mantissa, |b| b == b'.').unwrap_or((mantissa, ""));
    let all = || int_part.bytes().chain(frac_part.bytes());
    if int_part.is_empty() || !all().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if all().all(|b| b == b'0') {
        return Some(0);
    }
    // The decimal point sits `point` digits into the mantissa's digits, after the exponent
    // moves it; too large an exponent is far beyond 10^15, or far below 1.
    let point = (int_part.len() as i64).checked_add(signed_digits(exponent)?)?;
    let mut n: i64 = 0;
    let mut place = 0;
    for b in all() {
        if place < point {
            n = n * 10 + i64::from(b - b'0');
        } else if b != b'0' {
            // A significant digit after the point: not a whole number.
            return None;
        }
        place += 1;
        if n >= LIMIT {
            return None;
        }
    }
    while place < point {
        n *= 10;
        place += 1;
        if n >= LIMIT {
            return None;
        }
    }
    Some(if negative { -n } else { n })
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn members_and_elements_as_written() {
        let text = r#" {"a": [1, {"b": "x"}], "c": "d", "a2": {"e": []}} "#;
        let [a, c, a2, z] = read_object_text(text, ["a", "c", "a2", "z"]).unwrap_or_default();
        assert_eq!(a, Some(r#"[1, {"b": "x"}]"#));
        assert_eq!(c, Some(r#""d""#));
        assert_eq!(a2, Some(r#"{"e": []}"#));
        assert_eq!(z, None);
        assert_eq!(
            read_array_text(a.unwrap_or_default()),
            Some(vec!["1", r#"{"b": "x"}"#])
        );
        assert_eq!(read_array_text(" [ ] "), Some(vec![]));
        for bad in ["[1,]", "[1 2]", "[", "{}", "[1] x", ""] {
            assert_eq!(read_array_text(bad), None, "{bad}");
        }
        assert_eq!(read_object_text(r#"{"a":1,}"#, ["a"]), None);
    }
    use serde_json::Value as Json;

    const KEYS: [&str; 5] = ["a", "b", "c", "", "é"];

    fn json() -> impl Strategy<Value = Json> {
        let leaf = prop_oneof![
            Just(Json::Null),
            any::<bool>().prop_map(Json::Bool),
            any::<i64>().prop_map(Json::from),
            any::<f64>().prop_map(Json::from),
            "\\PC{0,8}|[\\x00-\\x1f\"\\\\\u{d7ff}\u{e000}\u{10ffff}]{0,4}".prop_map(Json::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Json::Array),
                proptest::collection::btree_map(
                    prop_oneof![Just("a".to_string()), Just("b".to_string()), "\\PC{0,3}"],
                    inner,
                    0..6
                )
                .prop_map(|m| Json::Object(m.into_iter().collect())),
            ]
        })
    }

    fn same(ours: &Option<Value>, theirs: Option<&Json>) -> bool {
        match (ours, theirs) {
            (None, None) => true,
            (Some(Value::Text(s)), Some(Json::String(t))) => s == t,
            (Some(Value::Bool(b)), Some(Json::Bool(c))) => b == c,
            (Some(Value::Null), Some(Json::Null)) => true,
            (Some(Value::Number(n)), Some(Json::Number(m))) => n.parse::<f64>().ok() == m.as_f64(),
            (Some(Value::Nested), Some(Json::Array(_) | Json::Object(_))) => true,
            _ => false,
        }
    }

    proptest! {
        #[test]
        fn round_trips_through_a_real_parser(s in "\\PC*|[\\x00-\\x1f\"\\\\]{0,20}") {
            let mut out = String::new();
            push_str(&mut out, &s);
            prop_assert_eq!(serde_json::from_str::<String>(&out).ok(), Some(s.clone()));
            let object = ["{\"a\":", &out, "}"].concat();
            prop_assert_eq!(read_object(&object, ["a"]), Some([Some(Value::Text(s))]));
        }

        /// Any object serde_json writes (compact or pretty) reads back member for member.
        #[test]
        fn reads_what_serde_json_writes(members in proptest::collection::vec((prop_oneof![Just("a".to_string()), Just("b".to_string()), Just("é".to_string()), "\\PC{0,3}"], json()), 0..8)) {
            let object = Json::Object(members.into_iter().collect());
            for text in [serde_json::to_string(&object), serde_json::to_string_pretty(&object)] {
                let text = text.map_err(|e| TestCaseError::fail(e.to_string()))?;
                let got = read_object(&text, KEYS);
                prop_assert!(got.is_some(), "refused {}", text);
                for (key, value) in KEYS.iter().zip(got.iter().flatten()) {
                    prop_assert!(same(value, object.get(*key)), "{} in {}", key, text);
                }
            }
        }

        /// The reader accepts exactly what serde_json accepts as an object.
        #[test]
        fn accepts_what_serde_json_accepts(text in "[{}\\[\\]\",:0-9abefnlrstu.E+\\- \\\\]{0,40}") {
            let theirs = match serde_json::from_str::<Json>(&text) {
                // JSON.parse (and this reader) read such a number as Infinity.
                Err(e) if e.to_string().contains("out of range") => return Ok(()),
                parsed => matches!(parsed, Ok(Json::Object(_))),
            };
            prop_assert_eq!(read_object(&text, KEYS).is_some(), theirs, "{}", text);
        }

        #[test]
        fn whole_numbers_match_doubles(n in -999_999_999_999_999i64..1_000_000_000_000_000) {
            prop_assert_eq!(whole_number(&n.to_string()), Some(n));
            let as_float = format!("{n}.000e0");
            prop_assert_eq!(whole_number(&as_float), Some(n));
        }

        #[test]
        fn whole_number_never_panics(s in "\\PC{0,30}") {
            let _ = whole_number(&s);
        }
    }

    #[test]
    fn control_characters_are_escaped() {
        let mut out = String::new();
        push_str(&mut out, "a\u{1}\"\\\n</script>");
        assert_eq!(out, r#""a\u0001\"\\\n</script>""#);
    }

    #[test]
    fn reads_an_answer() {
        let got = read_object(
            r#" {"successful":true,"responseCode":2000,"a":[1,{"b":[]}],"n":null,
                "s":"\u00e9","x":-0.5e-3,"s":"later"} "#,
            ["successful", "responseCode", "a", "n", "x", "s", "missing"],
        );
        assert_eq!(
            got,
            Some([
                Some(Value::Bool(true)),
                Some(Value::Number("2000".into())),
                Some(Value::Nested),
                Some(Value::Null),
                Some(Value::Number("-0.5e-3".into())),
                Some(Value::Text("later".into())),
                None,
            ])
        );
        assert_eq!(
            read_object(r#"{"s":"\u00e9\ud83d\ude00\ud800x\udc00"}"#, ["s"]),
            Some([Some(Value::Text("é😀\u{fffd}x\u{fffd}".into()))])
        );
    }

    #[test]
    fn refuses_what_json_parse_refuses() {
        for bad in [
            "",
            "[]",
            "\"x\"",
            "{",
            "{}}",
            "{} x",
            "{,}",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{'a':1}",
            "{\"a\":01}",
            "{\"a\":1.}",
            "{\"a\":.5}",
            "{\"a\":+1}",
            "{\"a\":1e}",
            "{\"a\":tru}",
            "{\"a\":\"\t\"}",
            "{\"a\":\"\\x\"}",
            "{\"a\":\"\\u12\"}",
            "{\"a\":[1,]}",
            "{\"a\":[1 2]}",
            "{\"a\":{\"b\"}}",
            "{\"a\":{\"b\":1,}}",
            "{\"a\":[}",
            "\u{feff}{}",
        ] {
            assert_eq!(read_object(bad, KEYS), None, "{bad:?}");
        }
        assert_eq!(read_object(" {} ", ["a"]), Some([None]));
    }

    #[test]
    fn deep_nesting_does_not_recurse() {
        let deep = ["{\"a\":", &"[".repeat(200_000), &"]".repeat(200_000), "}"].concat();
        assert_eq!(read_object(&deep, ["a"]), Some([Some(Value::Nested)]));
        let unclosed = ["{\"a\":", &"[".repeat(200_000), "}"].concat();
        assert_eq!(read_object(&unclosed, ["a"]), None);
    }

    #[test]
    fn many_members_stay_linear() {
        let members: Vec<String> = (0..200_000).map(|i| format!("\"k{i}\":{i}")).collect();
        let text = ["{", &members.join(","), ",\"a\":true}"].concat();
        assert_eq!(read_object(&text, ["a"]), Some([Some(Value::Bool(true))]));
    }

    #[test]
    fn whole_number_edges() {
        for (literal, want) in [
            ("0", Some(0)),
            ("-0", Some(0)),
            ("2000", Some(2000)),
            ("2e3", Some(2000)),
            ("2.0E+3", Some(2000)),
            ("20000e-1", Some(2000)),
            ("0.0", Some(0)),
            ("0e999999999999999999999", Some(0)),
            ("1.5", None),
            ("2000.0001", None),
            ("1e15", None),
            ("999999999999999", Some(999_999_999_999_999)),
            ("-999999999999999", Some(-999_999_999_999_999)),
            ("1e400", None),
            ("1e-400", None),
            ("1e99999999999999999999", None),
            ("123e-2", None),
            ("120e-1", Some(12)),
            ("", None),
            ("-", None),
            ("x", None),
            (".5", None),
        ] {
            assert_eq!(whole_number(literal), want, "{literal}");
        }
    }
}
