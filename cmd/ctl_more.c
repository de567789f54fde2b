/* ctl_more.c: labpassctl commands of the booking and access modules. */
#include "cmd/ctl.h"

const struct ctl_cmd ctl_more_cmds[] = {
    { "help", NULL, NULL, "this list" },
};
const size_t ctl_more_cmds_len = 0;
