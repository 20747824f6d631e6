/*
 * zlguest: the ZoneLab oracle's workload runner inside a QEMU guest (docs/oracle.md).
 *
 * It reads a step file written by `zonelab oracle run` (one step per line, fields separated by blanks),
 * runs the steps in order in one process (so that anonymous memory, open pipes and files stay alive until a
 * later step frees them), and after each step prints on stdout, framed for the host:
 *
 *   @@ZL-STEP <index> <kind> ns=<elapsed> rc=<0|errno> [key=value ...]@@
 *   @@ZL-BEGIN step<index>.<file>@@ ... @@ZL-END step<index>.<file>@@   (buddyinfo pagetypeinfo vmstat meminfo
 *                                                                       zoneinfo, and trace = event counts)
 *
 * Step lines (sizes in bytes, counts plain):
 *   anon NAME BYTES FLAGS          mmap + touch every page; FLAGS: any of mlock,thp,nothp joined by ',' or '-'
 *   free NAME                      munmap / close / unlink whatever NAME holds
 *   file NAME DIR BYTES DIRTY      write a file of BYTES under DIR; DIRTY=0 fsyncs it (clean cache), 1 leaves it dirty
 *   read NAME                      read NAME's file again (page cache refaults after reclaim)
 *   files NAME DIR COUNT           COUNT empty files in DIR/NAME.d (inodes + dentries: slab)
 *   pipes NAME COUNT               COUNT pipes, one page written into each (unmovable pipe buffers)
 *   write PATH VALUE               write VALUE to a /proc or /sys file (drop_caches, compact_memory, nr_hugepages,
 *                                  memory block state, ...); rc is the errno of the write, and the file is read back
 *   thin NAME KEEP                 MADV_DONTNEED every page of NAME's anonymous memory except one in KEEP
 *   offline NAME ZONE INDEX        offline the INDEX-th (from 0; negative from the end) online memory block whose
 *                                  valid_zones starts with ZONE; rc is the errno, block=N names it
 *   online NAME                    online the block NAME offlined
 *   sleep MS                       nanosleep
 *
 * The trace section counts the ftrace events enabled by the guest's init since the previous step (the buffer is
 * cleared after each step): one line per event name, mm_page_alloc_extfrag split by (alloc, fallback,
 * change_ownership), mm_migrate_pages summed (succeeded, failed), mm_compaction_end by status.
 *
 * Built static (gcc -static; aarch64-linux-gnu-gcc -static) so that it runs in a busybox initramfs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define MAX_HOLD 256
#define PAGE 4096UL
#define TRACE_DIR "/sys/kernel/tracing"

struct hold {
	char name[64];
	void *addr;
	size_t len;
	char path[256];   /* file or directory */
	long nfiles;
	int *pipes;       /* 2 fds per pipe */
	long block;       /* memory block offlined by this name, or -1 */
	long npipes;
};

static struct hold holds[MAX_HOLD];
static int nholds;
static char linebuf[1 << 16];

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static struct hold *find(const char *name)
{
	for (int i = 0; i < nholds; i++)
		if (strcmp(holds[i].name, name) == 0)
			return &holds[i];
	return NULL;
}

static struct hold *add(const char *name)
{
	struct hold *h = find(name);
	if (h)
		return h;
	if (nholds == MAX_HOLD) {
		fprintf(stderr, "zlguest: more than %d named holdings\n", MAX_HOLD);
		exit(2);
	}
	h = &holds[nholds++];
	memset(h, 0, sizeof(*h));
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->block = -1;
	return h;
}

static void cat(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	ssize_t n;
	while ((n = read(fd, linebuf, sizeof(linebuf))) > 0)
		fwrite(linebuf, 1, (size_t)n, stdout);
	close(fd);
}

static void section(int step, const char *name, const char *path)
{
	printf("@@ZL-BEGIN step%d.%s@@\n", step, name);
	fflush(stdout);
	cat(path);
	printf("@@ZL-END step%d.%s@@\n", step, name);
}

/* ---- trace event counting ---------------------------------------------------------------------------- */

struct counter {
	char key[96];
	long long n;
};
static struct counter counters[256];
static int ncounters;

static void count(const char *key, long long n)
{
	for (int i = 0; i < ncounters; i++)
		if (strcmp(counters[i].key, key) == 0) {
			counters[i].n += n;
			return;
		}
	if (ncounters < 256) {
		snprintf(counters[ncounters].key, sizeof(counters[0].key), "%s", key);
		counters[ncounters++].n = n;
	}
}

