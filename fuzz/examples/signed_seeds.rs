//! Writes the committed seeds in `fuzz/seeds/`: for each fixed key, a token that the
//! access-token validators accept, so that the raw-byte targets start from a token
//! whose signature verifies. Run with `cargo +nightly run --example signed_seeds`
//! after changing the keys or the generator.

use std::fs;
use std::path::Path;

use tokenguard_fuzz::spec::{empty_spec, Signer};
use tokenguard_fuzz::{keys, NOW};

fn main() -> std::io::Result<()> {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let signers = [
        ("es256", Signer::Es256),
        ("hs256", Signer::Hs256),
        ("eddsa", Signer::EdDsa),
        ("es384", Signer::Es384),
        ("rs256", Signer::Rs256),
        ("ps256", Signer::Ps256),
    ];
    for (name, signer) in signers {
        let mut spec = empty_spec();
        spec.signer = signer;
        let token = spec.build(NOW).text;
        write(&seeds, "jws_decode", name, token.as_bytes())?;
        write(
            &seeds,
            "authorization",
            name,
            format!("Bearer {token}").as_bytes(),
        )?;
        let mut validate = NOW.to_le_bytes().to_vec();
        validate.extend_from_slice(token.as_bytes());
        write(&seeds, "validate", name, &validate)?;
    }
    write(&seeds, "jwk_set", "public", keys().public_jwks().as_bytes())?;
    Ok(())
}

fn write(seeds: &Path, target: &str, name: &str, data: &[u8]) -> std::io::Result<()> {
    let folder = seeds.join(target);
    fs::create_dir_all(&folder)?;
    fs::write(folder.join(name), data)
}
