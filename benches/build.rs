//! Lets the c_abi bench link `libtokenguard.so`, which cargo builds from the
//! `tokenguard-ffi` dependency into `<target>/<profile>/deps/`.

use std::env;
use std::path::PathBuf;

fn main() {
    // OUT_DIR is <target>/<profile>/build/<package>-<hash>/out.
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let deps = out_dir
        .ancestors()
        .nth(3)
        .expect("OUT_DIR is <target>/<profile>/build/<package>/out")
        .join("deps");
    println!("cargo:rustc-link-search=native={}", deps.display());
    // The bench binaries also run outside cargo, so they find the library by rpath.
    println!("cargo:rustc-link-arg-benches=-Wl,-rpath,{}", deps.display());
    println!("cargo:rerun-if-changed=build.rs");
}
