/*
 * qemu_icount.c - a QEMU TCG plugin that counts executed guest instructions
 * between marks, for `make bench-arm` (bench/run_arm.py).
 *
 * Debian's QEMU 7.2 is built with plugin support (qemu-system-arm exports
 * the qemu_plugin_* API) but ships neither the example plugins nor the
 * header qemu-plugin.h, so the few declarations this plugin needs are
 * written out below, for plugin API version 1 (QEMU 5.2 to 8.0).
 *
 * Use:  qemu-system-arm ... -plugin build/bench-arm/qemu_icount.so,mark=0xADDR
 *       -d plugin -D LOG
 *
 * Every executed instruction adds 1 to a total and to a counter of its own
 * address (inline operations, no call per instruction). Each time the
 * instruction at `mark` (the entry of the guest's bench_mark()) executes,
 * the plugin writes to the log
 *
 *     M <ordinal> <total>
 *     D <pc> <count>        (one line per address executed since the last mark)
 *
 * so the instructions executed between two marks are the difference of
 * their totals, and per address the sum of the D lines in between.
 * Instructions are counted when issued: a conditional instruction skipped
 * by an IT block counts, as it does in QEMU's own -d exec trace.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the QEMU plugin API, version 1 (the subset used here) -------------- */

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t; /* only passed through */
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 = 0 };
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS = 0 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id,
                                              struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index,
                                           void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
                                           qemu_plugin_vcpu_tb_trans_cb_t cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb,
                                                 size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn,
                                                enum qemu_plugin_op op,
                                                void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
                                            qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags,
                                            void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
                                    qemu_plugin_udata_cb_t cb, void *userdata);
void qemu_plugin_outs(const char *string);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;
__attribute__((visibility("default"))) int
qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                    char **argv);

/* ---- counters ------------------------------------------------------------- */

/* One counter per instruction address, in an open-addressing table; the
 * slots never move, so TCG's inline operations can point into it. */
#define SLOTS (1u << 17)
struct slot {
    uint64_t pc;
    uint64_t count;
    uint64_t last; /* count at the previous mark */
    bool used;
};
static struct slot *table;
static uint64_t total;
static uint64_t mark_pc = UINT64_MAX;
static uint64_t marks;

static struct slot *slot_of(uint64_t pc)
{
    uint32_t k = (uint32_t)((pc >> 1) * 2654435761u) & (SLOTS - 1u);
    for (uint32_t n = 0; n < SLOTS; n++) {
        struct slot *s = &table[k];
        if (!s->used) {
            s->used = true;
            s->pc = pc;
            return s;
        }
        if (s->pc == pc) {
            return s;
        }
        k = (k + 1u) & (SLOTS - 1u);
    }
    return NULL;
}

static void on_mark(unsigned int vcpu, void *udata)
{
    char line[96];
    (void)vcpu;
    (void)udata;
    snprintf(line, sizeof line, "M %" PRIu64 " %" PRIu64 "\n", marks++, total);
    qemu_plugin_outs(line);
    for (uint32_t k = 0; k < SLOTS; k++) {
        struct slot *s = &table[k];
        if (s->used && s->count != s->last) {
            snprintf(line, sizeof line, "D %" PRIx64 " %" PRIu64 "\n", s->pc,
                     s->count - s->last);
            qemu_plugin_outs(line);
            s->last = s->count;
        }
    }
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    size_t n = qemu_plugin_tb_n_insns(tb);
    (void)id;
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t pc = qemu_plugin_insn_vaddr(insn);
        struct slot *s = slot_of(pc);
        qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64,
                                                   &total, 1);
        if (s != NULL) {
            qemu_plugin_register_vcpu_insn_exec_inline(
                insn, QEMU_PLUGIN_INLINE_ADD_U64, &s->count, 1);
        }
        if (pc == mark_pc) {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_mark,
                                                   QEMU_PLUGIN_CB_NO_REGS, NULL);
        }
    }
}

static void on_atexit(qemu_plugin_id_t id, void *udata)
{
    char line[64];
    (void)id;
    (void)udata;
    snprintf(line, sizeof line, "T %" PRIu64 " %" PRIu64 "\n", marks, total);
    qemu_plugin_outs(line);
}

int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                        char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "mark=", 5) == 0) {
            mark_pc = strtoull(argv[i] + 5, NULL, 0) & ~(uint64_t)1u; /* Thumb bit */
        }
    }
    if (mark_pc == UINT64_MAX) {
        fprintf(stderr, "qemu_icount: give mark=<address of bench_mark>\n");
        return -1;
    }
    table = calloc(SLOTS, sizeof *table);
    if (table == NULL) {
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, on_atexit, NULL);
    return 0;
}
