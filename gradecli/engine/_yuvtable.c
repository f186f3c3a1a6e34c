/*
 * gradecli.engine._yuvtable: the inner loop of the exact 8-bit Y'CbCr table kernel, in C.
 *
 * The table has 2**24 uint32 entries indexed (Cb << 16) | (Cr << 8) | Y; an entry packs the
 * graded Y' in bits 24..31 and 4x the graded Cb and Cr in bits 0..11 and 12..23 (see
 * kernels.py). For every chroma sample the kernel looks up the entries of its block of luma
 * pixels, writes their Y' and the rounded mean of their Cb and Cr: the same arithmetic as the
 * numpy implementation in kernels.py, in one pass over the frame instead of about ten. Edge
 * blocks of odd-sized frames repeat the last row/column, as the numpy code's edge padding does.
 *
 * Everything runs without the GIL, so several frames can be graded at once from Python threads.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <math.h>
#include <string.h>

typedef struct {
    Py_buffer view;
    int held;
} Buf;

static int get_buf(PyObject *obj, Buf *b, int writable, int ndim, Py_ssize_t itemsize,
                   const char *name) {
    int flags = PyBUF_STRIDES | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    b->held = 0;
    if (PyObject_GetBuffer(obj, &b->view, flags) < 0) return -1;
    b->held = 1;
    if (b->view.ndim != ndim || b->view.itemsize != itemsize) {
        PyErr_Format(PyExc_ValueError, "%s: expected a %d-D array of %zd-byte items", name, ndim,
                     itemsize);
        return -1;
    }
    if (b->view.strides[b->view.ndim - 1] != itemsize) {
        PyErr_Format(PyExc_ValueError, "%s: rows must be contiguous", name);
        return -1;
    }
    return 0;
}

static void release(Buf *bufs, int n) {
    for (int i = 0; i < n; i++)
        if (bufs[i].held) PyBuffer_Release(&bufs[i].view);
}

/* need(built, u, v, flags) -> int: set flags[(Cb << 8) | Cr] = 1 for every chroma pair of the
 * planes that is not built yet; returns how many distinct such pairs there are. */
static PyObject *need(PyObject *self, PyObject *args) {
    PyObject *o_built, *o_u, *o_v, *o_flags;
    if (!PyArg_ParseTuple(args, "OOOO", &o_built, &o_u, &o_v, &o_flags)) return NULL;
    Buf b[4];
    memset(b, 0, sizeof b);
    if (get_buf(o_built, &b[0], 0, 1, 1, "built") < 0 || get_buf(o_u, &b[1], 0, 2, 1, "u") < 0 ||
        get_buf(o_v, &b[2], 0, 2, 1, "v") < 0 || get_buf(o_flags, &b[3], 1, 1, 1, "flags") < 0) {
        release(b, 4);
        return NULL;
    }
    if (b[0].view.shape[0] != 65536 || b[3].view.shape[0] != 65536 ||
        b[1].view.shape[0] != b[2].view.shape[0] || b[1].view.shape[1] != b[2].view.shape[1]) {
        release(b, 4);
        PyErr_SetString(PyExc_ValueError, "need: bad shapes");
        return NULL;
    }
    const uint8_t *built = (const uint8_t *)b[0].view.buf;
    uint8_t *flags = (uint8_t *)b[3].view.buf;
    Py_ssize_t ch = b[1].view.shape[0], cw = b[1].view.shape[1];
    Py_ssize_t su = b[1].view.strides[0], sv = b[2].view.strides[0];
    const char *pu = (const char *)b[1].view.buf, *pv = (const char *)b[2].view.buf;
    Py_ssize_t count = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t r = 0; r < ch; r++) {
        const uint8_t *ru = (const uint8_t *)(pu + r * su), *rv = (const uint8_t *)(pv + r * sv);
        for (Py_ssize_t c = 0; c < cw; c++) {
            const unsigned pair = ((unsigned)ru[c] << 8) | rv[c];
            if (!built[pair] && !flags[pair]) {
                flags[pair] = 1;
                count++;
            }
        }
    }
    Py_END_ALLOW_THREADS
    release(b, 4);
    return PyLong_FromSsize_t(count);
}

