//! How loud the soundscape plays. `Fixed` uses the scene's `master_db`. `AboveAmbient`
//! needs the room's noise level (dB SPL, entered by the therapist) and what the headphones
//! play for a full-scale signal (dB SPL at 0 dBFS RMS); the mix then sits the chosen number
//! of dB above the room. Both numbers and the result are kept for the session record.

use crate::scene::{LevelMode, Soundscape};

/// The room and the headphones, as measured for this session.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Room {
    /// The room's noise level, dB SPL.
    pub ambient_db_spl: f32,
    /// What the headphones play for a 0 dBFS RMS signal, dB SPL (their calibration).
    pub headphones_db_spl: f32,
}

/// The level a session plays at, and how it was chosen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResolvedLevel {
    /// Mix level, dBFS RMS.
    pub dbfs: f32,
    /// Mix level at the ear, dB SPL, when the headphones' calibration is known.
    pub spl: Option<f32>,
    pub room: Option<Room>,
    pub mode: LevelMode,
}

/// The loudest a mix may be set: the limiter needs headroom above it.
pub const LOUDEST_DBFS: f32 = -6.0;

impl ResolvedLevel {
    pub fn resolve(sound: &Soundscape, room: Option<Room>) -> Result<ResolvedLevel, String> {
        let dbfs = match (sound.level_mode, room) {
            (LevelMode::Fixed, _) => sound.master_db,
            (LevelMode::AboveAmbient { db }, Some(r)) => {
                r.ambient_db_spl + db - r.headphones_db_spl
            }
            (LevelMode::AboveAmbient { db }, None) => {
                return Err(format!(
                    "this scene plays {db} dB above the room's noise: give --ambient-db (the room, \
                     dB SPL) and --headphones-db (dB SPL the headphones play at 0 dBFS)"
                ));
            }
        };
        if dbfs > LOUDEST_DBFS {
            return Err(format!(
                "the soundscape would need {dbfs:.1} dBFS, above the {LOUDEST_DBFS} dBFS limit: \
                 the headphones are too quiet for this room (check --headphones-db)"
            ));
        }
        Ok(ResolvedLevel {
            dbfs,
            spl: room.map(|r| r.headphones_db_spl + dbfs),
            room,
            mode: sound.level_mode,
        })
    }

    /// One line for the log and the session record.
    pub fn describe(&self) -> String {
        let mode = match self.mode {
            LevelMode::Fixed => "fixed".to_string(),
            LevelMode::AboveAmbient { db } => format!("{db:+.1} dB above ambient"),
        };
        match (self.room, self.spl) {
            (Some(r), Some(spl)) => format!(
                "{mode}: ambient {:.1} dB SPL, headphones {:.1} dB SPL at 0 dBFS → mix {:.1} dBFS = {spl:.1} dB SPL",
                r.ambient_db_spl, r.headphones_db_spl, self.dbfs
            ),
            _ => format!("{mode}: mix {:.1} dBFS", self.dbfs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sound(mode: LevelMode) -> Soundscape {
        Soundscape {
            master_db: -24.0,
            level_mode: mode,
            beds: Vec::new(),
            emitters: Vec::new(),
        }
    }

    #[test]
    fn above_ambient_sits_the_given_db_above_the_room() {
        let room = Room {
            ambient_db_spl: 45.0,
            headphones_db_spl: 95.0,
        };
        let l = ResolvedLevel::resolve(&sound(LevelMode::AboveAmbient { db: 5.0 }), Some(room))
            .unwrap();
        assert_eq!(l.dbfs, -45.0);
        assert_eq!(l.spl, Some(50.0));
        assert!(
            l.describe().contains("ambient 45.0 dB SPL"),
            "{}",
            l.describe()
        );
    }

    #[test]
    fn above_ambient_without_a_room_says_which_flags_to_give() {
        let e =
            ResolvedLevel::resolve(&sound(LevelMode::AboveAmbient { db: 5.0 }), None).unwrap_err();
        assert!(
            e.contains("--ambient-db") && e.contains("--headphones-db"),
            "{e}"
        );
    }

    #[test]
    fn a_level_past_the_limiter_headroom_is_refused() {
        let room = Room {
            ambient_db_spl: 70.0,
            headphones_db_spl: 72.0,
        };
        assert!(
            ResolvedLevel::resolve(&sound(LevelMode::AboveAmbient { db: 5.0 }), Some(room))
                .is_err()
        );
    }

    #[test]
    fn fixed_uses_the_scene_level() {
        assert_eq!(
            ResolvedLevel::resolve(&sound(LevelMode::Fixed), None)
                .unwrap()
                .dbfs,
            -24.0
        );
    }
}
