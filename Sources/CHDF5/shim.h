// HDF5's C API for Swift (serial libhdf5, pkg-config `hdf5`). HDF5 spells its property lists, file flags and
// native types as macros that call H5open() first, which Swift cannot import: the helpers below return them.
#ifndef STRATA_CHDF5_SHIM_H
#define STRATA_CHDF5_SHIM_H
#include <hdf5.h>
#include <string.h>

static inline hid_t strata_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t strata_h5s_all(void) { return H5S_ALL; }
static inline unsigned strata_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline size_t strata_h5t_variable(void) { return H5T_VARIABLE; }
static inline hid_t strata_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t strata_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t strata_h5t_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t strata_h5t_native_int8(void) { return H5T_NATIVE_INT8; }
static inline hid_t strata_h5t_native_int16(void) { return H5T_NATIVE_INT16; }
static inline hid_t strata_h5t_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t strata_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t strata_h5t_c_s1(void) { return H5T_C_S1; }

// Turns off HDF5's automatic error printing for the calling thread (the error stack is per thread).
static inline void strata_h5_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

typedef struct { char *buf; size_t cap; } strata_h5_msg;
static herr_t strata_h5_walk_cb(unsigned n, const H5E_error2_t *e, void *data) {
    strata_h5_msg *m = (strata_h5_msg *)data;
    if (!e->desc || !e->desc[0]) return 0;
    size_t used = strlen(m->buf);
    if (used + 3 >= m->cap) return 0;
    if (used > 0) { strcat(m->buf, "; "); used += 2; }
    strncat(m->buf, e->desc, m->cap - used - 1);
    (void)n;
    return 0;
}
// Writes the calling thread's HDF5 error descriptions, innermost first, into buf; then clears the stack.
static inline void strata_h5_last_error(char *buf, size_t cap) {
    if (cap == 0) return;
    buf[0] = 0;
    strata_h5_msg m = { buf, cap };
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, strata_h5_walk_cb, &m);
    H5Eclear2(H5E_DEFAULT);
}

// Frees the strings HDF5 allocated for a variable-length string read.
static inline herr_t strata_h5_reclaim(hid_t type, hid_t space, void *buf) {
#if H5_VERSION_GE(1, 12, 0)
    return H5Treclaim(type, space, H5P_DEFAULT, buf);
#else
    return H5Dvlen_reclaim(type, space, H5P_DEFAULT, buf);
#endif
}
#endif
