/* temporary: replaced by cmd_thumb.c / cmd_cost.c */
#include "cli.h"
int cmd_thumb(int argc, char **argv) { (void)argc; (void)argv; return 2; }
int cmd_cost(int argc, char **argv) { (void)argc; (void)argv; return 2; }
