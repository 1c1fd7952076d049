/*
 * resample.c — Pillow 9.4's two-pass separable convolution (libImaging/Resample.c), bit for bit:
 * filter weights in double (no FMA: the build uses -ffp-contract=off), rounded to 22-bit fixed
 * point for 8-bit images, a horizontal pass over only the source rows the vertical pass needs
 * into an 8-bit (or int32 for mode I) intermediate, then the vertical pass. The 8-bit passes
 * run in AVX2 (resample_avx2.c) when the CPU has it; the loops here are their tested twins.
 */
#include "image/resample.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PRECISION_BITS IMG_PRECISION_BITS

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* One axis worth of coefficients: for output index i, taps bounds[2i] .. bounds[2i] +
 * bounds[2i+1] - 1 with weights kd/ki[i * ksize ...]. */
typedef struct coeffs {
    int ksize;
    int *bounds;
    double *kd;  /* normalised double weights (mode I) */
    int32_t *ki; /* fixed-point weights (8-bit modes) */
} coeffs;

static double filter_box(double x) { return (x > -0.5 && x <= 0.5) ? 1.0 : 0.0; }

static double filter_bilinear(double x) {
    if (x < 0.0) x = -x;
    return x < 1.0 ? 1.0 - x : 0.0;
}

static double filter_hamming(double x) {
    if (x < 0.0) x = -x;
    if (x == 0.0) return 1.0;
    if (x >= 1.0) return 0.0;
    x = x * M_PI;
    /* Pillow writes the window constants as float literals (0.54f, 0.46f): keep that rounding. */
    return sin(x) / x * ((double)0.54f + (double)0.46f * cos(x));
}

static double filter_bicubic(double x) {
    const double a = -0.5;
    if (x < 0.0) x = -x;
    if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
    if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
    return 0.0;
}

static double sinc(double x) {
    if (x == 0.0) return 1.0;
    x = x * M_PI;
    return sin(x) / x;
}

static double filter_lanczos(double x) {
    if (-3.0 <= x && x < 3.0) return sinc(x) * sinc(x / 3);
    return 0.0;
}

typedef double (*filter_fn)(double);

static int filter_lookup(img_filter f, filter_fn *fn, double *support) {
    switch (f) {
    case IMG_BOX: *fn = filter_box; *support = 0.5; return 0;
    case IMG_BILINEAR: *fn = filter_bilinear; *support = 1.0; return 0;
    case IMG_HAMMING: *fn = filter_hamming; *support = 1.0; return 0;
    case IMG_BICUBIC: *fn = filter_bicubic; *support = 2.0; return 0;
    case IMG_LANCZOS: *fn = filter_lanczos; *support = 3.0; return 0;
    default: return -1;
    }
}

static void coeffs_free(coeffs *c) {
    free(c->bounds);
    free(c->kd);
    free(c->ki);
}

/* Pillow's precompute_coeffs + normalize_coeffs_8bpc. in0/in1 are float as in Pillow. Only
 * output indices out0 .. out0 + count - 1 of the out_size ones are computed (stored from 0). */
