/*
 * gen_ported: writes a synthetic ported-number set (bench/lib/synth.h) as CSV lines
 * "number,operator" to stdout, for loading tests and for feeding other tools the same numbers the
 * benchmarks use. The output is a pure function of --count, --seed, --blocks and --format.
 * Formatting is hand-rolled into a large buffer so that 100 million lines take seconds.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "mnp/operator.h"
#include "synth.h"

#define OUT_BUF_BYTES  (1u << 20)
#define LINE_MAX_BYTES 64
#define NATIONAL_BASE  8600000000000ull /* E.164 minus this is the 11-digit national number */
#define SEED_FORMAT    0x243f6a8885a308d3ull

typedef enum out_format { FMT_E164, FMT_NATIONAL, FMT_PLUS, FMT_MIXED } out_format_t;

typedef struct out_buf {
    char buf[OUT_BUF_BYTES];
    size_t len;
} out_buf_t;

static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930"
    "31323334353637383940414243444546474849505152535455565758596061"
    "62636465666768697071727374757677787980818283848586878889909192"
    "93949596979899";

static void usage(FILE *f)
{
    fprintf(f,
            "usage: gen_ported --count N [--seed S] [--blocks B] "
            "[--format e164|national|plus|mixed] [--header]\n"
            "Writes N synthetic ported numbers as CSV lines 'number,operator' to stdout.\n"
            "  --count N    numbers to write (suffixes k, M, G allowed: 10M)\n"
            "  --seed S     PRNG seed (default 1); the same seed gives the same output\n"
            "  --blocks B   allocated blocks in the universe (default %u, at most %u)\n"
            "  --format F   e164 8613012345678 (default), national 13012345678,\n"
            "               plus +8613012345678, mixed: every accepted form at random\n"
            "  --header     write the line 'number,operator' first\n",
            SYNTH_DEFAULT_BLOCKS, SYNTH_MAX_BLOCKS);
}

static int flush_out(out_buf_t *o)
{
    for (size_t done = 0; done < o->len;) {
        ssize_t w = write(STDOUT_FILENO, o->buf + done, o->len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            fprintf(stderr, "gen_ported: write: %s\n", strerror(errno));
            return -1;
        }
        done += (size_t)w;
    }
    o->len = 0;
    return 0;
}

/* Writes the 11 digits of national number v (always 11 digits: it starts with 1). */
static char *put_national(char *p, uint64_t v)
{
    char *end = p + 11;
    char *q = end;
    while (q - p >= 2) {
        q -= 2;
        memcpy(q, &digit_pairs[(v % 100) * 2], 2);
        v /= 100;
    }
    *p = (char)('0' + v);
    return end;
}

/* One accepted form of SPEC.md §2 at random: national, +86, 0086, 86, or spaced "86 130 1234
 * 5678". */
static char *put_mixed(char *p, uint64_t national, synth_rng_t *r)
{
    char digits[11];
    switch (synth_rng_below(r, 5)) {
    case 0:
        return put_national(p, national);
    case 1:
        memcpy(p, "+86", 3);
        return put_national(p + 3, national);
    case 2:
        memcpy(p, "0086", 4);
        return put_national(p + 4, national);
    case 3:
        memcpy(p, "86", 2);
        return put_national(p + 2, national);
    default:
        put_national(digits, national);
        memcpy(p, "86 ", 3);
        memcpy(p + 3, digits, 3);
        p[6] = ' ';
        memcpy(p + 7, digits + 3, 4);
        p[11] = ' ';
        memcpy(p + 12, digits + 7, 4);
        return p + 16;
    }
}

