// SPDX-License-Identifier: GPL-2.0-only
/* What the guest benchmark's static exec runs: nothing, then exit 0. Static,
 * so that the exec costs the kernel's work on one file and no loader. */
int main(void)
{
	return 0;
}
