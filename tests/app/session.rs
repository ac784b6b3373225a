//! A run's shape as the operator sees it: it ends by itself after `--minutes`, gently.

use crate::support::{require_display, respite, stderr};
use std::time::Instant;

#[test]
fn a_timed_run_fades_out_and_exits_by_itself() {
    require_display();
    let started = Instant::now();
    let out = respite()
        .args([
            "run",
            "--display",
            "flat",
            "--minutes",
            "0.05",
            "--size",
            "480x270",
            "--no-ratings",
        ])
        .output()
        .unwrap();
    let took = started.elapsed().as_secs_f32();
    let err = stderr(&out);
    assert!(out.status.success(), "{:?}\n{err}", out.status);
    let up = err
        .find("time is up")
        .unwrap_or_else(|| panic!("no end of time logged:\n{err}"));
    let fade = err
        .find("closing (Planned); fading out over 3 s")
        .unwrap_or_else(|| panic!("no closing fade:\n{err}"));
    assert!(up < fade, "the fade must follow the end of time");
    // 7 s in the place, then the 3 s fade: never a cut straight to an exit.
    assert!(took >= 10.0, "run ended after {took:.1} s");
    // The glade's soundscape started at its level; with no sound card the session says so
    // and carries on (this machine has none; one with a card must be heard playing).
    assert!(err.contains("sound: fixed: mix -24.0 dBFS"), "{err}");
    if std::path::Path::new("/dev/snd").exists() {
        assert!(err.contains("sound: playing"), "{err}");
    } else {
        assert!(
            err.contains(
                "no audio device is playing the soundscape; the session continues without sound"
            ),
            "{err}"
        );
    }
}
