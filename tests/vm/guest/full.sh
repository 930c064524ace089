#!/bin/sh
# full.sh - the whole VM suite (make vm-test): the short suite, then the
# checks of extra.sh.
VPCI_FULL=1
. /vpci/short.sh
