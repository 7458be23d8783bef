//! The checksum at the end of every secret, here so that the platform (which mints and checks
//! secrets) and every redaction (which must know one even without its prefix) share it.
//!
//! A secret is a prefix, [`SECRET_RANDOM_CHARS`] random base62 characters, then
//! [`SECRET_CHECKSUM_CHARS`] base62 characters of the CRC-32 (IEEE) of the random part.

/// The alphabet of secrets and public ids.
pub const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
pub const SECRET_RANDOM_CHARS: usize = 32;
pub const SECRET_CHECKSUM_CHARS: usize = 6;

/// CRC-32 (IEEE, reflected) one byte at a time: 38 bytes a check, too few to want more.
const CRC32_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
};

fn crc32(bytes: &[u8]) -> u32 {
    !bytes.iter().fold(!0u32, |crc, &byte| (crc >> 8) ^ CRC32_TABLE[((crc ^ byte as u32) & 0xFF) as usize])
}

/// The checksum characters of a secret's random part.
pub fn secret_checksum(random_part: &str) -> [u8; SECRET_CHECKSUM_CHARS] {
    let mut value = crc32(random_part.as_bytes()) as u64;
    let mut digits = [b'0'; SECRET_CHECKSUM_CHARS];
    for digit in digits.iter_mut().rev() {
        *digit = BASE62[(value % 62) as usize];
        value /= 62;
    }
    digits
}

/// Whether `body` is what follows a secret's prefix: random characters and the checksum that
/// matches them. One string in 62⁶ (about 57 billion) of the right length passes by chance.
pub fn is_secret_body(body: &str) -> bool {
    body.len() == SECRET_RANDOM_CHARS + SECRET_CHECKSUM_CHARS
        && body.bytes().all(|b| b.is_ascii_alphanumeric())
        && secret_checksum(&body[..SECRET_RANDOM_CHARS]) == body.as_bytes()[SECRET_RANDOM_CHARS..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_crc_is_crc32_ieee() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926, "the standard check value");
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn a_secret_minted_before_this_module_still_checks() {
        // The body of a key made by an earlier platform, whose checksum came from `crc32fast`.
        assert!(is_secret_body("HfnUMvGbIunCmfLtXD5yRTBaYTCgZVCu0lPZhC"));
        assert!(!is_secret_body("HfnUMvGbIunCmfLtXD5yRTBaYTCgZVCu0lPZhD"), "one character changed");
        assert!(!is_secret_body("HfnUMvGbIunCmfLtXD5yRTBaYTCgZVCu0lPZh"), "one character short");
    }
}
