//! Reading numbers at an offset without a way to panic: `None` past the end.

pub(crate) fn array<const N: usize>(b: &[u8], at: usize) -> Option<[u8; N]> {
    b.get(at..at.checked_add(N)?)?.try_into().ok()
}

pub(crate) fn u16_be(b: &[u8], at: usize) -> Option<u16> {
    array(b, at).map(u16::from_be_bytes)
}

pub(crate) fn u32_be(b: &[u8], at: usize) -> Option<u32> {
    array(b, at).map(u32::from_be_bytes)
}

pub(crate) fn u16_le(b: &[u8], at: usize) -> Option<u16> {
    array(b, at).map(u16::from_le_bytes)
}

pub(crate) fn u32_le(b: &[u8], at: usize) -> Option<u32> {
    array(b, at).map(u32::from_le_bytes)
}

pub(crate) fn u64_be(b: &[u8], at: usize) -> Option<u64> {
    array(b, at).map(u64::from_be_bytes)
}

/// Where `needle` first occurs in `hay`. The needles are short signatures; candidates are
/// found by their first byte with `memchr` (memchr's `memmem` would add about 10 KB to the
/// gzipped module).
pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (first, rest) = needle.split_first()?;
    let mut from = 0usize;
    loop {
        let at = from.checked_add(memchr::memchr(*first, hay.get(from..)?)?)?;
        let tail = at.checked_add(1)?;
        if hay.get(tail..tail.checked_add(rest.len())?)? == rest {
            return Some(at);
        }
        from = tail;
    }
}

/// Whether `needle` occurs in `hay`.
pub(crate) fn contains(hay: &[u8], needle: &[u8]) -> bool {
    find(hay, needle).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_whole_occurrence() {
        assert_eq!(find(b"aab aabc", b"aabc"), Some(4));
        assert_eq!(find(b"abc", b"abcd"), None);
        assert_eq!(find(b"", b"a"), None);
        assert_eq!(find(b"abc", b""), None);
        assert_eq!(find(b"xxabab", b"ab"), Some(2));
    }
}