static int coeffs_compute(int in_size, float in0, float in1, int out_size, int out0, int count,
                          filter_fn fn, double fsupport, coeffs *c) {
    double scale, filterscale, support;
    memset(c, 0, sizeof *c);
    filterscale = scale = (double)(in1 - in0) / out_size;
    if (filterscale < 1.0) filterscale = 1.0;
    support = fsupport * filterscale;
    if (!(support < (double)(INT_MAX / 4))) return -1;
    c->ksize = (int)ceil(support) * 2 + 1;
    if ((size_t)count > SIZE_MAX / sizeof(double) / (size_t)c->ksize) return -1;
    size_t n = (size_t)count * (size_t)c->ksize;
    c->kd = calloc(n, sizeof(double));
    c->ki = calloc(n, sizeof(int32_t));
    /* Zeroed like kd/ki: the passes index bounds by the output image's size, which the static
     * analyzer cannot tie back to out_size. */
    c->bounds = calloc((size_t)count * 2, sizeof(int));
    if (!c->kd || !c->ki || !c->bounds) {
        coeffs_free(c);
        return -1;
    }
    for (int i = 0; i < count; i++) {
        const int xx = out0 + i;
        double center = in0 + (xx + 0.5) * scale;
        double ww = 0.0, ss = 1.0 / filterscale;
        int xmin = (int)(center - support + 0.5);
        if (xmin < 0) xmin = 0;
        int xmax = (int)(center + support + 0.5);
        if (xmax > in_size) xmax = in_size;
        xmax -= xmin;
        if (xmax < 0) xmax = 0;
        if (xmax > c->ksize) xmax = c->ksize;
        double *k = &c->kd[(size_t)i * c->ksize];
        for (int x = 0; x < xmax; x++) {
            double w = fn((x + xmin - center + 0.5) * ss);
            k[x] = w;
            ww += w;
        }
        for (int x = 0; x < xmax; x++)
            if (ww != 0.0) k[x] /= ww;
        int32_t *ki = &c->ki[(size_t)i * c->ksize];
        for (int x = 0; x < c->ksize; x++)
            ki[x] = k[x] < 0 ? (int32_t)(-0.5 + k[x] * (1 << PRECISION_BITS))
                             : (int32_t)(0.5 + k[x] * (1 << PRECISION_BITS));
        c->bounds[i * 2] = xmin;
        c->bounds[i * 2 + 1] = xmax;
    }
    return 0;
}

static inline uint8_t clip8(int32_t ss) {
    if (ss < 0) return 0;
    ss >>= PRECISION_BITS;
    return ss > 255 ? 255 : (uint8_t)ss;
}

#if defined(__GNUC__)
#define RESAMPLE_INLINE inline __attribute__((always_inline))
#else
#define RESAMPLE_INLINE inline
#endif

/* Horizontal pass for `ch` interleaved 8-bit channels; inlined per constant ch so the channel
 * loops unroll. */
static RESAMPLE_INLINE void hpass_u8_ch(const cdx_image *in, int row0, cdx_image *out, const coeffs *c,
                               const int ch) {
    const int *restrict bounds = c->bounds;
    const int32_t *restrict ki = c->ki;
    const size_t ksize = (size_t)c->ksize;
    const int out_w = out->width, out_h = out->height;
    for (int y = 0; y < out_h; y++) {
        const uint8_t *restrict src = in->pixels + (size_t)(y + row0) * in->stride;
        uint8_t *restrict dst = out->pixels + (size_t)y * out->stride;
        for (int xx = 0; xx < out_w; xx++) {
            const int xmin = bounds[xx * 2], n = bounds[xx * 2 + 1];
            const int32_t *k = &ki[(size_t)xx * ksize];
            const uint8_t *s = src + (size_t)xmin * ch;
            int32_t ss[4] = {1 << (PRECISION_BITS - 1), 1 << (PRECISION_BITS - 1),
                             1 << (PRECISION_BITS - 1), 1 << (PRECISION_BITS - 1)};
            for (int x = 0; x < n; x++)
                for (int b = 0; b < ch; b++) ss[b] += (int32_t)s[x * ch + b] * k[x];
            for (int b = 0; b < ch; b++) dst[xx * ch + b] = clip8(ss[b]);
        }
    }
}

static img_pass pass_of(const cdx_image *in, int row0, cdx_image *out, const coeffs *c) {
    img_pass p = {.src = in->pixels + (size_t)row0 * in->stride,
                  .src_stride = in->stride,
                  .dst = out->pixels,
                  .dst_stride = out->stride,
                  .rows = out->height,
                  .in_len = in->width,
                  .row_bytes = out->width * img_mode_bytes(out->mode),
                  .ksize = c->ksize,
                  .bounds = c->bounds,
                  .k = c->ki};
    return p;
}

static void hpass_u8(const cdx_image *in, int row0, cdx_image *out, const coeffs *c, int simd) {
    if (simd) {
        img_pass p = pass_of(in, row0, out, c);
        p.out_len = out->width;
        if (img_hpass_u8_avx2(&p, img_mode_bytes(in->mode)) == 0) return;
    }
    switch (img_mode_bytes(in->mode)) {
    case 1: hpass_u8_ch(in, row0, out, c, 1); break;
    case 2: hpass_u8_ch(in, row0, out, c, 2); break;
    case 3: hpass_u8_ch(in, row0, out, c, 3); break;
    default: hpass_u8_ch(in, row0, out, c, 4); break;
    }
}

