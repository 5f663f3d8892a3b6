// SPDX-License-Identifier: GPL-2.0-only
/*
 * pngcolors FILE.png [X Y W H [RRGGBB...]]: print "WIDTHxHEIGHT COLOURS",
 * the number of distinct RGB colours in an 8-bit RGB or RGBA PNG (what a
 * browser's screenshot is). A blank or failed page is one or two colours; a
 * rendered report is many. With a region (pixels, clipped to the image),
 * COLOURS counts in it only, and then each RRGGBB given is printed on a
 * line of its own with the number of the region's pixels of exactly that
 * colour: "RRGGBB COUNT".
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

static void die(const char *why)
{
	fprintf(stderr, "pngcolors: %s\n", why);
	exit(1);
}

static int paeth(int a, int b, int c)
{
	int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);

	return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

static long arg(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end || v < 0 || v > 100000)
		die("a region is four numbers: X Y W H");
	return v;
}

int main(int argc, char **argv)
{
	long rx = 0, ry = 0, rw = 100000, rh = 100000;
	size_t nwant = 0, *count = NULL;
	uint32_t *want = NULL;
	static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	uint8_t *file, *idat = NULL, *raw, *seen;
	size_t len, nidat = 0, pos = 8, rawlen, stride, colours = 0;
	uint32_t w = 0, h = 0;
	int bpp = 0;
	uLongf outlen;
	FILE *f;

	if (argc != 2 && argc < 6)
		die("usage: pngcolors FILE.png [X Y W H [RRGGBB...]]");
	if (argc >= 6) {
		rx = arg(argv[2]);
		ry = arg(argv[3]);
		rw = arg(argv[4]);
		rh = arg(argv[5]);
		nwant = (size_t)argc - 6;
		want = calloc(nwant + 1, sizeof(*want));
		count = calloc(nwant + 1, sizeof(*count));
		if (!want || !count)
			die("out of memory");
		for (size_t i = 0; i < nwant; i++) {
			char *end;

			want[i] = (uint32_t)strtoul(argv[6 + i], &end, 16);
			if (strlen(argv[6 + i]) != 6 || *end)
				die("a colour is six hex digits: RRGGBB");
		}
	}
	f = fopen(argv[1], "rb");
	if (!f)
		die("cannot open the file");
	fseek(f, 0, SEEK_END);
	len = (size_t)ftell(f);
	rewind(f);
	file = malloc(len);
	if (!file || fread(file, 1, len, f) != len || len < 8 || memcmp(file, sig, 8))
		die("not a PNG");
	fclose(f);
	while (pos + 12 <= len) {
		uint32_t n, be;
		const uint8_t *type = file + pos + 4, *data = file + pos + 8;

		memcpy(&be, file + pos, 4);
		n = ntohl(be);
		if (pos + 12 + n > len)
			die("truncated chunk");
		if (!memcmp(type, "IHDR", 4)) {
			memcpy(&be, data, 4);
			w = ntohl(be);
			memcpy(&be, data + 4, 4);
			h = ntohl(be);
			if (data[8] != 8 || (data[9] != 2 && data[9] != 6) || data[12])
				die("only 8-bit, non-interlaced RGB or RGBA");
			bpp = data[9] == 6 ? 4 : 3;
		} else if (!memcmp(type, "IDAT", 4)) {
			idat = realloc(idat, nidat + n);
			if (!idat)
				die("out of memory");
			memcpy(idat + nidat, data, n);
			nidat += n;
		}
		pos += 12 + n;
	}
	if (!w || !h || !bpp || w > 20000 || h > 20000)
		die("no usable IHDR");
	stride = (size_t)w * (size_t)bpp;
	rawlen = (stride + 1) * h;
	raw = malloc(rawlen);
	seen = calloc(1 << 21, 1);	/* one bit per 24-bit colour */
	outlen = rawlen;
	if (!raw || !seen || uncompress(raw, &outlen, idat, nidat) != Z_OK || outlen != rawlen)
		die("cannot inflate the image");
	for (uint32_t y = 0; y < h; y++) {
		uint8_t *row = raw + y * (stride + 1), *px = row + 1;
		uint8_t *up = y ? raw + (y - 1) * (stride + 1) + 1 : NULL;

		for (size_t x = 0; x < stride; x++) {
			int a = x >= (size_t)bpp ? px[x - bpp] : 0, b = up ? up[x] : 0;
			int c = up && x >= (size_t)bpp ? up[x - bpp] : 0;

			switch (row[0]) {
			case 0:
				break;
			case 1:
				px[x] += a;
				break;
			case 2:
				px[x] += b;
				break;
			case 3:
				px[x] += (a + b) / 2;
				break;
			case 4:
				px[x] += paeth(a, b, c);
				break;
			default:
				die("bad filter");
			}
		}
		if ((long)y < ry || (long)y >= ry + rh)
			continue;
		for (size_t x = 0; x < stride; x += bpp) {
			uint32_t rgb = (uint32_t)px[x] << 16 | (uint32_t)px[x + 1] << 8 | px[x + 2];
			long col = (long)(x / (size_t)bpp);

			if (col < rx || col >= rx + rw)
				continue;
			for (size_t i = 0; i < nwant; i++)
				count[i] += rgb == want[i];
			if (!(seen[rgb >> 3] & (1 << (rgb & 7)))) {
				seen[rgb >> 3] |= 1 << (rgb & 7);
				colours++;
			}
		}
	}
	printf("%ux%u %zu\n", w, h, colours);
	for (size_t i = 0; i < nwant; i++)
		printf("%06x %zu\n", want[i], count[i]);
	free(want);
	free(count);
	free(file);
	free(idat);
	free(raw);
	free(seen);
	return 0;
}
