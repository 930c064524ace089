/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * show.c - describe a function for people (text, in the spirit of
 * `lspci -vvv`) or for scripts (JSON).
 *
 * Everything comes from the model and the capability table: the field
 * list of every capability, its bit decodes and the per-bit planes.  IDs
 * are printed as numbers (like `lspci -n`) so the output does not depend
 * on the installed ID database and is the same on every machine.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "model/func.h"
#include "vpci/render.h"

/* "16K", "2M", "unknown": the largest unit that divides the size. */
static void fmt_size(char *buf, size_t n, const struct vpci_bar_info *b)
{
	static const char units[] = "KMGTPE";
	uint64_t v = b->size;
	int u = -1;

	if (!b->size_known || !b->size) {
		snprintf(buf, n, "unknown");
		return;
	}
	while (u < 5 && v >= 1024 && !(v % 1024)) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, n, "%" PRIu64, v);
	else
		snprintf(buf, n, "%" PRIu64 "%c", v, units[u]);
}

static char pm(uint64_t v, unsigned bit)
{
	return (v >> bit) & 1 ? '+' : '-';
}

static uint64_t field_value(const struct vpci_func *f, unsigned off, unsigned width)
{
	if (off + width > VPCI_CFG_SIZE)
		return 0;
	return le_get64(f->val + off, width);
}

/* Header fields of a CardBus bridge are not described past the common
 * part; the type 0 table must not be applied there. */
static bool header_field_shown(const struct vpci_func *f, const struct field_ref *r)
{
	if (r->fd->flags & FD_MANAGED)
		return false;
	return r->cap >= 0 || f->kind != VPCI_KIND_CARDBUS || r->off < CFG_BAR0;
}

/* --- text ------------------------------------------------------------ */

struct text_ctx {
	struct strbuf *sb;
	unsigned flags;
};

static void text_bits(struct strbuf *sb, const struct vpci_bitdesc *bits, uint64_t v)
{
	bool first = true;

	for (const struct vpci_bitdesc *b = bits; b->name; b++) {
		unsigned nb = (unsigned)(b->hi - b->lo + 1);
		uint64_t x = (v >> b->lo) & (nb >= 64 ? UINT64_MAX : ((uint64_t)1 << nb) - 1);

		sb_puts(sb, first ? " (" : " ");
		first = false;
		if (nb == 1)
			sb_printf(sb, "%s%c", b->name, x ? '+' : '-');
		else if (nb >= 8)
			sb_printf(sb, "%s=%#" PRIx64, b->name, x);
		else
			sb_printf(sb, "%s=%" PRIu64, b->name, x);
	}
	if (!first)
		sb_putc(sb, ')');
}

/*
 * The access of @width bytes at @off, from the planes: one name when the
 * whole register has one access (with the sticky variant: RWS, RW1CS,
 * ROS), else the mask of every access present; then sticky bits and who
 * backs the register.
 */
static void text_access(struct strbuf *sb, const struct vpci_func *f, unsigned off,
			unsigned width)
{
	/* part[i] holds the bits of access type i (RO, RW, RW1C, RsvdP,
	 * RsvdZ, HwInit: enum vpci_access 0..5) */
	uint64_t m = width_mask(width);
	uint64_t pl[VPCI_PL_COUNT];
	uint64_t part[6];
	unsigned nparts = 0, only = 0;
	int digits = (int)width * 2;

	for (int p = 0; p < VPCI_PL_COUNT; p++)
		pl[p] = func_plane_get(f, p, off, width) & m;
	part[1] = pl[VPCI_PL_RW];
	part[2] = pl[VPCI_PL_RW1C] & ~part[1];
	part[3] = pl[VPCI_PL_RSVDP] & ~(part[1] | part[2]);
	part[4] = pl[VPCI_PL_RSVDZ] & ~(part[1] | part[2] | part[3]);
	part[5] = pl[VPCI_PL_HWINIT] & ~(part[1] | part[2] | part[3] | part[4]);
	part[0] = m & ~(part[1] | part[2] | part[3] | part[4] | part[5]);
	for (unsigned i = 0; i < 6; i++) {
		if (part[i]) {
			nparts++;
			only = i;
		}
	}

	sb_puts(sb, "\t\t\taccess: ");
	enum vpci_access sticky = model_sticky_access((enum vpci_access)only);
	if (nparts == 1 && pl[VPCI_PL_STICKY] == m && sticky != VPCI_ACC_COUNT) {
		sb_puts(sb, vpci_access_name(sticky));
	} else {
		if (nparts == 1) {
			sb_puts(sb, vpci_access_name((enum vpci_access)only));
		} else {
			bool first = true;
			for (unsigned i = 0; i < 6; i++) {
				if (!part[i])
					continue;
				sb_printf(sb, "%s%s=0x%0*" PRIx64, first ? "" : " ",
					  vpci_access_name((enum vpci_access)i), digits, part[i]);
				first = false;
			}
		}
		if (pl[VPCI_PL_STICKY])
			sb_printf(sb, ", sticky=0x%0*" PRIx64, digits, pl[VPCI_PL_STICKY]);
	}
	if (pl[VPCI_PL_DEVICE] == m)
		sb_puts(sb, ", device-backed\n");
	else if (pl[VPCI_PL_DEVICE])
		sb_printf(sb, ", device=0x%0*" PRIx64 "\n", digits, pl[VPCI_PL_DEVICE]);
	else
		sb_puts(sb, ", virtual\n");
}

