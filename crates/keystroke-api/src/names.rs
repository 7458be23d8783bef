//! The rules for what people name: org slugs, and the names of keys and projects, checked alike
//! by the platform and, before any request, by the CLI.

use crate::secrets::holds_secret;

/// Whether `slug` can be an org's slug: 2 to 40 lowercase letters, digits and dashes, not
/// starting with a dash (it would read as a flag on a command line). The platform creates no
/// other, so the CLI can refuse any other before a request.
pub fn is_org_slug(slug: &str) -> bool {
    (2..=40).contains(&slug.len())
        && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
}

/// How [`is_org_slug`]'s rule reads in an error message.
pub const ORG_SLUG_RULE: &str = "slugs are 2 to 40 lowercase letters, digits and dashes, not starting with a dash";

/// Longest key or project name the platform accepts, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// Checks the name of a key or project (`what`: "API key", "project") the way the platform
/// does, so the CLI can refuse a bad one before any request: trimmed, not empty, at most
/// [`MAX_NAME_CHARS`] characters, no control characters, and no invisible or
/// direction-changing ones, which could make one name pass for another in a list.
pub fn check_name<'a>(what: &str, name: &'a str) -> Result<&'a str, String> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(format!("the {what} name must not be empty"));
    }
    let chars = trimmed.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(format!("the {what} name is {chars} characters long; the limit is {MAX_NAME_CHARS}"));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(format!("the {what} name must not contain control characters"));
    }
    if let Some(hidden) = trimmed.chars().find(|&c| is_invisible_or_bidi(c)) {
        return Err(format!(
            "the {what} name must not contain invisible or direction-changing characters (found U+{:04X})",
            hidden as u32
        ));
    }
    if let Some(none) = trimmed.chars().find(|&c| is_noncharacter(c)) {
        return Err(format!(
            "the {what} name has U+{:04X}, a code point Unicode keeps as no character at all",
            none as u32
        ));
    }
    if holds_secret(trimmed) {
        // A name is shown to everyone in the org, and in every list: never a place for a secret.
        return Err(format!(
            "the {what} name holds what looks like a secret (an API key or session token): a long run of letters \
             and digits, as a secret's; if it is none, break it with a space or a dash"
        ));
    }
    if !joiners_join(trimmed) {
        return Err(format!("the {what} name has a zero-width joiner that joins nothing"));
    }
    if !variations_vary(trimmed) {
        return Err(format!("the {what} name has a variation selector that changes nothing it follows"));
    }
    if !marks_sit_on_letters(trimmed) {
        return Err(format!(
            "the {what} name has an accent (a combining mark) with no letter under it, or more than three on one"
        ));
    }
    Ok(trimmed)
}

/// Variation selectors only right after a character of the kind each varies: Mongolian letters
/// for the Mongolian ones, CJK ideographs for the ideographic ones, emoji symbols and the digits,
/// `#` and `*` of keycaps (`1️⃣`) for text or emoji presentation, and for the standardized
/// variants the blocks that have them. Anywhere else (after a letter or a mark, a space, a joiner
/// or another selector) they change nothing on screen: `ab` and `a` + selector + `b`, or `café`
/// and `café` + selector, would look the same, and a name of selectors alone would look empty.
fn variations_vary(name: &str) -> bool {
    let mut before: Option<char> = None;
    name.chars().all(|c| {
        let varies = !is_variation_selector(c) || before.is_some_and(|base| is_varied_by(base, c));
        before = Some(c);
        varies
    })
}

fn is_variation_selector(c: char) -> bool {
    matches!(c, '\u{180B}'..='\u{180D}' | '\u{180F}' | '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}')
}

fn is_varied_by(base: char, selector: char) -> bool {
    let ideograph = matches!(base,
        '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{3FFFF}');
    match selector {
        '\u{180B}'..='\u{180F}' => matches!(base, '\u{1820}'..='\u{18AA}'),
        '\u{E0100}'..='\u{E01EF}' => ideograph,
        // Text or emoji presentation: keycaps, and the symbols drawn either way.
        '\u{FE0E}' | '\u{FE0F}' => matches!(base, '0'..='9' | '#' | '*') || is_emoji_symbol(base),
        // Standardized variants: mathematical operators, CJK and its fullwidth punctuation, the
        // slashed zero, Myanmar, Phags-pa, emoji symbols.
        _ => {
            ideograph
                || is_emoji_symbol(base)
                || matches!(base,
                    '0' | '\u{2200}'..='\u{22FF}' | '\u{2A00}'..='\u{2AFF}' | '\u{3001}' | '\u{3002}'
                    | '\u{FF01}'..='\u{FF1F}' | '\u{1000}'..='\u{109F}' | '\u{A9E0}'..='\u{A9FF}'
                    | '\u{AA60}'..='\u{AA7F}' | '\u{A840}'..='\u{A877}')
        }
    }
}