static long field(const char *line, const char *name)
{
	const char *p = strstr(line, name);
	if (!p)
		return -1;
	return strtol(p + strlen(name), NULL, 10);
}

static void trace_line(const char *line)
{
	if (line[0] == '#')
		return;
	/* "  task-pid  [cpu] flags  ts: event: fields": the event name ends at the second ": " */
	const char *p = strstr(line, ": ");
	if (!p)
		return;
	const char *ev = p + 2;
	const char *end = strstr(ev, ": ");
	if (!end)
		end = ev + strcspn(ev, " \n");
	char name[64];
	size_t len = (size_t)(end - ev);
	if (len == 0 || len >= sizeof(name))
		return;
	memcpy(name, ev, len);
	name[len] = 0;
	count(name, 1);
	char key[96];
	if (strcmp(name, "mm_page_alloc_extfrag") == 0) {
		snprintf(key, sizeof(key), "extfrag alloc=%ld fallback=%ld claim=%ld",
			 field(end, "alloc_migratetype="), field(end, "fallback_migratetype="),
			 field(end, "change_ownership="));
		count(key, 1);
	} else if (strcmp(name, "mm_migrate_pages") == 0) {
		count("migrate succeeded", field(end, "succeeded="));
		count("migrate failed", field(end, "failed="));
	} else if (strcmp(name, "mm_compaction_end") == 0) {
		const char *s = strstr(end, "status=");
		if (s) {
			snprintf(key, sizeof(key), "compaction_end %.*s", (int)strcspn(s, " \n"), s);
			count(key, 1);
		}
	}
}

static void trace_counts(int step)
{
	ncounters = 0;
	FILE *f = fopen(TRACE_DIR "/trace", "r");
	if (f) {
		while (fgets(linebuf, sizeof(linebuf), f))
			trace_line(linebuf);
		fclose(f);
	}
	/* lost events: per-CPU "overrun" in per_cpu/cpuN/stats */
	long long overrun = 0;
	for (int cpu = 0; cpu < 64; cpu++) {
		char path[128];
		snprintf(path, sizeof(path), TRACE_DIR "/per_cpu/cpu%d/stats", cpu);
		FILE *s = fopen(path, "r");
		if (!s)
			break;
		char l[128];
		while (fgets(l, sizeof(l), s))
			if (strncmp(l, "overrun: ", 9) == 0)
				overrun += atoll(l + 9);
		fclose(s);
	}
	printf("@@ZL-BEGIN step%d.trace@@\n", step);
	for (int i = 0; i < ncounters; i++)
		printf("%s %lld\n", counters[i].key, counters[i].n);
	printf("overrun %lld\n", overrun);
	printf("@@ZL-END step%d.trace@@\n", step);
	int fd = open(TRACE_DIR "/trace", O_WRONLY | O_TRUNC);
	if (fd >= 0)
		close(fd);
}

#include "zlpagestate.h"

static void snapshot(int step)
{
	if (step == 0 && page_state_on) {
		page_state_step0();
		return;
	}
	if (step == 0)
		section(step, "slabinfo", "/proc/slabinfo");
	section(step, "buddyinfo", "/proc/buddyinfo");
	section(step, "pagetypeinfo", "/proc/pagetypeinfo");
	section(step, "vmstat", "/proc/vmstat");
	section(step, "meminfo", "/proc/meminfo");
	section(step, "zoneinfo", "/proc/zoneinfo");
	trace_counts(step);
	page_state(step);
	fflush(stdout);
}

/* ---- steps -------------------------------------------------------------------------------------------- */

static int do_anon(struct hold *h, size_t len, const char *flags, char *extra, size_t ne)
{
	int prot = PROT_READ | PROT_WRITE;
	void *a = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		return errno;
	if (strstr(flags, "nothp"))
		madvise(a, len, MADV_NOHUGEPAGE);
	else if (strstr(flags, "thp"))
		madvise(a, len, MADV_HUGEPAGE);
	for (size_t off = 0; off < len; off += PAGE)
		((volatile char *)a)[off] = 1;
	int rc = 0;
	if (strstr(flags, "mlock") && mlock(a, len) != 0)
		rc = errno;
	h->addr = a;
	h->len = len;
	snprintf(extra, ne, "pages=%zu", len / PAGE);
	return rc;
}

static int write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);
		if (w < 0)
			return errno;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

