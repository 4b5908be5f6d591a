/* libFuzzer harness: the CIFAR-10 reader (data_cifar.c).  The input is the
 * first batch file; the five others are one valid record each.  Both the
 * loader and the plan-time probe read the folder. */
#include "data_readers.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8 * PB_CIFAR_RECORD)
        return 0;
    static const char *const others[] = {"data_batch_2.bin", "data_batch_3.bin",
                                         "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"};
    static uint8_t record[PB_CIFAR_RECORD];
    char path[512], err[512], dir[512];
    static int ready;
    if (!ready) {
        for (size_t i = 0; i < sizeof record; i++)
            record[i] = (uint8_t)(i * 7);
        record[0] = 3;
        for (size_t i = 0; i < 5; i++)
            fuzz_write(fuzz_path(path, sizeof path, "cifar", others[i]), record, sizeof record);
        ready = 1;
    }
    fuzz_write(fuzz_path(path, sizeof path, "cifar", "data_batch_1.bin"), data, size);
    snprintf(dir, sizeof dir, "%s/cifar", fuzz_dir());
    size_t n = 0;
    pb_cifar10_probe_dir(dir, &n, err, sizeof err);
    pb_raw_images raw;
    if (pb_cifar10_load_dir(dir, &raw, err, sizeof err) == 0)
        pb_raw_images_free(&raw);
    return 0;
}
