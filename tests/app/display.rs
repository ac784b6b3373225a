//! Display selection with the real binary: no runtime here, so `auto` must fall back to the
//! window with a notice, `xr` must refuse clearly, and `flat` must never touch OpenXR.

use crate::support::{glade_flat, require_display, respite, screenshot, stderr};

/// A runtime manifest path that does not exist: the loader finds no runtime.
const MISSING_RUNTIME: (&str, &str) = ("XR_RUNTIME_JSON", "/nonexistent/openxr/runtime.json");

#[test]
fn xr_demanded_without_a_runtime_exits_3_and_says_why() {
    require_display();
    let out = respite()
        .args(["run", "--display", "xr", "--minutes", "0.05"])
        .env(MISSING_RUNTIME.0, MISSING_RUNTIME.1)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("--display xr was asked for, but no headset is available: XR_RUNTIME_JSON names /nonexistent/openxr/runtime.json, which does not exist"),
        "{err}"
    );
}

#[test]
fn auto_without_a_runtime_shows_the_same_place_in_the_window_with_a_notice() {
    let (out, auto) = screenshot("forest_glade", "auto", &[MISSING_RUNTIME]);
    let err = stderr(&out);
    assert!(
        err.contains("no headset answered (XR_RUNTIME_JSON names /nonexistent/openxr/runtime.json, which does not exist); showing the scene in the window"),
        "{err}"
    );
    let flat = glade_flat();
    // The notice sits top-centre, a dark panel over the bright sky.
    let notice_auto = auto.mean(0.3, 0.08, 0.7, 0.2);
    let notice_flat = flat.mean(0.3, 0.08, 0.7, 0.2);
    let darker = notice_flat.iter().sum::<f32>() / 3.0 - notice_auto.iter().sum::<f32>() / 3.0;
    assert!(
        darker > 40.0,
        "notice panel not visible: flat {notice_flat:?} vs auto {notice_auto:?}"
    );
    // Below the notice the picture is the flat one: the same place in both arms of a study.
    let rest = auto.difference(flat, 0.0, 0.5, 1.0, 1.0);
    assert!(
        rest < 2.0,
        "the lower picture differs from flat by {rest} per channel"
    );
}

#[test]
fn flat_never_loads_openxr() {
    // Point the loader at a runtime that would log loudly if anything asked for it.
    let (out, _) = screenshot("forest_glade", "flat", &[MISSING_RUNTIME]);
    let err = stderr(&out).to_lowercase();
    assert!(!err.contains("openxr"), "flat mode touched OpenXR:\n{err}");
    assert!(
        err.contains("display: flat window (requested flat)"),
        "{err}"
    );
}