static int text_field_cb(struct vpci_func *f, const struct field_ref *r, void *arg)
{
	struct text_ctx *ctx = arg;
	struct strbuf *sb = ctx->sb;
	uint64_t v;

	if (!header_field_shown(f, r))
		return 0;
	v = field_value(f, r->off, r->fd->width);
	sb_printf(sb, "\t\t%s: 0x%0*" PRIx64, r->name, (int)r->fd->width * 2, v);
	if (r->fd->bits)
		text_bits(sb, r->fd->bits, v);
	sb_putc(sb, '\n');
	if (ctx->flags & VPCI_SHOW_ACCESS)
		text_access(sb, f, r->off, r->fd->width);
	return 0;
}

static void text_bars(struct strbuf *sb, const struct vpci_func *f, unsigned flags)
{
	struct vpci_bar_info b;
	char size[32];

	for (unsigned i = 0; i < func_nbars(f); i++) {
		if (vpci_func_bar(f, i, &b) || b.type == VPCI_BAR_MEM64_HI)
			continue;
		fmt_size(size, sizeof(size), &b);
		sb_printf(sb, "\tRegion %u: ", i);
		if (b.type == VPCI_BAR_IO) {
			if (b.address)
				sb_printf(sb, "I/O ports at %" PRIx64, b.address);
			else
				sb_puts(sb, "I/O ports at <unassigned>");
		} else {
			if (b.address)
				sb_printf(sb, "Memory at %08" PRIx64, b.address);
			else
				sb_puts(sb, "Memory at <unassigned>");
			sb_printf(sb, " (%s, %sprefetchable)",
				  b.type == VPCI_BAR_MEM64 ? "64-bit" :
				  b.type == VPCI_BAR_MEM1M ? "low-1M" : "32-bit",
				  b.prefetchable ? "" : "non-");
		}
		sb_printf(sb, " [size=%s]\n", size);
		if (flags & VPCI_SHOW_ACCESS)
			text_access(sb, f, func_bar_off(f, i), b.type == VPCI_BAR_MEM64 ? 8 : 4);
	}
	if (f->kind != VPCI_KIND_CARDBUS && !vpci_func_bar(f, ROM_INDEX, &b)) {
		fmt_size(size, sizeof(size), &b);
		if (b.address)
			sb_printf(sb, "\tExpansion ROM at %08" PRIx64, b.address);
		else
			sb_puts(sb, "\tExpansion ROM at <unassigned>");
		sb_printf(sb, " [%s] [size=%s]\n", b.enabled ? "enabled" : "disabled", size);
		if (flags & VPCI_SHOW_ACCESS)
			text_access(sb, f, func_bar_off(f, ROM_INDEX), 4);
	}
}

static const char *pcie_type_name(unsigned t)
{
	static const char *const n[] = {
		"Endpoint", "Legacy Endpoint", "Unknown type 2", "Unknown type 3",
		"Root Port", "Upstream Port", "Downstream Port",
		"PCI-Express to PCI/PCI-X Bridge", "PCI/PCI-X to PCI-Express Bridge",
		"Root Complex Integrated Endpoint", "Root Complex Event Collector",
	};
	return t < ARRAY_SIZE(n) ? n[t] : "Unknown type";
}

