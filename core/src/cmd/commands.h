/* The subcommands of `phasebench`.  Each takes the full argv (argv[1] is the
 * subcommand's name), handles --help, and returns the process exit code:
 * 0 success, 1 a result that failed (a check, a compare, a run), 2 a usage
 * or input error. */
#ifndef PB_COMMANDS_H
#define PB_COMMANDS_H

int pb_cmd_backends(int argc, char **argv);
int pb_cmd_train(int argc, char **argv);
int pb_cmd_compare(int argc, char **argv);
int pb_cmd_run(int argc, char **argv);
int pb_cmd_check(int argc, char **argv);
int pb_cmd_bench(int argc, char **argv);
int pb_cmd_plot(int argc, char **argv);
int pb_cmd_experiments(int argc, char **argv);
int pb_cmd_merge(int argc, char **argv);

#endif