static int do_file(struct hold *h, const char *dir, size_t len, int dirty)
{
	snprintf(h->path, sizeof(h->path), "%s/%s", dir, h->name);
	int fd = open(h->path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return errno;
	static char block[1 << 16];
	memset(block, 0x5a, sizeof(block));
	int rc = 0;
	for (size_t off = 0; off < len && rc == 0; off += sizeof(block)) {
		size_t n = len - off < sizeof(block) ? len - off : sizeof(block);
		rc = write_all(fd, block, n);
	}
	if (rc == 0 && !dirty && fsync(fd) != 0)
		rc = errno;
	close(fd);
	h->len = len;
	return rc;
}

static int do_read(struct hold *h)
{
	int fd = open(h->path, O_RDONLY);
	if (fd < 0)
		return errno;
	while (read(fd, linebuf, sizeof(linebuf)) > 0)
		;
	close(fd);
	return 0;
}

static int do_files(struct hold *h, const char *dir, long n)
{
	snprintf(h->path, sizeof(h->path), "%s/%s.d", dir, h->name);
	if (mkdir(h->path, 0755) != 0 && errno != EEXIST)
		return errno;
	char p[320];
	for (long i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "%s/%ld", h->path, i);
		int fd = open(p, O_WRONLY | O_CREAT, 0644);
		if (fd < 0)
			return errno;
		close(fd);
		h->nfiles = i + 1;
	}
	return 0;
}

static int do_pipes(struct hold *h, long n)
{
	h->pipes = calloc((size_t)n * 2, sizeof(int));
	if (!h->pipes)
		return ENOMEM;
	static char page[PAGE];
	memset(page, 0x33, sizeof(page));
	for (long i = 0; i < n; i++) {
		if (pipe(h->pipes + 2 * i) != 0)
			return errno;
		h->npipes = i + 1;
		int rc = write_all(h->pipes[2 * i + 1], page, sizeof(page));
		if (rc)
			return rc;
	}
	return 0;
}

static int do_free(struct hold *h)
{
	if (h->addr) {
		munmap(h->addr, h->len);
		h->addr = NULL;
	}
	for (long i = 0; i < h->npipes; i++) {
		close(h->pipes[2 * i]);
		close(h->pipes[2 * i + 1]);
	}
	free(h->pipes);
	h->pipes = NULL;
	h->npipes = 0;
	if (h->nfiles > 0) {
		char p[320];
		for (long i = 0; i < h->nfiles; i++) {
			snprintf(p, sizeof(p), "%s/%ld", h->path, i);
			unlink(p);
		}
		rmdir(h->path);
		h->nfiles = 0;
	} else if (h->path[0]) {
		unlink(h->path);
	}
	h->path[0] = 0;
	h->name[0] = 0; /* the name may be used again */
	return 0;
}

static int do_thin(struct hold *h, long keep, char *extra, size_t ne)
{
	if (!h->addr || keep < 1)
		return EINVAL;
	long freed = 0;
	for (size_t off = 0, i = 0; off < h->len; off += PAGE, i++)
		if (i % (size_t)keep != 0) {
			if (madvise((char *)h->addr + off, PAGE, MADV_DONTNEED) != 0)
				return errno;
			freed++;
		}
	snprintf(extra, ne, "pages=%ld", freed);
	return 0;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return x < y ? -1 : x > y;
}

static int set_state(long block, const char *state)
{
	char p[128];
	snprintf(p, sizeof(p), "/sys/devices/system/memory/memory%ld/state", block);
	int fd = open(p, O_WRONLY);
	if (fd < 0)
		return errno;
	int rc = write(fd, state, strlen(state)) < 0 ? errno : 0;
	close(fd);
	return rc;
}

static int do_offline(struct hold *h, const char *zone, long index, char *extra, size_t ne)
{
	static long blocks[65536];
	long n = 0;
	FILE *ls = popen("ls /sys/devices/system/memory", "r");
	char l[128];
	while (ls && fgets(l, sizeof(l), ls) && n < 65536) {
		long b;
		if (sscanf(l, "memory%ld", &b) != 1)
			continue;
		char p[128], vz[128] = "", st[32] = "";
		snprintf(p, sizeof(p), "/sys/devices/system/memory/memory%ld/valid_zones", b);
		FILE *f = fopen(p, "r");
		if (f) { if (!fgets(vz, sizeof(vz), f)) vz[0] = 0; fclose(f); }
		snprintf(p, sizeof(p), "/sys/devices/system/memory/memory%ld/state", b);
		f = fopen(p, "r");
		if (f) { if (!fgets(st, sizeof(st), f)) st[0] = 0; fclose(f); }
		if (strncmp(st, "online", 6) == 0 && strncmp(vz, zone, strlen(zone)) == 0 &&
		    (vz[strlen(zone)] == '\n' || vz[strlen(zone)] == ' ' || vz[strlen(zone)] == 0))
			blocks[n++] = b;
	}
	if (ls)
		pclose(ls);
	qsort(blocks, (size_t)n, sizeof(long), cmp_long);
	long i = index < 0 ? n + index : index;
	if (i < 0 || i >= n) {
		snprintf(extra, ne, "candidates=%ld", n);
		return ENOENT;
	}
	h->block = blocks[i];
	snprintf(extra, ne, "block=%ld", h->block);
	return set_state(h->block, "offline");
}

