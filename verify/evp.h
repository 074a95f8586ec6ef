/* evp.h — the OpenSSL digest behind a DksHash, for the two files of
 * verify/ that talk to OpenSSL (canon.c, which owns the hashes, and
 * crypto.c).  Nothing else includes OpenSSL's headers. */
#pragma once
#include <openssl/evp.h>
#include "verify/canon.h"

/* The digest, fetched from the default provider once per process and
 * shared (thread-safe; never freed): EVP_sha256() and friends make OpenSSL
 * look the implementation up again on every use.  NULL only if the
 * provider has no such digest; the caller then fails as it would have
 * with EVP_sha256(). */
const EVP_MD *dks_evp_md(DksHash hash);