/* apply(table, y, u, v, out_y, out_u, out_v, log2_w, log2_h) -> None */
static PyObject *apply(PyObject *self, PyObject *args) {
    PyObject *o[7];
    int lw, lh;
    if (!PyArg_ParseTuple(args, "OOOOOOOii", &o[0], &o[1], &o[2], &o[3], &o[4], &o[5], &o[6], &lw,
                          &lh))
        return NULL;
    if (lw < 0 || lw > 1 || lh < 0 || lh > 1) {
        PyErr_SetString(PyExc_ValueError, "apply: subsampling must be 4:4:4, 4:2:2 or 4:2:0");
        return NULL;
    }
    static const char *names[7] = {"table", "y", "u", "v", "out_y", "out_u", "out_v"};
    Buf b[7];
    memset(b, 0, sizeof b);
    for (int i = 0; i < 7; i++) {
        if (get_buf(o[i], &b[i], i >= 4, i == 0 ? 1 : 2, i == 0 ? 4 : 1, names[i]) < 0) {
            release(b, 7);
            return NULL;
        }
    }
    Py_ssize_t h = b[1].view.shape[0], w = b[1].view.shape[1];
    Py_ssize_t ch = b[2].view.shape[0], cw = b[2].view.shape[1];
    int ok = b[0].view.shape[0] == (1 << 24) && ((h + (1 << lh) - 1) >> lh) == ch &&
             ((w + (1 << lw) - 1) >> lw) == cw && b[3].view.shape[0] == ch &&
             b[3].view.shape[1] == cw && b[4].view.shape[0] == h && b[4].view.shape[1] == w &&
             b[5].view.shape[0] == ch && b[5].view.shape[1] == cw && b[6].view.shape[0] == ch &&
             b[6].view.shape[1] == cw && h > 0 && w > 0;
    if (!ok) {
        release(b, 7);
        PyErr_SetString(PyExc_ValueError, "apply: plane shapes do not match the subsampling");
        return NULL;
    }
    const uint32_t *table = (const uint32_t *)b[0].view.buf;
    const char *py = b[1].view.buf, *pu = b[2].view.buf, *pv = b[3].view.buf;
    char *qy = b[4].view.buf, *qu = b[5].view.buf, *qv = b[6].view.buf;
    Py_ssize_t sy = b[1].view.strides[0], su = b[2].view.strides[0], sv = b[3].view.strides[0];
    Py_ssize_t ty = b[4].view.strides[0], tu = b[5].view.strides[0], tv = b[6].view.strides[0];
    const int bh = 1 << lh, bw = 1 << lw;
    const int shift = lh + lw + 2;
    const uint32_t half = 1u << (shift - 1);
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t cr = 0; cr < ch; cr++) {
        const uint8_t *ru = (const uint8_t *)(pu + cr * su), *rv = (const uint8_t *)(pv + cr * sv);
        uint8_t *wu = (uint8_t *)(qu + cr * tu), *wv = (uint8_t *)(qv + cr * tv);
        const uint8_t *ry[2];
        uint8_t *wy[2];
        for (int i = 0; i < bh; i++) {
            Py_ssize_t r = cr * bh + i;
            ry[i] = (const uint8_t *)(py + (r < h ? r : h - 1) * sy); /* odd height: repeat */
            wy[i] = r < h ? (uint8_t *)(qy + r * ty) : NULL;
        }
        /* Whole blocks first (the fast path), then a last partial column of an odd width. */
        Py_ssize_t full = (cr * bh + bh <= h) ? w >> lw : 0;
        if (lw == 1 && lh == 1) {
            const uint8_t *y0 = ry[0], *y1 = ry[1];
            uint8_t *o0 = wy[0], *o1 = wy[1];
            for (Py_ssize_t cc = 0; cc < full; cc++) {
                const uint32_t base = ((uint32_t)ru[cc] << 16) | ((uint32_t)rv[cc] << 8);
                const Py_ssize_t x = cc << 1;
                const uint32_t e0 = table[base | y0[x]], e1 = table[base | y0[x + 1]];
                const uint32_t e2 = table[base | y1[x]], e3 = table[base | y1[x + 1]];
                o0[x] = (uint8_t)(e0 >> 24);
                o0[x + 1] = (uint8_t)(e1 >> 24);
                o1[x] = (uint8_t)(e2 >> 24);
                o1[x + 1] = (uint8_t)(e3 >> 24);
                /* Fields hold at most 4 x 1020 < 4096 after summing: no carries between them. */
                const uint32_t s = e0 + e1 + e2 + e3;
                wu[cc] = (uint8_t)(((s & 0xFFFu) + half) >> shift);
                wv[cc] = (uint8_t)((((s >> 12) & 0xFFFu) + half) >> shift);
            }
        } else if (lh == 0) {
            const uint8_t *y0 = ry[0];
            uint8_t *o0 = wy[0];
            for (Py_ssize_t cc = 0; cc < full; cc++) {
                const uint32_t base = ((uint32_t)ru[cc] << 16) | ((uint32_t)rv[cc] << 8);
                uint32_t s = 0;
                for (int j = 0; j < bw; j++) {
                    const Py_ssize_t x = (cc << lw) + j;
                    const uint32_t e = table[base | y0[x]];
                    o0[x] = (uint8_t)(e >> 24);
                    s += e;
                }
                wu[cc] = (uint8_t)(((s & 0xFFFu) + half) >> shift);
                wv[cc] = (uint8_t)((((s >> 12) & 0xFFFu) + half) >> shift);
            }
        } else {
            full = 0; /* 4:4:0 and friends: the general loop below does every block */
        }
        for (Py_ssize_t cc = full; cc < cw; cc++) {
            const uint32_t base = ((uint32_t)ru[cc] << 16) | ((uint32_t)rv[cc] << 8);
            uint32_t su_acc = 0, sv_acc = 0;
            for (int i = 0; i < bh; i++) {
                for (int j = 0; j < bw; j++) {
                    Py_ssize_t x = cc * bw + j;
                    Py_ssize_t xx = x < w ? x : w - 1; /* odd width: repeat the last column */
                    uint32_t e = table[base | ry[i][xx]];
                    if (wy[i] && x < w) wy[i][x] = (uint8_t)(e >> 24);
                    su_acc += e & 0xFFFu;
                    sv_acc += (e >> 12) & 0xFFFu;
                }
            }
            wu[cc] = (uint8_t)((su_acc + half) >> shift);
            wv[cc] = (uint8_t)((sv_acc + half) >> shift);
        }
    }
    Py_END_ALLOW_THREADS
    release(b, 7);
    Py_RETURN_NONE;
}


