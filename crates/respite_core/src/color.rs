//! Colours as people write them: `"#5c8a34"` (sRGB hex), checked when the file is read.

use serde::{Deserialize, Deserializer, de};
use std::fmt;

/// An sRGB colour, 8 bits a channel, written `"#rrggbb"` in spec files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub [u8; 3]);

impl Rgb {
    pub fn parse(s: &str) -> Result<Self, String> {
        let hex = s
            .strip_prefix('#')
            .ok_or_else(|| format!("colour \"{s}\" must start with '#', like \"#5c8a34\""))?;
        if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(format!(
                "colour \"{s}\" must be '#' and six hex digits, like \"#5c8a34\""
            ));
        }
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|e| e.to_string());
        Ok(Self([byte(0)?, byte(2)?, byte(4)?]))
    }

    /// Channels as 0..=1 sRGB floats.
    pub fn to_f32(self) -> [f32; 3] {
        self.0.map(|c| f32::from(c) / 255.0)
    }

    /// Linear blend in sRGB space; `t` is clamped to 0..=1.
    pub fn lerp(self, other: Rgb, t: f32) -> Rgb {
        let t = t.clamp(0.0, 1.0);
        let mut out = [0u8; 3];
        for (i, o) in out.iter_mut().enumerate() {
            let a = f32::from(self.0[i]);
            let b = f32::from(other.0[i]);
            *o = (a + (b - a) * t).round().clamp(0.0, 255.0) as u8;
        }
        Rgb(out)
    }
}

impl fmt::Display for Rgb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.0[0], self.0[1], self.0[2])
    }
}

impl<'de> Deserialize<'de> for Rgb {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Rgb::parse(&s).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hex_and_rejects_malformed() {
        assert_eq!(Rgb::parse("#5c8a34"), Ok(Rgb([0x5c, 0x8a, 0x34])));
        assert_eq!(Rgb::parse("#FFFFFF"), Ok(Rgb([255, 255, 255])));
        assert!(Rgb::parse("5c8a34").is_err());
        assert!(Rgb::parse("#5c8a3").is_err());
        assert!(Rgb::parse("#5c8a3g").is_err());
    }

    #[test]
    fn lerp_hits_both_ends_and_middle() {
        let a = Rgb([0, 100, 200]);
        let b = Rgb([200, 100, 0]);
        assert_eq!(a.lerp(b, 0.0), a);
        assert_eq!(a.lerp(b, 1.0), b);
        assert_eq!(a.lerp(b, 0.5), Rgb([100, 100, 100]));
        assert_eq!(a.to_string(), "#0064c8");
    }
}
