/*
 * slab_audit_config.h - the second configuration of the audit's compiler
 * matrix (make audit): 2 KiB pages and a shorter class list, named with
 * -DSLAB_CONFIG_HEADER='"slab_audit_config.h"' -Iaudit, the way a firmware
 * build names its own configuration.
 */
#ifndef SLAB_AUDIT_CONFIG_H
#define SLAB_AUDIT_CONFIG_H

#define SLAB_PAGE_SHIFT 11
#define SLAB_CLASS_LIST(X) \
    X(16) X(32) X(48) X(64) X(128) X(256) X(512) X(1024) X(2048)

#endif /* SLAB_AUDIT_CONFIG_H */
