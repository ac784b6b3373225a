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
        .find("closing; fading out over 3 s")
        .unwrap_or_else(|| panic!("no closing fade:\n{err}"));
    assert!(up < fade, "the fade must follow the end of time");
    // 3 s in the place, then the 3 s fade: never a cut straight to an exit.
    assert!(took >= 6.0, "run ended after {took:.1} s");
}
