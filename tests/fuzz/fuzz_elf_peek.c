/* libFuzzer harness: the plugin descriptor reader (elf_peek.c), which reads
 * untrusted files before anything of them is loaded. */
#include "elf_peek.h"
#include "phasebench/backend.h"
#include "phasebench/experiment.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    char path[512], err[512];
    fuzz_write(fuzz_path(path, sizeof path, NULL, "plugin.so"), data, size);
    unsigned char out[64];
    pb_elf_peek_symbol(path, PB_BACKEND_DESC_NAME, out, 24, err, sizeof err);
    pb_elf_peek_symbol(path, PB_EXPERIMENT_DESC_NAME, out, sizeof out, err, sizeof err);
    return 0;
}
