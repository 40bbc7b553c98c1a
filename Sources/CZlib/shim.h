#ifndef FACILITYMAP_CZLIB_SHIM_H
#define FACILITYMAP_CZLIB_SHIM_H
/* zlib: the server gzips the large JSON answers it keeps in memory, for clients that accept it. */
#include <zlib.h>
#endif
