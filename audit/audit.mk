# audit/audit.mk - audit pack, install and the install test (included by the
# top Makefile; uses its SRC, HDR, WARN, CFLAGS, BUILD and TOOLS).
#
#   make audit           build/audit/index.md (+ index.html): proof replay
#                        summary, unit tests, line/branch coverage of src/ by
#                        the unit tests and by the fuzz corpus, MISRA C:2012
#                        (cppcheck) with the deviations, warnings across the
#                        compiler/configuration matrix, code size, loop
#                        bounds and measured worst paths, tool versions.
#                        Every figure comes from a command the run makes.
#                        Takes two to three minutes; not part of make check.
#   make install         PREFIX (/usr/local), DESTDIR, LIBDIR, INCLUDEDIR:
#                        lib/libslab.a, lib/libslab.so.X.Y.Z (+ libslab.so.X,
#                        libslab.so), include/slab.h, include/slab_config.h,
#                        lib/pkgconfig/slab.pc
#   make uninstall       removes exactly what install put there
#   make check-install   tests/install/run.sh: install into a temporary
#                        prefix, build tests/install/hello.c against it with
#                        pkg-config, static and shared, run both
#   make shared          build/shared/libslab.so.X.Y.Z alone

AUDIT_DIR   := $(BUILD)/audit
PREFIX      ?= /usr/local
LIBDIR      ?= $(PREFIX)/lib
INCLUDEDIR  ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
INSTALL     ?= install

# The version, from the public header (SLAB_VERSION_*), so there is one place.
SLAB_VERSION_OF = $(shell sed -n 's/^\#define SLAB_VERSION_$(1) \([0-9][0-9]*\).*/\1/p' src/slab.h)
SLAB_MAJOR  := $(call SLAB_VERSION_OF,MAJOR)
SLAB_VERSION := $(SLAB_MAJOR).$(call SLAB_VERSION_OF,MINOR).$(call SLAB_VERSION_OF,PATCH)
SLAB_SONAME := libslab.so.$(SLAB_MAJOR)
SLAB_SOFILE := libslab.so.$(SLAB_VERSION)
SHARED_DIR  := $(BUILD)/shared
SHARED_LIB  := $(SHARED_DIR)/$(SLAB_SOFILE)
# Installed headers: the public one and the configuration it includes.
INSTALL_HDR := src/slab.h src/slab_config.h

.PHONY: audit shared install uninstall check-install

# (the make command goes through AUDIT_MAKE so that `make -n audit` only
# prints the command instead of running the audit)
AUDIT_MAKE := $(MAKE)

audit:
	@$(TOOLS) build test prove cross
	python3 audit/audit.py --out $(AUDIT_DIR) --make "$(AUDIT_MAKE)" \
	  --src "$(SRC)" --warn "$(WARN)" --proved "$(PROVED)"

# ---- shared library ----------------------------------------------------------

# The one-unit file, position-independent. Only the functions declared in
# slab.h are exported (version script generated from the header), so the
# internal page and layout functions stay private to the library.
$(SHARED_DIR)/slab_unity.o: src/slab_unity.c $(SRC) $(HDR)
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) -fPIC -Isrc -c $< -o $@

$(SHARED_DIR)/libslab.map: src/slab.h
	@mkdir -p $(@D)
	{ echo '{ global:'; \
	  sed -n 's/^[a-z][^(]*[ *]\(slab_[a-z_]*\)(.*/    \1;/p' src/slab.h; \
	  echo '  local: *; };'; } > $@

$(SHARED_LIB): $(SHARED_DIR)/slab_unity.o $(SHARED_DIR)/libslab.map
	$(CC) -shared -Wl,-soname,$(SLAB_SONAME) -Wl,--version-script,$(SHARED_DIR)/libslab.map \
	  -Wl,--no-undefined -o $@ $(SHARED_DIR)/slab_unity.o
	ln -sf $(SLAB_SOFILE) $(SHARED_DIR)/$(SLAB_SONAME)
	ln -sf $(SLAB_SONAME) $(SHARED_DIR)/libslab.so

shared: tools-build $(SHARED_LIB)

# Directories under PREFIX are written relative to ${prefix} in the .pc file.
PC_REL = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))

$(SHARED_DIR)/slab.pc: audit/slab.pc.in src/slab.h
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(call PC_REL,$(LIBDIR))|g' \
	    -e 's|@INCLUDEDIR@|$(call PC_REL,$(INCLUDEDIR))|g' \
	    -e 's|@VERSION@|$(SLAB_VERSION)|g' $< > $@

# The .pc file depends on PREFIX/LIBDIR/INCLUDEDIR: always regenerate it.
.PHONY: $(SHARED_DIR)/slab.pc

# ---- install / uninstall -------------------------------------------------------

install: tools-build $(BUILD)/libslab.a $(SHARED_LIB) $(SHARED_DIR)/slab.pc
	$(INSTALL) -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR)
	$(INSTALL) -m 644 $(BUILD)/libslab.a $(DESTDIR)$(LIBDIR)/libslab.a
	$(INSTALL) -m 755 $(SHARED_LIB) $(DESTDIR)$(LIBDIR)/$(SLAB_SOFILE)
	ln -sf $(SLAB_SOFILE) $(DESTDIR)$(LIBDIR)/$(SLAB_SONAME)
	ln -sf $(SLAB_SONAME) $(DESTDIR)$(LIBDIR)/libslab.so
	$(INSTALL) -m 644 $(INSTALL_HDR) $(DESTDIR)$(INCLUDEDIR)/
	$(INSTALL) -m 644 $(SHARED_DIR)/slab.pc $(DESTDIR)$(PKGCONFIGDIR)/slab.pc

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libslab.a $(DESTDIR)$(LIBDIR)/$(SLAB_SOFILE) \
	      $(DESTDIR)$(LIBDIR)/$(SLAB_SONAME) $(DESTDIR)$(LIBDIR)/libslab.so \
	      $(addprefix $(DESTDIR)$(INCLUDEDIR)/,$(notdir $(INSTALL_HDR))) \
	      $(DESTDIR)$(PKGCONFIGDIR)/slab.pc

check-install: tools-build
	tests/install/run.sh