static int write_lines(const uint64_t *e164, const uint8_t *ops, size_t n, out_format_t fmt,
                       bool header, uint64_t seed)
{
    static out_buf_t out; /* 1 MiB: too large for the stack; this program has one */
    const char *codes[MNP_OP_COUNT];
    size_t code_len[MNP_OP_COUNT];
    for (unsigned op = 0; op < MNP_OP_COUNT; op++) {
        codes[op] = mnp_operator_code((mnp_operator_t)op);
        code_len[op] = strlen(codes[op]);
    }
    synth_rng_t r;
    synth_rng_seed(&r, seed ^ SEED_FORMAT);
    if (header) {
        memcpy(out.buf, "number,operator\n", 16);
        out.len = 16;
    }
    for (size_t i = 0; i < n; i++) {
        if (out.len > OUT_BUF_BYTES - LINE_MAX_BYTES && flush_out(&out) < 0)
            return -1;
        char *p = out.buf + out.len;
        uint64_t national = e164[i] - NATIONAL_BASE;
        switch (fmt) {
        case FMT_E164:
            memcpy(p, "86", 2);
            p = put_national(p + 2, national);
            break;
        case FMT_NATIONAL:
            p = put_national(p, national);
            break;
        case FMT_PLUS:
            memcpy(p, "+86", 3);
            p = put_national(p + 3, national);
            break;
        case FMT_MIXED:
            p = put_mixed(p, national, &r);
            break;
        }
        *p++ = ',';
        memcpy(p, codes[ops[i]], code_len[ops[i]]);
        p += code_len[ops[i]];
        *p++ = '\n';
        out.len = (size_t)(p - out.buf);
    }
    return flush_out(&out);
}

static bool parse_format(const char *s, out_format_t *out)
{
    static const char *const names[] = {"e164", "national", "plus", "mixed"};
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (out_format_t)i;
            return true;
        }
    }
    return false;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"count", required_argument, NULL, 'n'},
        {"seed", required_argument, NULL, 's'},
        {"blocks", required_argument, NULL, 'b'},
        {"format", required_argument, NULL, 'f'},
        {"header", no_argument, NULL, 'H'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    uint64_t count = 0, seed = 1, blocks = SYNTH_DEFAULT_BLOCKS;
    bool have_count = false, header = false;
    out_format_t fmt = FMT_E164;
    int c, li = 0;
    while ((c = getopt_long(argc, argv, "", opts, &li)) != -1) {
        bool ok = true;
        switch (c) {
        case 'n':
            ok = have_count = args_count(optarg, &count);
            break;
        case 's':
            ok = args_count(optarg, &seed);
            break;
        case 'b':
            ok = args_count(optarg, &blocks) && blocks > 0 && blocks <= SYNTH_MAX_BLOCKS;
            break;
        case 'f':
            ok = parse_format(optarg, &fmt);
            break;
        case 'H':
            header = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            ok = false;
        }
        if (!ok) {
            if (c != '?')
                fprintf(stderr, "gen_ported: bad value for --%s: '%s'\n",
                        opts[c == 'n'   ? 0
                             : c == 's' ? 1
                             : c == 'b' ? 2
                                        : 3]
                            .name,
                        optarg);
            usage(stderr);
            return 2;
        }
    }
    if (!have_count || optind != argc) {
        fprintf(stderr, "gen_ported: %s\n", have_count ? "unexpected argument" : "--count missing");
        usage(stderr);
        return 2;
    }
    if (count > (uint64_t)blocks * SYNTH_BLOCK_NUMBERS) {
        fprintf(stderr, "gen_ported: --count %llu exceeds the %llu numbers of %llu blocks\n",
                (unsigned long long)count, (unsigned long long)blocks * SYNTH_BLOCK_NUMBERS,
                (unsigned long long)blocks);
        return 2;
    }
    uint64_t *e164 = malloc((count ? count : 1) * sizeof *e164);
    uint8_t *ops = malloc(count ? count : 1);
    int rc = e164 && ops ? synth_ported(seed, count, blocks, e164, ops) : MNP_ENOMEM;
    if (rc < 0) {
        fprintf(stderr, "gen_ported: generating %llu numbers: %s\n", (unsigned long long)count,
                mnp_strerror(rc));
    } else if (write_lines(e164, ops, count, fmt, header, seed) < 0) {
        rc = -1;
    }
    free(e164);
    free(ops);
    return rc < 0 ? 1 : 0;
}
