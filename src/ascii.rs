//! Splitting text at ASCII separators, by byte. (core's generic `split`/`rsplit_once` over
//! char patterns would cost the module several hundred bytes more, for the same results.)

/// The pieces of `s` between `sep` bytes, like `s.split(sep as char)`.
pub fn split(s: &str, sep: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(s);
    core::iter::from_fn(move || {
        let r = rest?;
        match r.bytes().position(|b| b == sep) {
            Some(i) => {
                rest = r.get(i + 1..);
                r.get(..i)
            }
            None => rest.take(),
        }
    })
}

/// `s` around its first byte that `is_sep`, like `split_once`.
pub fn split_once(s: &str, is_sep: impl Fn(u8) -> bool) -> Option<(&str, &str)> {
    let i = s.bytes().position(is_sep)?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

/// `s` around its last byte that `is_sep`, like `rsplit_once`.
pub fn rsplit_once(s: &str, is_sep: impl Fn(u8) -> bool) -> Option<(&str, &str)> {
    let i = s.bytes().rposition(is_sep)?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The same as core's, on any text (separators included, non-ASCII too).
        #[test]
        fn same_as_core(s in "[a.b/é@;=]{0,12}") {
            prop_assert_eq!(split(&s, b'.').collect::<Vec<_>>(), s.split('.').collect::<Vec<_>>());
            prop_assert_eq!(split_once(&s, |b| b == b'@'), s.split_once('@'));
            prop_assert_eq!(rsplit_once(&s, |b| b == b'.'), s.rsplit_once('.'));
            prop_assert_eq!(
                rsplit_once(&s, |b| b == b'/' || b == b'@').map(|(_, after)| after).unwrap_or(&s),
                s.rsplit(['/', '@']).next().unwrap_or(&s)
            );
        }
    }
}