/* The summary after a standard capability's name (1 when written). */
static int std_cap_summary(struct strbuf *sb, const struct capinst *c, const uint8_t *p)
{
	uint32_t v;

	switch (c->id) {
	case CAPID_PM:
		sb_printf(sb, "%s version %u\n", c->desc->name, le16(p + PM_PMC) & PM_PMC_VERSION);
		return 1;
	case CAPID_MSI:
		v = le16(p + MSI_CTL);
		sb_printf(sb, "MSI: Enable%c Count=%u/%u Maskable%c 64bit%c\n", pm(v, 0),
			  1u << MSI_CTL_MME(v), 1u << MSI_CTL_MMC(v), pm(v, 8), pm(v, 7));
		return 1;
	case CAPID_VENDOR:
		sb_printf(sb, "Vendor Specific Information: Len=%02x\n", p[VNDR_LEN]);
		return 1;
	case CAPID_PCIE:
		v = le16(p + PCIE_FLAGS);
		sb_printf(sb, "Express (v%u) %s, MSI %02x\n", PCIE_FLAGS_VERSION(v),
			  pcie_type_name(PCIE_FLAGS_TYPE(v)), PCIE_FLAGS_MSGNUM(v));
		return 1;
	case CAPID_MSIX:
		v = le16(p + MSIX_CTL);
		sb_printf(sb, "MSI-X: Enable%c Count=%u Masked%c\n", pm(v, 15),
			  (v & MSIX_CTL_TABLE_SIZE) + 1, pm(v, 14));
		return 1;
	default:
		return 0;
	}
}

/* The same for an extended capability. */
static int ext_cap_summary(struct strbuf *sb, const struct capinst *c, const uint8_t *p)
{
	uint32_t v;

	switch (c->id) {
	case ECAPID_DSN:
		sb_printf(sb, "%s", c->desc->name);
		for (int i = 7; i >= 0; i--)
			sb_printf(sb, "%c%02x", i == 7 ? ' ' : '-', p[DSN_SERIAL + i]);
		sb_putc(sb, '\n');
		return 1;
	case ECAPID_VSEC:
		v = le32(p + VSEC_HEADER);
		sb_printf(sb, "%s: ID=%04x Rev=%u Len=%03x\n", c->desc->name, v & 0xffff, VSEC_REV(v), VSEC_LEN(v));
		return 1;
	case ECAPID_DVSEC:
		v = le32(p + VSEC_HEADER);
		sb_printf(sb, "%s: Vendor=%04x ID=%04x Rev=%u Len=%u\n", c->desc->name,
			  v & 0xffff, le16(p + DVSEC_ID), VSEC_REV(v), VSEC_LEN(v));
		return 1;
	default:
		return 0;
	}
}

/* The capability title: its name plus a short summary for a few. */
static void text_cap_title(struct strbuf *sb, const struct vpci_func *f, const struct capinst *c)
{
	const uint8_t *p = f->val + c->off;
	char buf[64];

	if (c->ext)
		sb_printf(sb, "\tCapabilities: [%03x v%u] ", c->off, c->version);
	else
		sb_printf(sb, "\tCapabilities: [%02x] ", c->off);
	if (!c->desc) {
		sb_printf(sb, "%s\n", captab_cap_name(c->ext ? CK_EXT : CK_STD, c->id, buf, sizeof(buf)));
		return;
	}
	if (c->off + 16u <= VPCI_CFG_SIZE && (c->ext ? ext_cap_summary(sb, c, p) : std_cap_summary(sb, c, p)))
		return;
	sb_printf(sb, "%s\n", c->desc->name);
}

/* Text from the instance file, with control characters made visible;
 * a newline continues on an indented line. */
static void text_clean(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\n' && s[1])
			sb_puts(sb, "\n\t\t");
		else if (c == '\n')
			continue;
		else
			sb_putc(sb, c < 0x20 || c == 0x7f ? '?' : (char)c);
	}
}

