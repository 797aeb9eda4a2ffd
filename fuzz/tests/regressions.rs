//! Replays every file in fuzz/regressions/<target>/ (crashers kept by scripts/soak.sh, and
//! hand-picked edge cases) through its target: `cargo test --no-default-features` here.

use std::fs;
use std::path::Path;

/// Replays every input kept for `target`; a folder that is missing or holds none fails,
/// since a replay of nothing proves nothing.
fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("regressions")
        .join(target);
    let mut n = 0;
    let entries = fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path
            .file_name()
            .is_some_and(|f| f.to_string_lossy().starts_with('.'))
        {
            continue;
        }
        let data = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        eprintln!("replaying {}", path.display());
        run(&data);
        n += 1;
    }
    assert!(n > 0, "{} holds no input to replay", dir.display());
}

#[test]
fn address() {
    replay("address", updox_direct_fuzz::address);
}

#[test]
fn patient() {
    replay("patient", updox_direct_fuzz::patient);
}

#[test]
fn attachment() {
    replay("attachment", updox_direct_fuzz::attachment);
}

#[test]
fn response() {
    replay("response", updox_direct_fuzz::response);
}

#[test]
fn photo() {
    replay("photo", updox_direct_fuzz::photo);
}

/// A few inputs every target must take, whatever the regressions folder holds.
#[test]
fn edge_cases() {
    let cases: &[&[u8]] = &[
        b"",
        b"\0",
        b"@",
        b"a@b.com",
        b"\xff\xfe\xfd",
        b"====",
        b"QUJD\n",
        b"patient:  ",
        b"\0\0\0\0\0\0\0\0\0\0\0\0 2000-02-29",
        b"\xc8\0{\"successful\":true,\"responseCode\":2000}",
        b"\xc8\0{\"successful\":true,\"responseCode\":1e400}",
        b"\xc8\0{\"successful\":true,\"responseCode\":\"2000\"}",
        b"\xff\xd8\xff",
        b"\xff\xd8\xff\xda\0\x02\xff\xd9",
        b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR",
        b"\0\0\0\x10ftypmif1\0\0\0\0heic",
        b"RIFF\0\0\0\0WEBPVP8X\xff\xff\xff\xff",
    ];
    for &c in cases {
        updox_direct_fuzz::address(c);
        updox_direct_fuzz::patient(c);
        updox_direct_fuzz::attachment(c);
        updox_direct_fuzz::response(c);
        updox_direct_fuzz::photo(c);
    }
}
