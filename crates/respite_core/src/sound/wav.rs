//! 16-bit PCM WAV files, written under a temporary name and renamed, so a reader never
//! sees half a file.

use std::io::Write;
use std::path::Path;

/// Writes interleaved stereo samples (−1..1; anything beyond is clamped) as 16-bit PCM.
pub fn write_stereo(path: &Path, sample_rate: u32, samples: &[f32]) -> std::io::Result<()> {
    write_pcm16(path, sample_rate, 2, samples)
}

/// Writes `channels` interleaved channels as 16-bit PCM, under a temporary name and renamed.
fn write_pcm16(
    path: &Path,
    sample_rate: u32,
    channels: u16,
    samples: &[f32],
) -> std::io::Result<()> {
    let block = 2 * channels;
    let data_len = (samples.len() * 2) as u32;
    let mut bytes = Vec::with_capacity(44 + samples.len() * 2);
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(36 + data_len).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes()); // PCM
    bytes.extend_from_slice(&channels.to_le_bytes());
    bytes.extend_from_slice(&sample_rate.to_le_bytes());
    bytes.extend_from_slice(&(sample_rate * u32::from(block)).to_le_bytes());
    bytes.extend_from_slice(&block.to_le_bytes());
    bytes.extend_from_slice(&16u16.to_le_bytes());
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        let v = (s.clamp(-1.0, 1.0) * 32767.0).round() as i16;
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    let tmp = path.with_extension("wav.partial");
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(&bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)
}

/// Reads back what `write_stereo` wrote (for tests and checks).
pub fn read_stereo(path: &Path) -> std::io::Result<(u32, Vec<f32>)> {
    let bytes = std::fs::read(path)?;
    let bad = || {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "not a 16-bit stereo PCM WAV",
        )
    };
    if bytes.len() < 44 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(bad());
    }
    let rate = u32::from_le_bytes([bytes[24], bytes[25], bytes[26], bytes[27]]);
    let samples = bytes[44..]
        .chunks_exact(2)
        .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32767.0)
        .collect();
    Ok((rate, samples))
}

/// Writes mono samples (−1..1; anything beyond is clamped) as 16-bit PCM, whole or not at
/// all.
pub fn write_mono(path: &Path, sample_rate: u32, samples: &[f32]) -> std::io::Result<()> {
    write_pcm16(path, sample_rate, 1, samples)
}

/// The most a WAV given to the app may hold: an hour of 48 kHz stereo 16-bit.
pub const MAX_WAV_BYTES: u64 = 48_000 * 2 * 2 * 3_600;