static void show_text(const struct vpci_func *f, unsigned flags, struct strbuf *sb)
{
	const uint8_t *v = f->val;
	struct text_ctx ctx = { sb, flags };
	const char *name = vpci_func_name(f);
	const char *desc = vpci_func_description(f);
	const struct vpci_cdesc *hd = func_header_desc(f);

	text_clean(sb, *name ? name : "(unnamed)");
	sb_printf(sb, ": Device %04x:%04x, Class %04x (prog-if %02x), rev %02x, %s%s, %u-byte config space\n",
		  le16(v + CFG_VENDOR_ID), le16(v + CFG_DEVICE_ID), le16(v + CFG_CLASS_DEVICE), v[CFG_CLASS_CODE],
		  v[CFG_REVISION_ID], vpci_kind_name((enum vpci_kind)f->kind),
		  f->multifunction ? " (multi-function)" : "", f->size);
	if (*desc) {
		sb_puts(sb, "\tDescription: ");
		text_clean(sb, desc);
		sb_putc(sb, '\n');
	}
	if (f->kind == VPCI_KIND_ENDPOINT)
		sb_printf(sb, "\tSubsystem: %04x:%04x\n", le16(v + CFG0_SUBSYSTEM_VENDOR),
			  le16(v + CFG0_SUBSYSTEM_ID));
	sb_printf(sb, "\tHeader: %s\n", f->kind == VPCI_KIND_CARDBUS ? "CardBus bridge (common part)" :
		  hd ? hd->name : "?");
	func_foreach_cap_field(f, -1, text_field_cb, &ctx);
	text_bars(sb, f, flags);
	for (unsigned i = 0; i < f->ncaps; i++) {
		const struct capinst *c = &f->caps[i];
		text_cap_title(sb, f, c);
		if (flags & VPCI_SHOW_ACCESS)
			sb_printf(sb, "\t\tlength: %u%s\n", c->len, c->len ? "" : " (unknown)");
		func_foreach_cap_field(f, (int)i, text_field_cb, &ctx);
	}
}

/* --- JSON ------------------------------------------------------------ */

static const char *json_bool(bool b)
{
	return b ? "true" : "false";
}

struct json_ctx {
	struct strbuf *sb;
	unsigned n;
	unsigned flags;
	const char *indent;
};

/* The format's plane keys (docs/format.md §9), indexed by enum vpci_plane. */
static const char *const json_plane_keys[VPCI_PL_COUNT] = {
	"rw", "rw1c", "rsvdp", "rsvdz", "hwinit", "sticky", "device"
};

/* With VPCI_SHOW_ACCESS: ", "planes": {...}, "backing": ..." for @width
 * bytes at @off: every plane's mask, and whether the register is virtual,
 * device-backed or mixed. */
static void json_access(struct strbuf *sb, const struct vpci_func *f, unsigned flags, unsigned off,
			unsigned width)
{
	uint64_t m = width_mask(width), dev = func_plane_get(f, VPCI_PL_DEVICE, off, width) & m;

	if (!(flags & VPCI_SHOW_ACCESS))
		return;
	sb_puts(sb, ", \"planes\": {");
	for (int p = 0; p < VPCI_PL_COUNT; p++)
		sb_printf(sb, "%s\"%s\": %" PRIu64, p ? ", " : "", json_plane_keys[p],
			  func_plane_get(f, p, off, width) & m);
	sb_printf(sb, "}, \"backing\": \"%s\"", !dev ? "virtual" : dev == m ? "device" : "mixed");
}

static int json_field_cb(struct vpci_func *f, const struct field_ref *r, void *arg)
{
	struct json_ctx *ctx = arg;
	struct strbuf *sb = ctx->sb;

	if (!header_field_shown(f, r))
		return 0;
	sb_printf(sb, "%s\n%s{\"name\": ", ctx->n++ ? "," : "", ctx->indent);
	sb_json_str(sb, r->name);
	sb_printf(sb, ", \"offset\": %u, \"width\": %u, \"value\": %" PRIu64, r->off,
		  r->fd->width, field_value(f, r->off, r->fd->width));
	json_access(sb, f, ctx->flags, r->off, r->fd->width);
	sb_putc(sb, '}');
	return 0;
}

static void json_size(struct strbuf *sb, const struct vpci_bar_info *b)
{
	if (b->size_known && b->size)
		sb_printf(sb, "%" PRIu64, b->size);
	else
		sb_puts(sb, "null");
}

