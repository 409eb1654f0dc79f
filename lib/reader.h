/*
 * reader - lines from files, stdin or memory, zstd and gzip decompressed as they stream.
 */
#ifndef PK_READER_H
#define PK_READER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/err.h"

#define PK_MAX_RECORD_BYTES_DEFAULT (16u << 20)

enum pk_compression { PK_COMP_NONE, PK_COMP_ZSTD, PK_COMP_GZIP };

struct pk_reader;

/*
 * Open path for reading; NULL or "-" is stdin, named "<stdin>". The
 * format is recognised from the first bytes (zstd frame magic 28 B5 2F FD,
 * gzip 1F 8B), never from the name; anything else passes through as is.
 * Concatenated frames/members (and zstd skippable frames) are read one
 * after another; corrupt or truncated compressed data is an error, never
 * a silent end; so are bytes after the last frame or member that do not
 * start another (gzip(1) only warns about those). Regular files are
 * sniffed at open; pipes and terminals on the first pk_reader_next (so
 * pk_reader_compression says PK_COMP_NONE until then). Memory held: the
 * read buffer (1 MiB, growing to max_line + 256 KiB for long lines) and,
 * for zstd, the frame's window (at most 128 MiB, zstd's default limit).
 * max_line 0 means PK_MAX_RECORD_BYTES_DEFAULT.
 * Returns a new reader (free with pk_reader_free) or NULL with err set
 * (IO, "PATH: strerror").
 */
struct pk_reader *pk_reader_open(const char *path, size_t max_line, struct pk_err *err);
/* Reads from fd (not closed by the reader unless own_fd). */
struct pk_reader *pk_reader_open_fd(const char *name, int fd, int own_fd,
    size_t max_line, struct pk_err *err);
/* Reads data[0..len) (borrowed; must outlive the reader). */
struct pk_reader *pk_reader_open_mem(const char *name, const void *data, size_t len,
    size_t max_line, struct pk_err *err);

/*
 * Next line, without its '\n' (a '\r' before it is kept: callers that care
 * trim it). Blank lines are returned too; callers skip them.
 *   1  a line: *line and *len borrowed; valid until the next call on r
 *   2  an overlong line: its first max_line bytes are in *line and *len, the
 *      rest was read and discarded; the caller rejects it
 *   0  end of input
 *  -1  error, err set (IO: read failure; DATA: corrupt compressed stream,
 *      with name and the line number reached)
 */
int pk_reader_next(struct pk_reader *r, const char **line, size_t *len, struct pk_err *err);

const char *pk_reader_name(const struct pk_reader *r);	/* borrowed */
/* The descriptor read from (-1 for memory), to poll with the on_wait hook. */
int pk_reader_fd(const struct pk_reader *r);
/* Number of the line last returned (1-based). */
long pk_reader_lineno(const struct pk_reader *r);
/* Decompressed bytes consumed up to and including the last returned line's '\n'
 * (its discarded tail included, for an overlong line). */
uint64_t pk_reader_offset(const struct pk_reader *r);
/* Decompressed offset where the last returned line began: where to resume
 * to read it again (an unfinished last line, say). */
uint64_t pk_reader_line_start(const struct pk_reader *r);
/* 0 when the last returned line had no '\n' (end of input in the middle of a line). */
int pk_reader_line_complete(const struct pk_reader *r);
/* Raw (compressed) bytes read from the source so far, and its size or -1. */
uint64_t pk_reader_raw_pos(const struct pk_reader *r);
int64_t pk_reader_raw_size(const struct pk_reader *r);
enum pk_compression pk_reader_compression(const struct pk_reader *r);
/* For plain regular files (and plain memory): continue from byte offset,
 * the line after it numbered lineno + 1 (pass the lineno reached).
 * Returns 0, or -1 (IO, or compressed/unseekable input). */
int pk_reader_seek(struct pk_reader *r, uint64_t offset, long lineno, struct pk_err *err);
/* Device and inode of an opened file (0,0 for stdin pipes and memory). */
void pk_reader_ident(const struct pk_reader *r, dev_t *dev, ino_t *ino);
/*
 * fn(arg) is called whenever the next read of a pipe, terminal or socket
 * would wait for data (never for regular files or memory): the moment to
 * hand on what is batched, since nothing more may come for a while.
 */
void pk_reader_on_wait(struct pk_reader *r, void (*fn)(void *arg), void *arg);
/*
 * For every reader of the process: when a read or open that waits (a
 * pipe, a FIFO, a terminal) is interrupted by a signal and stop() says so
 * (SIGINT, SIGTERM), the input ends there, as at its end but without the
 * unfinished last line; an open so interrupted fails (IO). Other signals
 * (SIGCHLD) are waited through.
 */
void pk_reader_set_stop(int (*stop)(void));
/* Whether r ended because of stop(). */
int pk_reader_stopped(const struct pk_reader *r);
void pk_reader_free(struct pk_reader *r);

#endif
