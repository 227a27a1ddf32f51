# bindings/rust/rust.mk - the Rust bindings (included by the top Makefile).
#
#   make check-rust   build build/libslab.a, then `cargo test --offline` in
#                     bindings/rust (unit tests, the slab heap as the global
#                     allocator, LockedSlab shared between threads). Output
#                     goes to build/rust-target. Skipped, successfully,
#                     when cargo is not installed.
#
# The crate has no dependencies, so it builds with no network access.

RUST_DIR        := bindings/rust
RUST_TARGET_DIR := $(abspath $(BUILD))/rust-target
CARGO           ?= cargo

.PHONY: check-rust

check-rust:
	@if ! command -v $(CARGO) >/dev/null 2>&1; then \
	  echo "check-rust: skipped: no cargo"; exit 0; \
	fi; \
	$(MAKE) --no-print-directory lib || exit 1; \
	cd $(RUST_DIR) && \
	  SLAB_LIB_DIR=$(abspath $(BUILD)) CARGO_TARGET_DIR=$(RUST_TARGET_DIR) \
	  $(CARGO) test --offline
