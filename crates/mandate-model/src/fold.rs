//! Text folded for finding things by name, with or without Vietnamese diacritics: `bo de`,
//! `Bo De` and `bồ đề` all fold to `bo de`. Decomposed (NFD), combining marks dropped, `đ`/`Đ`
//! mapped to `d` explicitly (it has no decomposition), lower-cased, and every run of anything
//! that is not a letter or digit made one space.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// `text` folded as the module says.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    for c in text.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'đ' | 'Đ' => 'd',
            c => c,
        };
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.extend(c.to_lowercase());
        } else {
            gap = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn diacritics_case_and_punctuation_fold_away() {
        for text in [
            "bo de",
            "Bo De",
            "bồ đề",
            "BỒ ĐỀ",
            "Bồ  Đề",
            "bo-de",
            "Bo\u{0302}\u{0300} \u{0110}e\u{0302}\u{0300}",
        ] {
            assert_eq!(fold(text), "bo de", "{text:?}");
        }
        assert_eq!(fold("Nguyễn Văn A"), "nguyen van a");
        assert_eq!(fold("06-CT/QU"), "06 ct qu");
        assert_eq!(fold("Ủy ban nhân dân phường Ngọc Thụy"), "uy ban nhan dan phuong ngoc thuy");
        assert_eq!(fold(""), "");
    }
}
