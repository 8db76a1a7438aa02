// zlib's C API for Swift (pkg-config `zlib`). `inflateInit2` is a macro, which Swift cannot import: the helper
// below calls the function it expands to.
#ifndef STRATA_CZLIB_SHIM_H
#define STRATA_CZLIB_SHIM_H
#include <zlib.h>

// Starts inflating a gzip stream (window bits 15 + 16: gzip header and trailer, CRC checked by zlib).
static inline int strata_inflate_init_gzip(z_stream *s) {
    return inflateInit2_(s, 15 + 16, ZLIB_VERSION, (int)sizeof(z_stream));
}
// Starts inflating a raw deflate stream (window bits -15: no zlib or gzip framing), as ZIP members store it.
static inline int strata_inflate_init_raw(z_stream *s) {
    return inflateInit2_(s, -15, ZLIB_VERSION, (int)sizeof(z_stream));
}
#endif
