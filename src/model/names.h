/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * model/names.h - the format's names of the model's enums, defined once
 * in names.c: access types, header kinds and BAR types (include/vpci/
 * model.h), planes and backing.  The reader, the writer, the description
 * (show), the validator and the quirk reader all use these.
 */
#ifndef VPCI_MODEL_NAMES_H
#define VPCI_MODEL_NAMES_H

#include "vpci/model.h"

#define MODEL_KINDS 3             /* enum vpci_kind */
#define MODEL_BAR_TYPES 6         /* enum vpci_bar_type */
#define MODEL_BAR_FORMAT_TYPES 5  /* the BAR types a file may name (none..mem1m) */

extern const char *const model_access_names[VPCI_ACC_COUNT];
extern const char *const model_kind_names[MODEL_KINDS];
extern const char *const model_bar_type_names[MODEL_BAR_TYPES];
extern const char *const model_plane_keys[VPCI_PL_COUNT];  /* "rw", "rw1c", ... */
extern const char *const model_backing_names[2];           /* "virtual", "device" */
/* The access type a plane stands for (RW for VPCI_PL_RW .. HwInit). */
enum vpci_access model_plane_access(enum vpci_plane p);
/* The sticky variant of RO, RW, RW1C (ROS, RWS, RW1CS); VPCI_ACC_COUNT else. */
enum vpci_access model_sticky_access(enum vpci_access acc);

#endif /* VPCI_MODEL_NAMES_H */
