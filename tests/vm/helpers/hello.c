// SPDX-License-Identifier: GPL-2.0-only
/* The smallest program the tests exec: prints a word and exits 0. */
#include <unistd.h>

int main(void)
{
	static const char msg[] = "hello\n";

	return write(1, msg, sizeof(msg) - 1) == sizeof(msg) - 1 ? 0 : 1;
}
