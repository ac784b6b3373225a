// Everything in a scene that moves by itself, moved on the graphics card so the main thread
// does no per-frame work for it: plants in the wind, drifting particles, the aurora, water,
// rings where fish rise, and flames. One material, one `mode` per use.
//
// The particle formulas are twins of `respite_core::particles` (Rust), term for term: the
// comfort tests run there.

#import bevy_pbr::{
    mesh_functions,
    forward_io::{Vertex, VertexOutput, FragmentOutput},
    view_transformations::position_world_to_clip,
    mesh_view_bindings::{view, globals},
    pbr_fragment::pbr_input_from_standard_material,
    pbr_functions::{apply_pbr_lighting, main_pass_post_lighting_processing},
    pbr_types::STANDARD_MATERIAL_FLAGS_UNLIT_BIT,
}

const SWAY: u32 = 0u;
const PARTICLES: u32 = 1u;
const AURORA: u32 = 2u;
const WATER: u32 = 3u;
const RIPPLE: u32 = 4u;
const FLAME: u32 = 5u;

const TAU: f32 = 6.2831853;

struct Living {
    mode: u32,
    // Particles: motion (0 fall, 1 wander, 2 veil, 3 rise); fireflies pulse when `pulse` is 1.
    motion: u32,
    pulse: u32,
    flutter: u32,
    // Sway: (strength m per m of height, wind x, wind z, -)
    // Particles: (speed, lowest, highest, size)
    // Water: (swell height, swell length, travel x, travel z)
    a: vec4<f32>,
    // Water: (mirror 0-1, foam 0/1, -, -). Ripple: (ring seconds, ring metres, -, -).
    b: vec4<f32>,
    // Water: shallow and deep colours (linear).
    shallow: vec4<f32>,
    deep: vec4<f32>,
    // Water: sky colours seen in the surface at the horizon and overhead (linear).
    horizon: vec4<f32>,
    zenith: vec4<f32>,
}

