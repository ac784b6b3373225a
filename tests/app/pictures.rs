//! Pictures of every scene, taken the way the docs take them (Xvfb + lavapipe), judged by
//! what a person would see. The PNGs stay under the target folder to be looked at.

use crate::support::{
    Picture, glade_flat, luminance, picture_dir, respite, screenshot, shipped_scenes, stderr,
};

#[test]
fn every_scene_draws_a_real_picture() {
    for scene in shipped_scenes() {
        let picture = if scene == "forest_glade" {
            glade_flat()
        } else {
            &screenshot(&scene, "flat", &[]).1
        };
        assert_eq!((picture.width, picture.height), (640, 360), "{scene}");
        let spread = picture.luminance_spread();
        assert!(
            spread > 20.0,
            "{scene}: luminance spread {spread} — nearly blank"
        );
        let flat = picture.largest_flat_share();
        assert!(
            flat < 0.25,
            "{scene}: one colour covers {:.0}% of the picture",
            flat * 100.0
        );
        let colours = picture.distinct_colours();
        assert!(colours > 2_000, "{scene}: only {colours} distinct colours");
    }
}

#[test]
fn forest_glade_has_sky_above_trees_around_and_green_ground_below() {
    let p = glade_flat();
    // Sky: the top strip is bright and blue-leaning.
    let [r, g, b] = p.mean(0.0, 0.0, 1.0, 0.08);
    assert!(b > r && b > 150.0, "top strip is not sky: {:?}", [r, g, b]);
    // Ground: the bottom strip is grass, green above red and blue.
    let [r, g2, b2] = p.mean(0.0, 0.85, 1.0, 1.0);
    assert!(
        g2 > r + 10.0 && g2 > b2 + 20.0,
        "bottom strip is not grass: {:?}",
        [r, g2, b2]
    );
    // Trees: the band just above the horizon holds dark green foliage all round.
    let foliage = p.share(0.0, 0.25, 1.0, 0.5, |[r, g, b]| {
        g > r && g > b && luminance([r, g, b]) < 110.0
    });
    // Measured 20% for the shipped glade; a clearing without trees scores near 0.
    assert!(
        foliage > 0.12,
        "only {:.0}% dark foliage at the horizon",
        foliage * 100.0
    );
    // Flowers: some bright, non-green specks in the grass near the viewer.
    let petals = p.share(0.0, 0.7, 1.0, 1.0, |[r, g, b]| {
        (r > 200 && b > 150) || (r > 200 && g > 180 && b < 120)
    });
    assert!(petals > 0.0005, "no flowers near the viewer ({petals})");
    let _ = g;
}

/// The pacer follows a breath heard from a recording (`respite screenshot --breath
/// file:WAV`: the recording heard up to half a second before the moment at once, then
/// frame by frame at the picture's clock): pictured as a breath out ends, the orb is small
/// and dim; as the next breath in ends, full and bright. The moments come from the
/// detector's own reading of the file (`respite breathing`).
#[test]
fn the_pacer_swells_with_the_patients_breath_in_and_fades_with_the_breath_out() {
    crate::support::require_display();
    let dir = picture_dir();
    let wav = dir.join("breath-12.wav");
    crate::support::synthesise_breath(&wav, 12, 40, false);
    let read = respite()
        .args(["breathing", "--wav"])
        .arg(&wav)
        .output()
        .unwrap();
    assert!(read.status.success(), "{}", stderr(&read));
    let table = String::from_utf8_lossy(&read.stdout).into_owned();
    let breaths: Vec<(f64, f64, String)> = table
        .lines()
        .skip(1)
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            Some((
                c.first()?.parse().ok()?,
                c.get(1)?.parse().ok()?,
                c.get(2)?.to_string(),
            ))
        })
        .collect();
    // The first breath out after 15 s that a breath in follows (by then in and out are told
    // apart).
    let i = (0..breaths.len() - 1)
        .find(|&i| breaths[i].0 > 15.0 && breaths[i].2 == "exhale" && breaths[i + 1].2 == "inhale")
        .unwrap_or_else(|| panic!("no breath out then in after 15 s:\n{table}"));
    let (out_end, in_end) = (breaths[i].1, breaths[i + 1].1);
    let picture = |name: &str, at_s: f64| {
        let path = dir.join(format!("pacer-{name}.png"));
        let _ = std::fs::remove_file(&path);
        let lead = format!("{:.3}", at_s - 0.5);
        let breath = format!("file:{}", wav.display());
        let out = respite()
            .args(["screenshot", "--scene", "forest_glade", "--size", "640x360"])
            .args([
                "--frames",
                "30",
                "--breath",
                &breath,
                "--breath-at",
                &lead,
                "--out",
            ])
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        Picture::load(&path)
    };
    let (exhaled, inhaled) = (picture("exhaled", out_end), picture("inhaled", in_end));
    // The orb: warm white, at the middle of the view, a little below the eyes (about 14 px
    // across at 640×360 breathed in).
    let orb = |p: &Picture| {
        p.share(0.45, 0.5, 0.55, 0.7, |[r, g, b]| {
            // Measured (198, 186, 160) at its full swell; the grass around it is green-led.
            r > 185 && b > 140 && r >= g && g >= b
        })
    };
    let (small, full) = (orb(&exhaled), orb(&inhaled));
    assert!(
        full > 0.05 && full > 3.0 * small,
        "the orb covers {:.2}% breathed in, {:.2}% breathed out (out ends {out_end} s, in \
         ends {in_end} s)",
        full * 100.0,
        small * 100.0
    );
}
