//! Link against the C library built by the top Makefile (`make lib`).
//!
//! SLAB_LIB_DIR names the directory holding libslab.a; without it,
//! ../../build relative to this crate (the repository's build/).

use std::env;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=SLAB_LIB_DIR");
    println!("cargo:rerun-if-changed=build.rs");

    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let dir = match env::var_os("SLAB_LIB_DIR") {
        Some(d) if !d.is_empty() => manifest.join(PathBuf::from(d)),
        _ => manifest.join("../../build"),
    };
    let lib = dir.join("libslab.a");
    if !lib.is_file() {
        panic!(
            "slab-heap: {} not found; run `make lib` at the repository root \
             or set SLAB_LIB_DIR to the directory holding libslab.a",
            lib.display()
        );
    }
    println!("cargo:rerun-if-changed={}", lib.display());
    println!("cargo:rustc-link-search=native={}", dir.display());
    println!("cargo:rustc-link-lib=static=slab");
}