/// The blocks of the symbols that have an emoji and a text presentation (Unicode's emoji data,
/// by block rather than by character): ©, ®, ‼, ⁉, ™, ℹ, arrows, technical symbols, Ⓜ, geometric
/// shapes, dingbats and miscellaneous symbols, supplemental arrows, CJK marks, and the pictographs.
fn is_emoji_symbol(c: char) -> bool {
    matches!(c,
        '\u{A9}' | '\u{AE}' | '\u{203C}' | '\u{2049}' | '\u{2122}' | '\u{2139}' | '\u{2194}'..='\u{21AA}'
        | '\u{231A}'..='\u{23FF}' | '\u{24C2}' | '\u{25AA}'..='\u{27BF}' | '\u{2934}' | '\u{2935}'
        | '\u{2B05}'..='\u{2B55}' | '\u{3030}' | '\u{303D}' | '\u{3297}' | '\u{3299}' | '\u{1F000}'..='\u{1FAFF}')
}

/// Zero-width joiners (U+200C, U+200D) only between two visible characters, one of them beyond
/// ASCII, where emoji and scripts use them: elsewhere they change nothing on screen, and would
/// make `prod` and `pr` + joiner + `od` look the same.
fn joiners_join(name: &str) -> bool {
    let is_joiner = |c: char| matches!(c, '\u{200C}' | '\u{200D}');
    let visible = |c: Option<char>| c.filter(|&c| !is_joiner(c) && !c.is_whitespace() && !is_variation_selector(c));
    let chars: Vec<char> = name.chars().collect();
    chars.iter().enumerate().all(|(i, &c)| {
        // A selector before the joiner belongs to the character it varies (`🏳️‍🌈`).
        let before = visible(chars[..i].iter().rev().find(|&&before| !is_variation_selector(before)).copied());
        let after = visible(chars.get(i + 1).copied());
        !is_joiner(c) || matches!((before, after), (Some(b), Some(a)) if !b.is_ascii() || !a.is_ascii())
    })
}

/// Invisible characters that could make one name pass for another or break a table's lines:
/// Unicode's default-ignorable code points (zero-width spaces and marks, bidirectional controls,
/// fillers, Khmer's inherent vowels, shorthand and musical format controls, tag characters and
/// the unassigned ones kept for more), line and paragraph separators, interlinear annotation
/// marks and the blank braille cell, which shows as a space. Zero-width joiners and variation
/// selectors stay allowed, where they join or vary something ([`check_name`]): emoji sequences
/// and several scripts (Persian, Indic, CJK, Mongolian) need them.
pub fn is_invisible_or_bidi(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{180E}'
        | '\u{200B}' | '\u{200E}' | '\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{206F}'
        | '\u{2800}' | '\u{3164}' | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF0}'..='\u{FFFB}' | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{13430}'..='\u{1343F}' | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E00FF}' | '\u{E01F0}'..='\u{E0FFF}')
}

/// Unicode's 66 noncharacters (U+FDD0 to U+FDEF, and the last two code points of every plane),
/// which no text holds: a font shows them as boxes, if at all, and a program may use them as
/// markers of its own.
fn is_noncharacter(c: char) -> bool {
    matches!(c, '\u{FDD0}'..='\u{FDEF}') || (c as u32) & 0xFFFE == 0xFFFE
}

/// The combining marks that sit on a letter before them: diacritics (`e` + U+0301 is `é`), in the
/// blocks that hold them for Latin, Greek and Cyrillic, and for symbols. (Marks of other scripts,
/// Indic vowel signs or Hebrew points, are not counted: they are written stacked.)
fn is_combining_diacritic(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}' | '\u{0483}'..='\u{0489}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