static void show_json(const struct vpci_func *f, unsigned flags, struct strbuf *sb)
{
	const uint8_t *v = f->val;
	struct vpci_bar_info b;
	unsigned n = 0;
	struct json_ctx hc = { sb, 0, flags, "    " };

	sb_puts(sb, "{\n  \"name\": ");
	sb_json_str(sb, vpci_func_name(f));
	sb_printf(sb, ",\n  \"kind\": \"%s\",\n  \"config_size\": %u,\n", vpci_kind_name((enum vpci_kind)f->kind),
		  f->size);
	sb_printf(sb, "  \"vendor_id\": %u,\n  \"device_id\": %u,\n  \"class_code\": %u,\n  \"revision\": %u,\n",
		  le16(v + CFG_VENDOR_ID), le16(v + CFG_DEVICE_ID), le_get(v + CFG_CLASS_CODE, 3), v[CFG_REVISION_ID]);

	sb_puts(sb, "  \"header\": [");
	func_foreach_cap_field(f, -1, json_field_cb, &hc);
	sb_puts(sb, hc.n ? "\n  ],\n" : "],\n");

	sb_puts(sb, "  \"bars\": [");
	for (unsigned i = 0; i < func_nbars(f); i++) {
		if (vpci_func_bar(f, i, &b) || b.type == VPCI_BAR_MEM64_HI)
			continue;
		sb_printf(sb, "%s\n    {\"index\": %u, \"type\": \"%s\", \"prefetchable\": %s, \"size\": ",
			  n++ ? "," : "", i, vpci_bar_type_name(b.type),
			  json_bool(b.type != VPCI_BAR_IO && b.prefetchable));
		json_size(sb, &b);
		sb_printf(sb, ", \"address\": %" PRIu64, b.address);
		json_access(sb, f, flags, func_bar_off(f, i), b.type == VPCI_BAR_MEM64 ? 8 : 4);
		sb_putc(sb, '}');
	}
	sb_puts(sb, n ? "\n  ],\n" : "],\n");

	sb_puts(sb, "  \"expansion_rom\": ");
	if (f->kind != VPCI_KIND_CARDBUS && !vpci_func_bar(f, ROM_INDEX, &b)) {
		sb_puts(sb, "{\"size\": ");
		json_size(sb, &b);
		sb_printf(sb, ", \"address\": %" PRIu64 ", \"enabled\": %s", b.address, json_bool(b.enabled));
		json_access(sb, f, flags, func_bar_off(f, ROM_INDEX), 4);
		sb_puts(sb, "},\n");
	} else {
		sb_puts(sb, "null,\n");
	}

	sb_puts(sb, "  \"capabilities\": [");
	for (unsigned i = 0; i < f->ncaps; i++) {
		const struct capinst *c = &f->caps[i];
		struct vpci_cap_info ci;
		struct json_ctx jc = { sb, 0, flags, "        " };
		char buf[64];

		vpci_func_cap(f, i, &ci);
		sb_printf(sb, "%s\n    {\n      \"offset\": %u,\n      \"id\": %u,\n      \"extended\": %s,\n"
			  "      \"version\": %u,\n      \"key\": ",
			  i ? "," : "", c->off, c->id, json_bool(c->ext), c->version);
		sb_json_str(sb, ci.key);
		sb_puts(sb, ",\n      \"name\": ");
		sb_json_str(sb, c->desc ? c->desc->name :
			 captab_cap_name(c->ext ? CK_EXT : CK_STD, c->id, buf, sizeof(buf)));
		sb_printf(sb, ",\n      \"length\": %u,\n      \"fields\": [", c->len);
		func_foreach_cap_field(f, (int)i, json_field_cb, &jc);
		sb_puts(sb, jc.n ? "\n      ]\n    }" : "]\n    }");
	}
	sb_puts(sb, f->ncaps ? "\n  ],\n" : "],\n");

	sb_puts(sb, "  \"free_ranges\": [");
	for (unsigned i = 0; i < f->nfree; i++)
		sb_printf(sb, "%s{\"offset\": %u, \"length\": %u}", i ? ", " : "", f->free[i].off, f->free[i].len);
	sb_puts(sb, "]\n}\n");
}

VPCI_EXPORT int vpci_show(const vpci_func *f, unsigned flags, char **out)
{
	struct strbuf sb;

	if (!out)
		return VPCI_EINVAL;
	*out = NULL;
	if (!f)
		return VPCI_EINVAL;
	sb_init(&sb);
	if (flags & VPCI_SHOW_JSON)
		show_json(f, flags, &sb);
	else
		show_text(f, flags, &sb);
	*out = sb_finish(&sb, NULL);
	return *out ? 0 : VPCI_ENOMEM;
}
