//! Integration tests: the real `respite` binary, the files it reads and the pictures it
//! makes. One test crate on purpose: every test binary links all of Bevy.
//!
//! Tests that open a window need an X display; the README's test command provides one with
//! `xvfb-run`, and Mesa's software Vulkan (lavapipe) draws the frames.

mod cli;
mod comfort;
mod course;
mod display;
mod faults;
mod pictures;
mod places;
mod session;
mod sound;
mod study;
mod supervised;
mod support;
mod walking;
