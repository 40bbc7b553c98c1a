#ifndef FACILITYMAP_CLIBCRYPTO_SHIM_H
#define FACILITYMAP_CLIBCRYPTO_SHIM_H
/* OpenSSL 3's message digests (EVP): SHA-256 with the CPU's SHA extensions where it has them. */
#include <openssl/evp.h>
#endif