/* Trilinear or tetrahedral interpolation of a (n, n, n, 3) float32 table indexed [r][g][b][c]
 * (red slowest) at x (3 values clamped to 0..1): the same cells, weights and 6-tetrahedra split
 * as gradecli.color.lut_interp (float rounding aside). */
static void interp(const float *lut, int n, const float *x, int tetra, float *res) {
    float f[3];
    int i[3];
    for (int k = 0; k < 3; k++) {
        float v = x[k] * (float)(n - 1);
        int c = (int)v;
        if (c > n - 2) c = n - 2;
        i[k] = c;
        f[k] = v - (float)c;
    }
    const Py_ssize_t sr = (Py_ssize_t)n * n * 3, sg = (Py_ssize_t)n * 3, sb = 3;
    const float *p0 = lut + i[0] * sr + i[1] * sg + i[2] * sb;
    const float fr = f[0], fg = f[1], fb = f[2];
    if (!tetra) {
        for (int c = 0; c < 3; c++) {
            float c00 = p0[c] + (p0[sb + c] - p0[c]) * fb;
            float c01 = p0[sg + c] + (p0[sg + sb + c] - p0[sg + c]) * fb;
            float c10 = p0[sr + c] + (p0[sr + sb + c] - p0[sr + c]) * fb;
            float c11 = p0[sr + sg + c] + (p0[sr + sg + sb + c] - p0[sr + sg + c]) * fb;
            float c0 = c00 + (c01 - c00) * fg;
            float c1 = c10 + (c11 - c10) * fg;
            res[c] = c0 + (c1 - c0) * fr;
        }
        return;
    }
    /* Corners: V000, one step along the largest fraction, two steps (all but the smallest
     * axis), V111; weights 1 - f1, f1 - f2, f2 - f3, f3 for sorted fractions f1 >= f2 >= f3. */
    const float hi = fr > fg ? fr : fg, lo = fr > fg ? fg : fr;
    const Py_ssize_t a = fr >= fg ? sr : sg; /* offset of the larger of r, g */
    const Py_ssize_t o1 = fb > hi ? sb : a;
    const Py_ssize_t mn = sr + sg - a;      /* offset of the smaller of r, g */
    const Py_ssize_t amin = fb < lo ? sb : mn;
    const float f1 = hi > fb ? hi : fb;
    const float f3 = lo < fb ? lo : fb;
    float f2 = hi < fb ? hi : fb;
    if (f2 < lo) f2 = lo;
    const float w0 = 1.0f - f1, w1 = f1 - f2, w2 = f2 - f3;
    const float *p1 = p0 + o1, *p3 = p0 + sr + sg + sb, *p2 = p3 - amin;
    for (int c = 0; c < 3; c++) res[c] = p0[c] * w0 + p1[c] * w1 + p2[c] * w2 + p3[c] * f3;
}

static inline float clamp01(float v) { return v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v); }

/* fill(table, pairs, lut, to_rgb, to_codes, tetrahedral) -> int
 *
 * Build the table rows of the (Cb << 8) | Cr chroma pairs in ``pairs`` (int64) for all 256 luma
 * codes: code -> R'G'B' (to_rgb: 3x4 float64 affine, codes in), the LUT (float32 (n, n, n, 3))
 * at the colour clamped into the cube plus the excess outside it, -> codes (to_codes: 3x4
 * affine, R'G'B' in, codes out), packed as kernels.py packs them. Returns the entries written. */
