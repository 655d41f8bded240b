//! What SHA-1 and SHA-256 share: the message padding and the big-endian words of a block
//! (both are Merkle–Damgård hashes over 64-byte blocks), and the hex of a digest.

/// `data`, a `1` bit, zeros, and its length in bits, to a whole number of 64-byte blocks.
pub fn padded(data: &[u8]) -> Vec<u8> {
    let mut msg = Vec::with_capacity(data.len() + 72);
    msg.extend_from_slice(data);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
    msg
}

/// The 16 big-endian words of a 64-byte block, into the start of `w`.
pub fn load_words(block: &[u8], w: &mut [u32]) {
    for (i, word) in block.chunks_exact(4).enumerate() {
        w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
    }
}

/// The state words, big-endian, as the digest's bytes.
pub fn store_words<const N: usize>(h: &[u32]) -> [u8; N] {
    let mut out = [0u8; N];
    for (chunk, x) in out.chunks_exact_mut(4).zip(h) {
        chunk.copy_from_slice(&x.to_be_bytes());
    }
    out
}

/// Lower-case hex, two digits a byte.
pub fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
