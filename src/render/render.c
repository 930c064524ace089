/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * render.c - the guest's initial view of a function as bytes and as an
 * `lspci -xxxx` style dump that `lspci -F` reads back.
 *
 * Dump rules (see the kernel-doc in vpci/render.h): a header line that
 * starts with the device address and a space, then rows of 16 bytes,
 * "OFF:" printed as at least two lower-case hex digits, each byte as
 * " xx", a newline after every line.
 */
#include <string.h>

#include "model/func.h"
#include "vpci/render.h"

VPCI_EXPORT int vpci_render_bin(const vpci_func *f, uint8_t *buf, size_t size)
{
	unsigned n;

	if (!f || !buf)
		return VPCI_EINVAL;
	n = vpci_func_config_size(f);
	if (size < n)
		return VPCI_ERANGE;
	memcpy(buf, vpci_func_bytes(f), n);
	return (int)n;
}

/* Count the hex digits at @s; return the count and put the value in @v. */
static unsigned hex_run(const char *s, unsigned long *v)
{
	unsigned n = 0;

	*v = 0;
	while (n < 8 && hex_digit(s[n]) >= 0) {
		*v = *v * 16 + (unsigned long)hex_digit(s[n]);
		n++;
	}
	return n;
}

/*
 * "[DDDD:]BB:DD.F": the domain has 4 to 6 hex digits (what lspci reads),
 * bus and device two, the function one; device <= 0x1f, function <= 7.
 */
static int slot_valid(const char *s)
{
	unsigned long v;
	unsigned n = hex_run(s, &v);

	if (n >= 4 && n <= 6 && s[n] == ':') {
		s += n + 1;
		n = hex_run(s, &v);
	}
	if (n != 2 || s[2] != ':')
		return 0;
	s += 3;
	if (hex_run(s, &v) != 2 || v > 0x1f || s[2] != '.')
		return 0;
	s += 3;
	return s[0] >= '0' && s[0] <= '7' && s[1] == '\0';
}

VPCI_EXPORT int vpci_render_lspci(const vpci_func *f, const char *slot, char **out)
{
	struct strbuf sb;
	const uint8_t *b;
	unsigned size, rev;

	if (!out)
		return VPCI_EINVAL;
	*out = NULL;
	if (!f)
		return VPCI_EINVAL;
	if (!slot)
		slot = "00:00.0";
	if (!slot_valid(slot))
		return VPCI_EINVAL;

	b = vpci_func_bytes(f);
	size = vpci_func_config_size(f);
	sb_init(&sb);
	/* the header line lspci prints when it has no ID database */
	sb_printf(&sb, "%s Class %04x: Device %04x:%04x", slot, le16(b + CFG_CLASS_DEVICE),
		  le16(b + CFG_VENDOR_ID), le16(b + CFG_DEVICE_ID));
	rev = b[CFG_REVISION_ID];
	if (rev)
		sb_printf(&sb, " (rev %02x)", rev);
	sb_putc(&sb, '\n');
	for (unsigned off = 0; off < size; off += 16) {
		static const char hex[] = "0123456789abcdef";
		char row[16 * 3 + 1];

		sb_printf(&sb, "%02x:", off);
		for (unsigned i = 0; i < 16; i++) {
			row[3 * i] = ' ';
			row[3 * i + 1] = hex[b[off + i] >> 4];
			row[3 * i + 2] = hex[b[off + i] & 0xf];
		}
		row[48] = '\n';
		sb_putn(&sb, row, sizeof(row));
	}
	*out = sb_finish(&sb, NULL);
	return *out ? 0 : VPCI_ENOMEM;
}