static PyObject *fill(PyObject *self, PyObject *args) {
    PyObject *o[5];
    int tetra;
    if (!PyArg_ParseTuple(args, "OOOOOp", &o[0], &o[1], &o[2], &o[3], &o[4], &tetra)) return NULL;
    Buf b[5];
    memset(b, 0, sizeof b);
    static const char *names[5] = {"table", "pairs", "lut", "to_rgb", "to_codes"};
    static const int ndims[5] = {1, 1, 4, 2, 2};
    static const Py_ssize_t sizes[5] = {4, 8, 4, 8, 8};
    for (int i = 0; i < 5; i++) {
        if (get_buf(o[i], &b[i], i == 0, ndims[i], sizes[i], names[i]) < 0) {
            release(b, 5);
            return NULL;
        }
    }
    const Py_ssize_t n = b[2].view.shape[0];
    int ok = b[0].view.shape[0] == (1 << 24) && n >= 2 && b[2].view.shape[1] == n &&
             b[2].view.shape[2] == n && b[2].view.shape[3] == 3 &&
             PyBuffer_IsContiguous(&b[2].view, 'C') && PyBuffer_IsContiguous(&b[3].view, 'C') &&
             PyBuffer_IsContiguous(&b[4].view, 'C') && b[3].view.shape[0] == 3 &&
             b[3].view.shape[1] == 4 && b[4].view.shape[0] == 3 && b[4].view.shape[1] == 4;
    if (!ok) {
        release(b, 5);
        PyErr_SetString(PyExc_ValueError, "fill: bad table, LUT or matrix shapes");
        return NULL;
    }
    uint32_t *table = (uint32_t *)b[0].view.buf;
    const char *pp = (const char *)b[1].view.buf;
    const Py_ssize_t np_ = b[1].view.shape[0], sp = b[1].view.strides[0];
    for (Py_ssize_t k = 0; k < np_; k++) {
        int64_t pair = *(const int64_t *)(pp + k * sp);
        if (pair < 0 || pair > 0xFFFF) {
            release(b, 5);
            PyErr_SetString(PyExc_ValueError, "fill: chroma pair out of range");
            return NULL;
        }
    }
    const float *lut = (const float *)b[2].view.buf;
    float m[12], q[12];
    for (int i = 0; i < 12; i++) {
        m[i] = (float)((const double *)b[3].view.buf)[i];
        q[i] = (float)((const double *)b[4].view.buf)[i];
    }
    const float scale[3] = {1.0f, 4.0f, 4.0f}, top[3] = {255.0f, 1020.0f, 1020.0f};
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t k = 0; k < np_; k++) {
        const uint32_t pair = (uint32_t) * (const int64_t *)(pp + k * sp);
        const float cb = (float)(pair >> 8), cr = (float)(pair & 0xFFu);
        uint32_t *row = table + ((size_t)pair << 8);
        for (int y = 0; y < 256; y++) {
            float rgb[3], in[3], g[3];
            for (int c = 0; c < 3; c++) {
                rgb[c] = m[4 * c] * (float)y + m[4 * c + 1] * cb + m[4 * c + 2] * cr + m[4 * c + 3];
                in[c] = clamp01(rgb[c]);
            }
            interp(lut, (int)n, in, tetra, g);
            for (int c = 0; c < 3; c++) g[c] += rgb[c] - in[c];
            uint32_t code[3];
            for (int c = 0; c < 3; c++) {
                float v = (q[4 * c] * g[0] + q[4 * c + 1] * g[1] + q[4 * c + 2] * g[2] +
                           q[4 * c + 3]) * scale[c];
                v = nearbyintf(v);
                if (!(v >= 0.0f)) v = 0.0f; /* NaN too */
                if (v > top[c]) v = top[c];
                code[c] = (uint32_t)v;
            }
            row[y] = (code[0] << 24) | (code[2] << 12) | code[1];
        }
    }
    Py_END_ALLOW_THREADS
    release(b, 5);
    return PyLong_FromSsize_t(np_ * 256);
}

static PyMethodDef methods[] = {
    {"apply", apply, METH_VARARGS,
     "apply(table, y, u, v, out_y, out_u, out_v, log2_w, log2_h): grade one 8-bit frame."},
    {"need", need, METH_VARARGS,
     "need(built, u, v, flags) -> int: flag the chroma pairs not built yet; how many."},
    {"fill", fill, METH_VARARGS,
     "fill(table, pairs, lut, to_rgb, to_codes, tetrahedral) -> int: build table rows of a "
     "3D LUT for chroma pairs."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_yuvtable",
    "Inner loop of the exact 8-bit Y'CbCr table kernel (see kernels.py).", -1, methods,
};

PyMODINIT_FUNC PyInit__yuvtable(void) { return PyModule_Create(&module); }
