//! Counterbalancing: the orders in which a participant meets the conditions, and the plan
//! that deals those orders to participants. Every random choice comes from ChaCha20 seeded
//! with the protocol's seed through [`pick`], a rejection sampler on 32-bit draws, so a seed
//! gives the same plan byte for byte on any machine and with any later `rand`.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

/// How the orders are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub enum Design {
    /// Two conditions, orders AB and BA.
    AbBa,
    /// A Williams Latin square: every condition once in every period, and every condition
    /// directly after every other equally often (first-order carry-over balance). For an
    /// odd number of conditions that takes two squares, the second the first reversed.
    Williams,
    /// A random order per participant. `blocked`: every possible order, dealt in shuffled
    /// blocks, so each order is used equally often (up to 6 conditions).
    Random { blocked: bool },
}

/// Condition indices in the order a participant meets them.
pub type Sequence = Vec<usize>;

/// The Williams design for `n` conditions: `n` sequences when `n` is even, `2n` when odd.
pub fn williams(n: usize) -> Vec<Sequence> {
    if n == 0 {
        return Vec::new();
    }
    // First row 0, 1, n-1, 2, n-2, …; row r adds r to every entry (mod n).
    let mut first = Vec::with_capacity(n);
    let (mut lo, mut hi) = (0usize, n);
    for j in 0..n {
        if j == 0 || j % 2 == 1 {
            first.push(lo);
            lo += 1;
        } else {
            hi -= 1;
            first.push(hi);
        }
    }
    let mut rows: Vec<Sequence> = (0..n)
        .map(|r| first.iter().map(|c| (c + r) % n).collect())
        .collect();
    if n % 2 == 1 {
        let mirrored: Vec<Sequence> = rows
            .iter()
            .map(|s| s.iter().rev().copied().collect())
            .collect();
        rows.extend(mirrored);
    }
    rows
}

/// Every order of `n` conditions, in lexicographic order.
pub fn permutations(n: usize) -> Vec<Sequence> {
    fn extend(prefix: &mut Sequence, n: usize, out: &mut Vec<Sequence>) {
        if prefix.len() == n {
            out.push(prefix.clone());
            return;
        }
        for c in 0..n {
            if !prefix.contains(&c) {
                prefix.push(c);
                extend(prefix, n, out);
                prefix.pop();
            }
        }
    }
    let mut out = Vec::new();
    extend(&mut Vec::new(), n, &mut out);
    out
}

/// The most conditions for which every order is listed (6! = 720).
pub const MAX_PERMUTED: usize = 6;

/// A uniform integer in `0..n` (n ≥ 1) from 32-bit draws, rejecting the biased tail.
pub fn pick(rng: &mut ChaCha20Rng, n: usize) -> usize {
    let n = n as u64;
    let zone = (1u64 << 32) - ((1u64 << 32) % n);
    loop {
        let v = u64::from(rng.next_u32());
        if v < zone {
            return (v % n) as usize;
        }
    }
}

/// Fisher–Yates with [`pick`].
pub fn shuffle<T>(rng: &mut ChaCha20Rng, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let j = pick(rng, i + 1);
        items.swap(i, j);
    }
}

/// The generator every plan uses.
pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// One participant's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub participant: String,
    /// 1-based index into the design's sequences (0 for an unblocked random order).
    pub sequence: usize,
    pub order: Sequence,
}

/// The orders dealt to participants, and what a researcher should know about the balance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dealt {
    pub assignments: Vec<Assignment>,
    /// The design's sequences (empty for an unblocked random design).
    pub sequences: Vec<Sequence>,
    /// Balanced: every sequence used equally often.
    pub balanced: bool,
    pub note: String,
}

/// Deals orders of `n` conditions to `participants`.
pub fn deal(design: Design, n: usize, participants: &[String], seed: u64) -> Result<Dealt, String> {
    if n < 2 {
        return Err(format!(
            "a design needs at least 2 conditions, this has {n}"
        ));
    }
    let mut rng = rng(seed);
    let sequences = match design {
        Design::AbBa if n != 2 => {
            return Err(format!(
                "AbBa is for exactly 2 conditions, this has {n}: use Williams"
            ));
        }
        Design::AbBa | Design::Williams => williams(n),
        Design::Random { blocked: true } if n > MAX_PERMUTED => {
            return Err(format!(
                "Random(blocked: true) lists every order, possible up to {MAX_PERMUTED} \
                 conditions, this has {n}: use Williams or Random(blocked: false)"
            ));
        }
        Design::Random { blocked: true } => permutations(n),
        Design::Random { blocked: false } => {
            let assignments = participants
                .iter()
                .map(|p| {
                    let mut order: Sequence = (0..n).collect();
                    shuffle(&mut rng, &mut order);
                    Assignment {
                        participant: p.clone(),
                        sequence: 0,
                        order,
                    }
                })
                .collect();
            return Ok(Dealt {
                assignments,
                sequences: Vec::new(),
                balanced: false,
                note: "each participant has an independent random order: not balanced".into(),
            });
        }
    };
    let k = sequences.len();
    let mut assignments = Vec::with_capacity(participants.len());
    let mut block: Vec<usize> = Vec::new();
    for p in participants {
        if block.is_empty() {
            block = (0..k).collect();
            shuffle(&mut rng, &mut block);
            block.reverse();
        }
        let s = block.pop().expect("a block is refilled when empty");
        assignments.push(Assignment {
            participant: p.clone(),
            sequence: s + 1,
            order: sequences[s].clone(),
        });
    }
    let m = participants.len();
    let balanced = m.is_multiple_of(k);
    let note = if balanced {
        format!(
            "balanced: each of the {k} sequences used by {} participants",
            m / k
        )
    } else {
        format!(
            "not balanced: {m} participants over {k} sequences, so sequences are used {} or {} \
             times (use a multiple of {k} participants)",
            m / k,
            m / k + 1
        )
    };
    Ok(Dealt {
        assignments,
        sequences,
        balanced,
        note,
    })
}

/// The letter a condition has in a sequence's name (A, B, …, in the protocol's order). A
/// protocol has at most 26 conditions; past Z (never from a checked protocol) it is `?`.
pub fn letter(c: usize) -> char {
    u8::try_from(c)
        .ok()
        .filter(|&c| c < 26)
        .map_or('?', |c| char::from(b'A' + c))
}

/// A sequence as letters: `[1, 0, 2]` → "BAC".
pub fn sequence_name(s: &[usize]) -> String {
    s.iter().map(|c| letter(*c)).collect()
}
