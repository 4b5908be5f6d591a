/* Reading a plugin's descriptor straight from its file, before dlopen():
 * dlopen() runs the object's constructors (and those of its dependencies),
 * so the loader checks the plain-data fields of the descriptor first and
 * loads only a file that claims the right ABI.  Native ELF only. */
#ifndef PB_ELF_PEEK_H
#define PB_ELF_PEEK_H

#include <stddef.h>

/* Copy the first len bytes of the object that the dynamic symbol `symbol`
 * names in the shared object at path into out.  Returns 0, 1 when the file
 * is a native ELF shared object without that symbol, or -1 with a message
 * (not ELF, another machine or class, truncated, symbol not in the file's
 * initialised data). */
int pb_elf_peek_symbol(const char *path, const char *symbol, void *out, size_t len, char *err,
                       size_t err_len);

#endif
