/* Allocation helpers and a growable byte buffer shared by the simulator's modules. */
#ifndef HCNSIM_UTIL_H
#define HCNSIM_UTIL_H

#include <stdarg.h>
#include <stddef.h>

/* Out of memory is fatal: every input is size-bounded, so only the host can cause it. */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrndup(const char *s, size_t n);
char *xstrdup(const char *s);

/* Grow *items so it holds at least need elements of elem_size bytes. */
void grow(void **items, size_t *cap, size_t need, size_t elem_size);

typedef struct {
    char *data;
    size_t len;
    size_t cap;
} strbuf;

void sb_init(strbuf *sb);
void sb_free(strbuf *sb);
void sb_append(strbuf *sb, const char *s, size_t n);
void sb_puts(strbuf *sb, const char *s);
void sb_putc(strbuf *sb, char c);
void sb_printf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vprintf(strbuf *sb, const char *fmt, va_list ap);
/* Append s as a quoted JSON string. */
void sb_json_string(strbuf *sb, const char *s, size_t n);
/* Detach the NUL-terminated contents (the buffer is left empty). */
char *sb_take(strbuf *sb);

int ascii_casecmp_n(const char *a, size_t na, const char *b);

/* Next comma-separated token of [*p, end), trimmed of spaces; 0 when the list is exhausted. */
int next_token(const char **p, const char *end, const char **tok, size_t *tok_len);

#endif
