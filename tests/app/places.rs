//! What a person sees in each of the other places, checked on the picture.

use crate::support::{luminance, screenshot};

#[test]
fn beach_sunset_has_a_warm_sky_over_the_sea_and_sand_below() {
    let p = screenshot("beach_sunset", "flat", &[]).1;
    let [r, _, b] = p.mean(0.0, 0.0, 1.0, 0.3);
    assert!(r > b + 10.0, "the sky is not a sunset's: r {r} b {b}");
    // The sea just below the horizon is bluer than the sand at the bottom.
    let [sr, _, sb] = p.mean(0.0, 0.5, 1.0, 0.53);
    let [gr, _, gb] = p.mean(0.0, 0.85, 1.0, 1.0);
    assert!(
        sb / sr > gb / gr + 0.1,
        "no sea: sea b/r {} sand b/r {}",
        sb / sr,
        gb / gr
    );
}

#[test]
fn starry_night_has_stars_in_a_dark_sky_and_a_fire_before_the_viewer() {
    let p = screenshot("starry_night", "flat", &[]).1;
    let sky = p.mean(0.0, 0.0, 1.0, 0.1);
    assert!(
        luminance(sky.map(|c| c as u8)) < 70.0,
        "sky too bright for night: {sky:?}"
    );
    let stars = p.share(0.0, 0.0, 1.0, 0.3, |c| luminance(c) > 140.0);
    assert!(stars > 0.0005, "no stars ({stars})");
    let fire = p.share(0.35, 0.55, 0.65, 0.95, |[r, g, b]| {
        r > 200 && g > 110 && b < 140
    });
    assert!(fire > 0.002, "no firelight before the viewer ({fire})");
}

#[test]
fn snowy_valley_lies_under_pale_snow_and_mountain_lake_under_white_peaks() {
    let snow = screenshot("snowy_valley", "flat", &[]).1;
    let [r, g, b] = snow.mean(0.0, 0.8, 1.0, 1.0);
    assert!(
        luminance([r as u8, g as u8, b as u8]) > 110.0 && b >= r,
        "not snow: {:?}",
        [r, g, b]
    );
    let lake = screenshot("mountain_lake", "flat", &[]).1;
    let peaks = lake.share(0.0, 0.0, 1.0, 0.35, |c| luminance(c) > 190.0);
    assert!(peaks > 0.05, "no snowy peaks ({peaks})");
}