static int do_write(const char *path, const char *value, char *extra, size_t ne)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return errno;
	int rc = 0;
	if (write(fd, value, strlen(value)) < 0)
		rc = errno;
	close(fd);
	/* read back what the kernel made of it (nr_hugepages: the pages it obtained; state: online/offline) */
	fd = open(path, O_RDONLY);
	if (fd >= 0) {
		char b[64];
		ssize_t n = read(fd, b, sizeof(b) - 1);
		close(fd);
		if (n > 0) {
			b[n] = 0;
			b[strcspn(b, "\n ")] = 0;
			snprintf(extra, ne, "readback=%s", b);
		}
	}
	return rc;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: zlguest STEPFILE\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "r");
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	/*
	 * A pipes step holds 2 fds per pipe: the init task's default RLIMIT_NOFILE (1024, INR_OPEN_CUR) would stop it
	 * at ~510 pipes with EMFILE, and every later step that opens a file would fail too. Root may raise it up to
	 * fs.nr_open (1048576 by default, sysctl_nr_open).
	 */
	struct rlimit nofile = { 1 << 20, 1 << 20 };
	if (setrlimit(RLIMIT_NOFILE, &nofile) != 0) {
		perror("setrlimit RLIMIT_NOFILE");
		return 2;
	}
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	page_state_init();
	snapshot(0);
	char line[1024];
	int step = 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (line[0] == 0 || line[0] == '#')
			continue;
		char *save, *kind = strtok_r(line, " ", &save);
		char *a1 = strtok_r(NULL, " ", &save), *a2 = strtok_r(NULL, " ", &save);
		char *a3 = strtok_r(NULL, " ", &save), *a4 = strtok_r(NULL, " ", &save);
		char extra[128] = "";
		int rc = 0;
		step++;
		long long t0 = now_ns();
		if (strcmp(kind, "anon") == 0 && a2)
			rc = do_anon(add(a1), strtoull(a2, NULL, 10), a3 ? a3 : "", extra, sizeof(extra));
		else if (strcmp(kind, "free") == 0 && a1)
			rc = find(a1) ? do_free(find(a1)) : ENOENT;
		else if (strcmp(kind, "file") == 0 && a3)
			rc = do_file(add(a1), a2, strtoull(a3, NULL, 10), a4 && a4[0] == '1');
		else if (strcmp(kind, "read") == 0 && a1)
			rc = find(a1) ? do_read(find(a1)) : ENOENT;
		else if (strcmp(kind, "files") == 0 && a3)
			rc = do_files(add(a1), a2, atol(a3));
		else if (strcmp(kind, "pipes") == 0 && a2)
			rc = do_pipes(add(a1), atol(a2));
		else if (strcmp(kind, "thin") == 0 && a2)
			rc = find(a1) ? do_thin(find(a1), atol(a2), extra, sizeof(extra)) : ENOENT;
		else if (strcmp(kind, "offline") == 0 && a3)
			rc = do_offline(add(a1), a2, atol(a3), extra, sizeof(extra));
		else if (strcmp(kind, "online") == 0 && a1) {
			struct hold *h = find(a1);
			rc = h && h->block >= 0 ? set_state(h->block, "online") : ENOENT;
			if (h) snprintf(extra, sizeof(extra), "block=%ld", h->block);
		} else if (strcmp(kind, "write") == 0 && a2)
			rc = do_write(a1, a2, extra, sizeof(extra));
		else if (strcmp(kind, "sleep") == 0 && a1) {
			long ms = atol(a1);
			struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
			nanosleep(&t, NULL);
		} else {
			fprintf(stderr, "zlguest: %s:%d: unknown or incomplete step '%s'\n", argv[1], step, kind);
			return 2;
		}
		long long ns = now_ns() - t0;
		printf("@@ZL-STEP %d %s ns=%lld rc=%d %s@@\n", step, kind, ns, rc, extra);
		snapshot(step);
	}
	printf("@@ZL-STEPS-DONE %d@@\n", step);
	fflush(stdout);
	return 0;
}
