/* phasebench: the command-line front end.  Each subcommand lives in the
 * core library (commands.h); this file only dispatches. */
#include "build_info.h"
#include "commands.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"backends", pb_cmd_backends, "list backend plugins, their state and capabilities"},
    {"train", pb_cmd_train, "train one net by gradient flow and print its CSV row"},
    {"run", pb_cmd_run, "run a battery of experiments and judge the paper's claims"},
    {"check", pb_cmd_check, "check a backend against the reference, op by op and along a trajectory"},
    {"compare", pb_cmd_compare, "compare a run folder with a stored reference"},
    {"bench", pb_cmd_bench, "time the flow step and the NTK per backend vs the GEMM roofline"},
    {"plot", pb_cmd_plot, "draw the paper's figures from a run folder and write report.html"},
    {"experiments", pb_cmd_experiments, "list experiment plugins, their state and path"},
    {"merge", pb_cmd_merge, "join the shard folders of `run --shard K/N` into one run folder"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: phasebench COMMAND [ARGS]   (phasebench COMMAND --help for more)\n\n"
               "Benchmark and reproducibility suite for \"Landscape and training regimes in\n"
               "deep learning\" (Geiger, Petrini, Wyart, Phys. Rep. 2021).\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
    /* Reports must read back identically whatever the user's locale. */
    setlocale(LC_ALL, "C");
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("phasebench %s (commit %s)\n", PB_VERSION, PB_BUILD_COMMIT);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc, argv);
    fprintf(stderr, "phasebench: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
