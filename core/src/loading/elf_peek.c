#include "elf_peek.h"

#include <elf.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if UINTPTR_MAX > 0xffffffffu
typedef Elf64_Ehdr ehdr_t;
typedef Elf64_Shdr shdr_t;
typedef Elf64_Phdr phdr_t;
typedef Elf64_Sym sym_t;
#define PB_ELFCLASS ELFCLASS64
#else
typedef Elf32_Ehdr ehdr_t;
typedef Elf32_Shdr shdr_t;
typedef Elf32_Phdr phdr_t;
typedef Elf32_Sym sym_t;
#define PB_ELFCLASS ELFCLASS32
#endif

#if defined(__x86_64__)
#define PB_ELF_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define PB_ELF_MACHINE EM_AARCH64
#elif defined(__i386__)
#define PB_ELF_MACHINE EM_386
#else
#define PB_ELF_MACHINE EM_NONE /* not checked */
#endif

/* Bytes [off, off + len) of the file, or -1. */
static int read_at(FILE *f, uint64_t off, void *buf, size_t len)
{
    if (off > (uint64_t)LONG_MAX || fseek(f, (long)off, SEEK_SET) != 0)
        return -1;
    return fread(buf, 1, len, f) == len ? 0 : -1;
}

int pb_elf_peek_symbol(const char *path, const char *symbol, void *out, size_t len, char *err,
                       size_t err_len)
{
    FILE *f = fopen(path, "rb");
    shdr_t *sh = NULL;
    char *names = NULL;
    int rc = -1;
    if (!f) {
        snprintf(err, err_len, "cannot open the file");
        return -1;
    }
    ehdr_t eh;
    if (read_at(f, 0, &eh, sizeof eh) != 0 || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) {
        snprintf(err, err_len, "not an ELF file");
        goto out;
    }
    if (eh.e_ident[EI_CLASS] != PB_ELFCLASS || eh.e_type != ET_DYN ||
        (PB_ELF_MACHINE != EM_NONE && eh.e_machine != PB_ELF_MACHINE)) {
        snprintf(err, err_len, "not a shared object for this machine (ELF class %u, type %u, "
                               "machine %u)",
                 eh.e_ident[EI_CLASS], (unsigned)eh.e_type, (unsigned)eh.e_machine);
        goto out;
    }
    if (eh.e_shentsize != sizeof(shdr_t) || eh.e_shnum == 0 || eh.e_shnum > 4096 ||
        eh.e_phentsize != sizeof(phdr_t) || eh.e_phnum > 4096) {
        snprintf(err, err_len, "malformed ELF headers");
        goto out;
    }
    sh = calloc(eh.e_shnum, sizeof *sh);
    if (!sh || read_at(f, eh.e_shoff, sh, eh.e_shnum * sizeof *sh) != 0) {
        snprintf(err, err_len, "truncated ELF section table");
        goto out;
    }
    const shdr_t *dynsym = NULL;
    for (size_t i = 0; i < eh.e_shnum; i++)
        if (sh[i].sh_type == SHT_DYNSYM)
            dynsym = &sh[i];
    if (!dynsym || dynsym->sh_link >= eh.e_shnum || dynsym->sh_entsize != sizeof(sym_t)) {
        snprintf(err, err_len, "no dynamic symbol table");
        goto out;
    }
    const shdr_t *strtab = &sh[dynsym->sh_link];
    if (strtab->sh_size == 0 || strtab->sh_size > (64u << 20)) {
        snprintf(err, err_len, "malformed dynamic string table");
        goto out;
    }
    names = malloc(strtab->sh_size + 1);
    if (!names || read_at(f, strtab->sh_offset, names, strtab->sh_size) != 0) {
        snprintf(err, err_len, "truncated dynamic string table");
        goto out;
    }
    names[strtab->sh_size] = '\0';
    uint64_t vaddr = 0, size = 0;
    int found = 0;
    size_t nsyms = dynsym->sh_size / sizeof(sym_t);
    for (size_t i = 0; i < nsyms && !found; i++) {
        sym_t s;
        if (read_at(f, dynsym->sh_offset + i * sizeof s, &s, sizeof s) != 0) {
            snprintf(err, err_len, "truncated dynamic symbol table");
            goto out;
        }
        if (s.st_name < strtab->sh_size && s.st_shndx != SHN_UNDEF &&
            strcmp(names + s.st_name, symbol) == 0) {
            vaddr = s.st_value;
            size = s.st_size;
            found = 1;
        }
    }
    if (!found) {
        rc = 1;
        goto out;
    }
    if (size < len) {
        snprintf(err, err_len, "symbol %s is %llu bytes, expected at least %zu", symbol,
                 (unsigned long long)size, len);
        goto out;
    }
    /* The file offset of the symbol: through the loadable segment holding it. */
    for (size_t i = 0; i < eh.e_phnum; i++) {
        phdr_t ph;
        if (read_at(f, eh.e_phoff + i * sizeof ph, &ph, sizeof ph) != 0)
            break;
        if (ph.p_type == PT_LOAD && vaddr >= ph.p_vaddr && vaddr + len <= ph.p_vaddr + ph.p_filesz) {
            if (read_at(f, ph.p_offset + (vaddr - ph.p_vaddr), out, len) != 0)
                break;
            rc = 0;
            goto out;
        }
    }
    snprintf(err, err_len, "symbol %s is not in the file's initialised data", symbol);
out:
    free(sh);
    free(names);
    fclose(f);
    return rc;
}