/// Reads any 16-bit PCM or 32-bit float WAV (mono or more channels, mixed down to one),
/// walking its chunks: (sample rate, samples). The error says what is wrong with it.
pub fn read_mono(path: &Path) -> Result<(u32, Vec<f32>), String> {
    let name = path.display();
    let size = std::fs::metadata(path)
        .map_err(|e| format!("{name}: {e}"))?
        .len();
    if size > MAX_WAV_BYTES {
        return Err(format!(
            "{name}: {size} bytes; at most {MAX_WAV_BYTES} (an hour of 48 kHz stereo)"
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{name}: {e}"))?;
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(format!("{name}: not a WAV file (no RIFF/WAVE header)"));
    }
    let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]);
    let u32_at =
        |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    let mut at = 12;
    let mut format: Option<(u16, u16, u32, u16)> = None;
    let mut extensible: Option<u16> = None;
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let len = u32_at(at + 4) as usize;
        let body = at + 8;
        // A data length of 0 is a streaming writer's placeholder: the data runs to the end.
        let end = if len == 0 && id == b"data" {
            bytes.len()
        } else {
            body.saturating_add(len).min(bytes.len())
        };
        if id == b"fmt " {
            if len < 16 || body + 16 > bytes.len() {
                return Err(format!("{name}: its format chunk is cut short"));
            }
            format = Some((
                u16_at(body),
                u16_at(body + 2),
                u32_at(body + 4),
                u16_at(body + 14),
            ));
            extensible = (len >= 26 && body + 26 <= bytes.len()).then(|| u16_at(body + 24));
        } else if id == b"data" {
            let Some((tag, channels, rate, bits)) = format else {
                return Err(format!("{name}: sound data before its format chunk"));
            };
            // 0xFFFE is WAVE_FORMAT_EXTENSIBLE: its sub-format's first two bytes (at 24 in
            // the format chunk) say PCM (1) or float (3).
            let tag = if tag == 0xFFFE {
                extensible.unwrap_or(0)
            } else {
                tag
            };
            let float = match (tag, bits) {
                (1, 16) => false,
                (3, 32) => true,
                _ => {
                    return Err(format!(
                        "{name}: format {tag} with {bits}-bit samples; give 16-bit PCM or 32-bit float"
                    ));
                }
            };
            if channels == 0 || channels > 8 {
                return Err(format!("{name}: {channels} channels; give 1 to 8"));
            }
            if !(8_000..=192_000).contains(&rate) {
                return Err(format!("{name}: {rate} Hz; give 8 000 to 192 000"));
            }
            let width = usize::from(bits / 8) * usize::from(channels);
            let samples = bytes[body..end]
                .chunks_exact(width)
                .map(|frame| {
                    let sum: f32 = frame
                        .chunks_exact(usize::from(bits / 8))
                        .map(|b| {
                            if float {
                                let v = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                                if v.is_finite() { v } else { 0.0 }
                            } else {
                                f32::from(i16::from_le_bytes([b[0], b[1]])) / 32767.0
                            }
                        })
                        .sum();
                    sum / f32::from(channels)
                })
                .collect();
            return Ok((rate, samples));
        }
        // Chunks are padded to an even length.
        at = body.saturating_add(len + (len & 1));
    }
    Err(format!("{name}: no sound data (no data chunk)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mono_wav_reads_back_and_a_bad_one_is_named_with_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("breath.wav");
        write_mono(&p, 16_000, &[0.0, 0.5, -0.5, 2.0]).unwrap();
        let (rate, s) = read_mono(&p).unwrap();
        assert_eq!(rate, 16_000);
        assert_eq!(s.len(), 4);
        assert!((s[1] - 0.5).abs() < 1e-4 && (s[3] - 1.0).abs() < 1e-4);
        // Stereo is mixed down to one channel.
        let st = dir.path().join("st.wav");
        write_stereo(&st, 48_000, &[0.5, -0.5, 0.25, 0.25]).unwrap();
        let (rate, s) = read_mono(&st).unwrap();
        assert_eq!((rate, s.len()), (48_000, 2));
        assert!(s[0].abs() < 1e-4 && (s[1] - 0.25).abs() < 1e-4);
        // Not a WAV; cut short; 8-bit.
        let junk = dir.path().join("junk.wav");
        std::fs::write(&junk, b"hello").unwrap();
        let e = read_mono(&junk).unwrap_err();
        assert!(e.contains("junk.wav") && e.contains("not a WAV"), "{e}");
        let mut cut = std::fs::read(&p).unwrap();
        cut.truncate(30);
        std::fs::write(&junk, &cut).unwrap();
        let e = read_mono(&junk).unwrap_err();
        assert!(e.contains("cut short"), "{e}");
        let mut eight = std::fs::read(&p).unwrap();
        eight[34] = 8;
        std::fs::write(&junk, &eight).unwrap();
        let e = read_mono(&junk).unwrap_err();
        assert!(e.contains("8-bit"), "{e}");
        // A streaming writer's data length of 0: the samples run to the end of the file.
        let mut open_ended = std::fs::read(&p).unwrap();
        open_ended[40..44].copy_from_slice(&0u32.to_le_bytes());
        std::fs::write(&junk, &open_ended).unwrap();
        assert_eq!(read_mono(&junk).unwrap().1.len(), 4);
    }
}