/// Diacritics on a letter, and few at a time: one at the start or after a space shows as blank
/// or overlaps what comes before it in a table, one on a digit, a dash or an emoji is no accent
/// any script writes, and dozens stacked on one letter spill over the rows above and below.
/// Vietnamese stacks two (`ệ` decomposed); three is the most allowed. The marks made for symbols
/// (U+20D0 to U+20FF: a keycap's, an enclosing circle) sit on anything but a space.
fn marks_sit_on_letters(name: &str) -> bool {
    const MOST_STACKED: usize = 3;
    let mut base: Option<char> = None;
    let mut stacked = 0;
    for c in name.chars() {
        if !is_combining_diacritic(c) {
            (base, stacked) = (Some(c), 0);
            continue;
        }
        stacked += 1;
        let for_symbols = matches!(c, '\u{20D0}'..='\u{20FF}');
        let sits = |base: char| if for_symbols { !base.is_whitespace() } else { base.is_alphabetic() };
        if !base.is_some_and(sits) || stacked > MOST_STACKED {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_bounded_and_visible() {
        assert_eq!(check_name("API key", "  Production automation ").unwrap(), "Production automation");
        assert_eq!(check_name("API key", "Déploiement 🚀 東京").unwrap(), "Déploiement 🚀 東京");
        assert!(check_name("API key", &"é".repeat(MAX_NAME_CHARS)).is_ok());
        // Joiners are part of emoji sequences and of Persian and Indic writing.
        assert!(check_name("API key", "Family 👨\u{200D}👩\u{200D}👧").is_ok());
        assert!(check_name("API key", "می\u{200C}خواهم").is_ok());
        // Variation selectors after what they vary: an emoji, a keycap, a CJK ideograph.
        assert!(check_name("API key", "Love ❤\u{FE0F}, key 1\u{FE0F}\u{20E3}, 葛\u{E0100}, ©\u{FE0F}").is_ok());
        assert!(check_name("API key", "Rainbow 🏳\u{FE0F}\u{200D}🌈, ᠠ\u{180B}, ⛰\u{FE0E}").is_ok());
        // Standardized variants: a slashed zero, fullwidth punctuation, a mathematical operator.
        assert!(check_name("API key", "0\u{FE00}1\u{FF0C}\u{FE01} \u{2269}\u{FE00}").is_ok());
        // Accents written as combining marks: one, or two stacked (Vietnamese), on a letter; a
        // symbol's mark on a symbol.
        assert!(check_name("API key", "cafe\u{301} Vie\u{323}\u{302}t").is_ok());
        assert!(check_name("API key", "★\u{20DD} Ω\u{301} ж\u{308}").is_ok());
        for bad in [
            "   ",
            &"x".repeat(MAX_NAME_CHARS + 1),
            "a\tb",
            "a\u{7f}b",
            "a\u{200B}b",
            "a\u{202E}b",
            "\u{FEFF}a",
            "a\u{2028}b",
            "a\u{3164}b",
            "\u{2800}",
            "a\u{E0041}b",
            "\u{200D}",
            "prod\u{200D}",
            "a \u{200C}b",
            "a\u{200D}\u{200D}b",
            // Variation selectors alone, after ASCII letters, spaces or one another.
            "\u{FE0F}",
            "a\u{FE0F}b",
            "❤ \u{FE0F}",
            "❤\u{FE0F}\u{FE0F}",
            "a\u{E0100}",
            "café\u{FE0F}",
            "é\u{E0100}",
            "prod\u{200D}\u{FE0F}",
            "a\u{200D}\u{FE0F}b",
            "a\u{180B}",
            "cafe\u{301}\u{FE0F}",
            "key \u{661}\u{FE0F}",
            "a\u{2013}\u{FE0F}b",
            // Default-ignorable code points beyond the common ones.
            "\u{17B4}",
            "a\u{1D173}b",
            "a\u{1BCA0}",
            "a\u{2065}b",
            "a\u{E01F0}b",
            "pr\u{200D}od",
            // Format characters of Egyptian hieroglyphs, zero-width elsewhere; accents on nothing,
            // or stacked past three.
            "pr\u{13430}od",
            "\u{301}\u{301}",
            "\u{301}key",
            "a\u{301}\u{301}\u{301}\u{301}",
            "a \u{301}b",
            "a\u{489}\u{489}\u{489}\u{489}",
            // Accents on no letter: a digit, a dash, an emoji; a symbol's mark after a space.
            "1\u{301}",
            "a-\u{301}",
            "😀\u{301}",
            "a \u{20DD}",
            "prod kss_24k1601LrjV34mlBAhKHCrUMf2PGZj5822VPA6",
            "key_test_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            // Noncharacters.
            "a\u{FFFF}",
            "\u{FFFE}b",
            "a\u{FDD0}b",
            "a\u{10FFFF}",
        ] {
            assert!(check_name("API key", bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            check_name("API key", "old key_live_6JtBE4DQdPldl6qkVb8HguBtFP2zFjUd4DmK7Q").unwrap_err(),
            "the API key name holds what looks like a secret (an API key or session token): a long run of letters and \
             digits, as a secret's; if it is none, break it with a space or a dash"
        );
        assert_eq!(
            check_name("API key", "a\u{FFFF}").unwrap_err(),
            "the API key name has U+FFFF, a code point Unicode keeps as no character at all"
        );
        // Private use characters are characters (icon fonts map them).
        assert!(check_name("API key", "deploy \u{E000}").is_ok());
        // The prefixes alone are words a name may use.
        assert!(check_name("API key", "kss_ migration, key_live_ rotation").is_ok());
    }
}
