// SPDX-License-Identifier: GPL-2.0-only
/* The santa import parser on arbitrary bytes (checks in import_fuzz.h). */
#include "import_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_import(IMPORT_SANTA, data, size);
}
