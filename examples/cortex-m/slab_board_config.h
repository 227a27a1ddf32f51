/*
 * slab_board_config.h - the slab heap's settings for this board.
 *
 * src/slab_config.h reads this header first because the build passes
 * -DSLAB_CONFIG_HEADER='"slab_board_config.h"' (see target.mk); anything
 * not defined here keeps its default. A configuration that compiles is a
 * valid one: impossible values stop the build with a static assertion.
 */
#ifndef SLAB_BOARD_CONFIG_H
#define SLAB_BOARD_CONFIG_H

/* 2 KiB pages: a 128 KiB heap has 62 of them, so a class that is used a
 * little costs 2 KiB of RAM rather than 4 KiB. */
#define SLAB_PAGE_SHIFT 11

/* The default classes up to the page size (no class may exceed a page).
 * Larger requests are served as runs of whole pages. */
#define SLAB_CLASS_LIST(X)                                                    \
    X(16) X(20) X(24) X(32) X(40) X(48) X(64) X(80) X(96) X(128) X(160)       \
    X(192) X(256) X(320) X(384) X(512) X(640) X(768) X(1024) X(1280)          \
    X(1536) X(2048)

#endif /* SLAB_BOARD_CONFIG_H */