/* acc += src * w over one row; restrict lets the compiler vectorise it (integer maths, so the
 * result is exact whatever the lane order). */
static void vpass_row_madd(int32_t *restrict acc, const uint8_t *restrict src, int32_t w,
                           size_t n) {
    for (size_t i = 0; i < n; i++) acc[i] += (int32_t)src[i] * w;
}

/* Vertical pass: one int32 accumulator per output sample, taps in Pillow's order (integer sums
 * are exact, so accumulating a whole row at a time changes nothing). */
static int vpass_u8(const cdx_image *in, cdx_image *out, const coeffs *c, int simd) {
    if (simd) {
        img_pass p = pass_of(in, 0, out, c);
        p.out_len = out->height;
        img_vpass_u8_avx2(&p);
        return 0;
    }
    const size_t n = (size_t)out->width * (size_t)img_mode_bytes(out->mode);
    int32_t *acc = malloc(n * sizeof *acc);
    if (!acc) return -1;
    for (int yy = 0; yy < out->height; yy++) {
        const int ymin = c->bounds[yy * 2], cnt = c->bounds[yy * 2 + 1];
        const int32_t *k = &c->ki[(size_t)yy * c->ksize];
        for (size_t i = 0; i < n; i++) acc[i] = 1 << (PRECISION_BITS - 1);
        for (int y = 0; y < cnt; y++)
            vpass_row_madd(acc, in->pixels + (size_t)(ymin + y) * in->stride, k[y], n);
        uint8_t *dst = out->pixels + (size_t)yy * out->stride;
        for (size_t i = 0; i < n; i++) dst[i] = clip8(acc[i]);
    }
    free(acc);
    return 0;
}

/* Pillow's ROUND_UP to int32; saturating where Pillow's cast would be undefined. */
static int32_t round_i32(double ss) {
    double r = ss >= 0.0 ? ss + 0.5 : ss - 0.5;
    if (r >= 2147483647.0) return INT32_MAX;
    if (r <= -2147483648.0) return INT32_MIN;
    return (int32_t)r;
}

static int32_t pixel_i(const cdx_image *img, int x, int y) {
    int32_t v;
    memcpy(&v, img->pixels + (size_t)y * img->stride + (size_t)x * 4, 4);
    return v;
}

static void put_i(cdx_image *img, int x, int y, int32_t v) {
    memcpy(img->pixels + (size_t)y * img->stride + (size_t)x * 4, &v, 4);
}

static void hpass_i32(const cdx_image *in, int row0, cdx_image *out, const coeffs *c) {
    for (int y = 0; y < out->height; y++)
        for (int xx = 0; xx < out->width; xx++) {
            const int xmin = c->bounds[xx * 2], n = c->bounds[xx * 2 + 1];
            const double *k = &c->kd[(size_t)xx * c->ksize];
            double ss = 0.0;
            for (int x = 0; x < n; x++) ss += pixel_i(in, x + xmin, y + row0) * k[x];
            put_i(out, xx, y, round_i32(ss));
        }
}

static void vpass_i32(const cdx_image *in, cdx_image *out, const coeffs *c) {
    for (int yy = 0; yy < out->height; yy++) {
        const int ymin = c->bounds[yy * 2], n = c->bounds[yy * 2 + 1];
        const double *k = &c->kd[(size_t)yy * c->ksize];
        for (int xx = 0; xx < out->width; xx++) {
            double ss = 0.0;
            for (int y = 0; y < n; y++) ss += pixel_i(in, xx, y + ymin) * k[y];
            put_i(out, xx, yy, round_i32(ss));
        }
    }
}

/* A read-only view of columns x0 .. x0 + w - 1 and rows y0 .. y0 + h - 1 of img (no copy; the
 * view owns nothing and is never freed). */