@group(#{MATERIAL_BIND_GROUP}) @binding(100) var<uniform> living: Living;

fn sway_amount(m: u32) -> f32 {
    switch m {
        case 0u: { return 0.35; }
        case 1u: { return 0.45; }
        case 2u: { return 3.0; }
        default: { return 0.15; }
    }
}

// respite_core::particles::position
fn particle_position(home: vec3<f32>, p: f32, t: f32) -> vec3<f32> {
    let speed = living.a.x;
    let lo = living.a.y;
    let hi = living.a.z;
    let span = max(hi - lo, 0.1);
    let sway = sway_amount(living.motion);
    switch living.motion {
        case 0u: {
            let f = fract(p + (hi - home.y) / span + t * speed / span);
            return vec3(home.x + sway * sin(t * 0.7 + p * 40.0), hi - f * span,
                        home.z + sway * cos(t * 0.6 + p * 31.0));
        }
        case 1u: {
            let w = 0.2 + speed;
            return vec3(home.x + sway * sin(t * w * 0.9 + p * 50.0),
                        home.y + sway * 0.5 * sin(t * w * 0.7 + p * 20.0),
                        home.z + sway * cos(t * w * 1.1 + p * 70.0));
        }
        case 2u: {
            return vec3(home.x + sway * sin(t * 0.04 * (1.0 + speed) + p * 10.0), home.y,
                        home.z + sway * cos(t * 0.03 * (1.0 + speed) + p * 17.0));
        }
        default: {
            let f = fract(p + t * speed / span);
            return vec3(home.x + sway * sin(t * 1.3 + p * 40.0), lo + f * span,
                        home.z + sway * cos(t * 1.1 + p * 23.0));
        }
    }
}

// respite_core::particles::glow
fn particle_glow(y: f32, p: f32, t: f32) -> f32 {
    if living.pulse == 1u {
        let period = 4.0 + 4.0 * fract(p * 7.31);
        let s = max(sin(TAU * (t / period + p)), 0.0);
        return s * s;
    }
    if living.motion == 0u || living.motion == 3u {
        let f = (y - living.a.y) / max(living.a.z - living.a.y, 0.1);
        return smoothstep(0.0, 0.1, f) * (1.0 - smoothstep(0.85, 1.0, f));
    }
    return 1.0;
}

// Three swells: the main one and two shorter ones at angles, in deep-water speed.
fn swell(xz: vec2<f32>, t: f32) -> vec3<f32> {
    let h = living.a.x * 0.5;
    let len = living.a.y;
    let d0 = normalize(living.a.zw + vec2(1e-5, 0.0));
    let c = cos(0.45);
    let s = sin(0.45);
    let d1 = vec2(d0.x * c - d0.y * s, d0.x * s + d0.y * c);
    let d2 = vec2(d0.x * c + d0.y * s, -d0.x * s + d0.y * c);
    var height = 0.0;
    var grad = vec2(0.0);
    let dirs = array<vec2<f32>, 3>(d0, d1, d2);
    let lens = array<f32, 3>(len, len * 0.61, len * 0.37);
    let amps = array<f32, 3>(h, h * 0.35, h * 0.2);
    for (var i = 0u; i < 3u; i++) {
        let k = TAU / lens[i];
        let w = sqrt(9.81 * k);
        let phase = k * dot(dirs[i], xz) - w * t + f32(i) * 1.7;
        height += amps[i] * sin(phase);
        grad += amps[i] * k * cos(phase) * dirs[i];
    }
    return vec3(height, grad);
}

@vertex
fn vertex(vertex: Vertex) -> VertexOutput {
    var out: VertexOutput;
    let t = globals.time;
    let world_from_local = mesh_functions::get_world_from_local(vertex.instance_index);
    var world = (world_from_local * vec4(vertex.position, 1.0)).xyz;
    var normal = mesh_functions::mesh_normal_local_to_world(vertex.normal, vertex.instance_index);
    var color = vec4(1.0);
#ifdef VERTEX_COLORS
    color = vertex.color;
#endif
    var uv = vec2(0.0);
#ifdef VERTEX_UVS_A
    uv = vertex.uv;
#endif

    switch living.mode {
        case SWAY: {
            // Sway: the higher up the plant, the further it leans; slow, with slow gusts.
            // The plants are merged into one mesh per piece of ground (`vegetation.rs`):
            // each corner's UV carries its plant's gust phase (from where its root stands)
            // and its lean (its height above the root squared, times the plant's height).
            // A mesh in this mode without UVs stands still.
            let phase = uv.x;
            let lean = uv.y;
            let gust = 0.6 + 0.4 * sin(t * 0.23 + phase * 0.3);
            let s = living.a.x * gust * (0.7 * sin(t * 1.1 + phase) + 0.3 * sin(t * 2.3 + phase * 1.7));
            world += vec3(living.a.y, 0.0, living.a.z) * s * lean;
        }
        case PARTICLES: {
            // Particles: the vertex holds its particle's home, the UV its corner.
            let p = color.a;
            let centre = particle_position(world, p, t);
            let glow = particle_glow(centre.y, p, t);
            var right = view.world_from_view[0].xyz;
            let up = view.world_from_view[1].xyz;
            if living.flutter == 1u {
                right *= 0.35 + 0.65 * abs(cos(t * 1.7 + p * 20.0));
            }
            var size = living.a.w * 0.5;
            if living.pulse == 0u {
                size *= glow;
            }
            world = centre + (right * uv.x + up * uv.y) * size;
            normal = -view.world_from_view[2].xyz;
            color = vec4(color.rgb, glow);
        }
        case AURORA: {
            // Aurora: curtains ripple slowly along their length.
            let along = uv.x;
            let fold = 14.0 * sin(along * 5.0 + t * 0.035) + 6.0 * sin(along * 13.0 - t * 0.05);
            world += normalize(world_from_local[2].xyz) * fold;
        }
        case WATER: {
            let w = swell(world.xz, t);
            // Swells die away in the last half metre of depth (`color.a` holds the depth) and
            // far out, where the sea's grid grows coarse: there the fragment shades them.
            let keep = smoothstep(0.0, 0.6, color.a) * (1.0 - smoothstep(50.0, 160.0, length(world.xz)));
            world.y += w.x * keep;
            normal = normalize(vec3(-w.y * keep, 1.0, -w.z * keep));
        }
        case RIPPLE: {
            // Rings spread from their spot (the vertex), fading as they go. The UV is the
            // corner's place on a unit ring; `color` holds (period, phase, edge).
            let period = color.r;
            let age = fract(t / period + color.g) * period;
            let grow = sqrt(clamp(age / living.b.x, 0.0, 1.0));
            world += vec3(uv.x, 0.0, uv.y) * max(grow * living.b.y, 0.001);
            let fade = 1.0 - clamp(age / living.b.x, 0.0, 1.0);
            color = vec4(color.b, 0.0, 0.0, fade * fade * 0.55);
        }
        default: {
            // Flames: tips lean and stretch a little, never jump.
            let tip = clamp(vertex.position.y, 0.0, 1.0);
            let p = dot(world_from_local[3].xz, vec2(3.1, 1.7));
            world += vec3(sin(t * 2.1 + p), 0.12 * sin(t * 1.6 + p * 2.0), cos(t * 1.7 + p))
                * 0.06 * tip * length(world_from_local[1].xyz);
        }
    }

    out.world_position = vec4(world, 1.0);
    out.position = position_world_to_clip(world);
    out.world_normal = normal;
#ifdef VERTEX_UVS_A
    out.uv = uv;
#endif
#ifdef VERTEX_COLORS
    out.color = color;
#endif
#ifdef VERTEX_OUTPUT_INSTANCE_INDEX
    out.instance_index = vertex.instance_index;
#endif
    return out;
}

@fragment
fn fragment(in: VertexOutput, @builtin(front_facing) is_front: bool) -> FragmentOutput {
    var pbr_input = pbr_input_from_standard_material(in, is_front);
    var vc = vec4(1.0);
#ifdef VERTEX_COLORS
    vc = in.color;
#endif
    var uv = vec2(0.0);
#ifdef VERTEX_UVS_A
    uv = in.uv;
#endif
    let t = globals.time;
    var alpha_override = -1.0;

    switch living.mode {
        case PARTICLES: {
            // A soft round dot (or veil), or a leaf's oval. b = (opacity, brightness).
            var soft = 1.0 - smoothstep(0.35, 1.0, length(uv));
            if living.flutter == 1u {
                soft = 1.0 - smoothstep(0.8, 0.95, length(uv * vec2(1.0, 1.8)));
            }
            pbr_input.material.base_color = vec4(vc.rgb * living.b.y, soft * vc.a * living.b.x);
        }
        case AURORA: {
            // Bands that shift over tens of seconds; fading at the top and the foot.
            let bands = 0.55 + 0.45 * sin(uv.x * 22.0 + t * 0.12 + 3.0 * sin(uv.x * 3.0 + t * 0.04));
            let foot = smoothstep(0.0, 0.12, uv.y);
            let top = 1.0 - smoothstep(0.35, 1.0, uv.y);
            let ends = smoothstep(0.0, 0.1, uv.x) * (1.0 - smoothstep(0.9, 1.0, uv.x));
            pbr_input.material.base_color = vec4(vc.rgb * bands * foot * top * ends, 1.0);
        }
        case WATER: {
            let depth = vc.a;
            var base = mix(living.shallow.rgb, living.deep.rgb, smoothstep(0.0, 4.0, depth));
            if living.b.y > 0.5 {
                // Foam where swells meet the shore, washing up and back.
                let wash = 0.5 + 0.5 * sin(t * 0.9 - depth * 6.0);
                let foam = (1.0 - smoothstep(0.05, 0.45 + 0.25 * wash, depth));
                base = mix(base, vec3(0.92, 0.94, 0.95), foam * 0.85);
            }
            pbr_input.material.base_color = vec4(base, 1.0);
            // Per-pixel swells, calmer with distance so they never shimmer.
            let w = swell(in.world_position.xz, t);
            let dist = length(in.world_position.xz - view.world_position.xz);
            let keep = smoothstep(0.0, 0.6, depth) * (1.0 - 0.85 * smoothstep(80.0, 400.0, dist));
            pbr_input.N = normalize(vec3(-w.y * keep, 1.0, -w.z * keep));
            pbr_input.world_normal = pbr_input.N;
        }
        case RIPPLE: {
            // Thin bright rings, soft at both edges.
            let edge = 1.0 - abs(vc.r * 2.0 - 1.0);
            pbr_input.material.base_color = vec4(vec3(0.85, 0.9, 0.92), vc.a * edge);
        }
        case FLAME: {
            let flicker = 0.94 + 0.06 * sin(t * 3.1 + in.world_position.x * 7.0);
            pbr_input.material.base_color = vec4(pbr_input.material.base_color.rgb * flicker, 1.0);
        }
        default: {}
    }

    var out: FragmentOutput;
    if (pbr_input.material.flags & STANDARD_MATERIAL_FLAGS_UNLIT_BIT) == 0u {
        out.color = apply_pbr_lighting(pbr_input);
    } else {
        out.color = pbr_input.material.base_color;
    }
    if living.mode == WATER {
        // The sky in the surface, stronger at grazing angles (Schlick's Fresnel).
        let v = normalize(in.world_position.xyz - view.world_position.xyz);
        let n = pbr_input.N;
        let r = reflect(v, n);
        let sky = mix(living.horizon.rgb, living.zenith.rgb, pow(clamp(r.y, 0.0, 1.0), 0.6));
        let fresnel = 0.02 + 0.98 * pow(1.0 - clamp(dot(-v, n), 0.0, 1.0), 5.0);
        let mirror = living.b.x;
        out.color = vec4(mix(out.color.rgb, sky, fresnel * (1.0 - mirror)), 1.0);
        // Mirror-calm water lets the upside-down shore beneath show through: most of all at
        // grazing angles, where real water reflects most.
        out.color.a = clamp((1.0 - fresnel) * (1.0 - mirror) + 0.06, 0.0, 1.0);
    }
    out.color = main_pass_post_lighting_processing(pbr_input, out.color);
    return out;
}