static cdx_image view_of(const cdx_image *img, int x0, int y0, int w, int h) {
    cdx_image v = *img;
    v.pixels = img->pixels + (size_t)y0 * img->stride + (size_t)x0 * (size_t)img_mode_bytes(img->mode);
    v.width = w;
    v.height = h;
    v.icc = NULL;
    v.icc_len = 0;
    return v;
}

static int window_valid(int out_w, int out_h, const int win[4]) {
    return win[0] >= 0 && win[1] >= 0 && win[2] >= 1 && win[3] >= 1 && win[0] <= out_w - win[2] &&
           win[1] <= out_h - win[3];
}

/* ImagingResampleInner over an output window: horizontal pass (only over the source rows the
 * window's vertical taps need), then vertical pass; an axis that needs no pass is a view. */
cdx_image *img_resample_window(const cdx_image *src, int out_w, int out_h, img_filter filter,
                               const float box[4], const int win[4], int flags) {
    filter_fn fn;
    double support;
    coeffs ch, cv;
    if (filter_lookup(filter, &fn, &support) != 0 || out_w < 1 || out_h < 1 ||
        !window_valid(out_w, out_h, win))
        return NULL;
    const int is_i = src->mode == CDX_MODE_I;
    const char *no_simd = getenv("CDX_NO_SIMD");
    const int simd = !is_i && !(flags & IMG_RESAMPLE_SCALAR) &&
                     !(no_simd && strcmp(no_simd, "1") == 0) && img_have_avx2();
    const int need_h = out_w != src->width || box[0] != 0 || box[2] != out_w;
    const int need_v = out_h != src->height || box[1] != 0 || box[3] != out_h;
    const int ww = win[2], wh = win[3];
    if (coeffs_compute(src->width, box[0], box[2], out_w, win[0], ww, fn, support, &ch) != 0)
        return NULL;
    if (coeffs_compute(src->height, box[1], box[3], out_h, win[1], wh, fn, support, &cv) != 0) {
        coeffs_free(&ch);
        return NULL;
    }
    /* Source rows feeding the vertical pass: the taps' span, or the window's rows without one. */
    int first = win[1], last = win[1] + wh;
    if (need_v) {
        first = cv.bounds[0];
        last = cv.bounds[wh * 2 - 2] + cv.bounds[wh * 2 - 1];
        for (int i = 0; i < wh; i++) cv.bounds[i * 2] -= first;
    }
    cdx_image *tmp = NULL, *out = NULL;
    cdx_image view;
    const cdx_image *cur = NULL;
    if (need_h) {
        tmp = img_new(ww, last - first > 0 ? last - first : 1, src->mode);
        if (tmp) {
            if (last - first <= 0) tmp->height = 0;
            if (is_i) hpass_i32(src, first, tmp, &ch);
            else hpass_u8(src, first, tmp, &ch, simd);
            cur = tmp;
        }
    } else {
        view = view_of(src, win[0], first, ww, last - first);
        cur = &view;
    }
    if (cur && need_v) {
        out = img_new(ww, wh, src->mode);
        if (out) {
            if (is_i) vpass_i32(cur, out, &cv);
            else if (vpass_u8(cur, out, &cv, simd) != 0) {
                cdx_image_free(out);
                out = NULL;
            }
        }
    } else if (cur) {
        out = tmp ? tmp : img_crop(cur, 0, 0, ww, wh);
        tmp = NULL;
    }
    cdx_image_free(tmp);
    coeffs_free(&ch);
    coeffs_free(&cv);
    if (out && img_copy_meta(out, src) != 0) {
        cdx_image_free(out);
        out = NULL;
    }
    return out;
}

cdx_image *img_resample_with(const cdx_image *src, int out_w, int out_h, img_filter filter,
                             const float box[4], int flags) {
    const int win[4] = {0, 0, out_w, out_h};
    return img_resample_window(src, out_w, out_h, filter, box, win, flags);
}

cdx_image *img_resample(const cdx_image *src, int out_w, int out_h, img_filter filter,
                        const float box[4]) {
    return img_resample_with(src, out_w, out_h, filter, box, 0);
}
