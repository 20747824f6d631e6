/*
 * zlpagestate.h: the page state dump of `zonelab oracle run --page-state` (docs/oracle.md, "The page state"),
 * included by zlguest.c. Active when the initramfs has /zl/page-state.
 *
 * At step 0 it prints two more sections:
 *
 *   step0.kpageflags  "PFN COUNT FLAGS" (hex, hex, hex): runs of consecutive pfns whose /proc/kpageflags words,
 *                     masked to KPF_MASK below, are equal. 6.1's stable_page_flags sets KPF_BUDDY on every page of a
 *                     free buddy block (PageBuddy on the head, is_free_buddy_page on the tails), so the free pages are
 *                     known exactly; the block orders are not in the file and are derived on the host.
 *   step0.pageblocks  "PFN COUNT BITS" (hex, hex, hex): runs of pageblocks with the same 4 pageblock bits
 *                     (migratetype in bits 0-2, PB_migrate_skip in bit 3), read from the kernel's own bitmap through
 *                     /proc/kcore, because Debian's 6.1 kernels are built without CONFIG_PAGE_OWNER (whose
 *                     /sys/kernel/debug/page_owner would give a used pageblock's type) and no /proc file gives it.
 *                     SPARSEMEM_EXTREME: mem_section (kallsyms, else the vmcoreinfo note) -> root[nr / SECTIONS_PER_ROOT] ->
 *                     struct mem_section { section_mem_map; usage; page_ext; pad } (32 bytes, CONFIG_PAGE_EXTENSION=y)
 *                     -> struct mem_section_usage { struct rcu_head rcu (16 bytes; the 6.1.75 backport of "mm/sparsemem:
 *                     fix race in accessing memory_section->usage"); subsection_map (1 long); pageblock_flags[] }.
 *                     The host checks the result against /proc/pagetypeinfo's census (a wrong layout cannot pass).
 *
 * Step 0 is one moment: the step-0 sections (buddyinfo, pagetypeinfo, slabinfo, vmstat, meminfo, zoneinfo), kpageflags
 * and the pageblock bits are read into buffers between two reads of buddyinfo and pagetypeinfo, and kept only when
 * both reads are byte for byte the same and kpageflags' free pages (KPF_BUDDY) add up to buddyinfo's; otherwise the
 * helper waits and reads again, up to PS_TRIES times (the guest is not idle at step 0: ext4lazyinit zeroes the
 * inode tables of the freshly made disk, jbd2 commits, kcompactd and kswapd may run), and fails the run when the
 * state never holds still. A warm-up read before the first try faults in the helper's buffers and the kernel's
 * seq_file and slab objects, so that the tries themselves allocate nothing. "@@ZL-PAGESTATE tries=N waited_ms=M@@"
 * tells the host (run-info.txt page_state_tries) how many tries it took.
 *
 * After every step N >= 1 it prints stepN.allocs: the kernel's page allocations during the step, from the tracefs
 * instance "zl" (its own 16 MiB buffer, so the summarised main buffer loses nothing) with kmem:mm_page_alloc
 * enabled, as runs "ORDER MIGRATETYPE PAGEBLOCK_PFN COUNT GFP" (pfn in hex) of consecutive events with the same order,
 * migratetype, pageblock and gfp flags, in trace order; then "overrun N" (events the instance lost).
 */
#include <elf.h>
#include <stdarg.h>

#define ZL_INSTANCE TRACE_DIR "/instances/zl"
#define PAGES_PER_SECTION (1UL << 15)       /* SECTION_SIZE_BITS 27 (x86_64 and arm64 4K) - PAGE_SHIFT */
#define PAGEBLOCK_PAGES 512UL               /* pageblock_order 9 */
#define MEM_SECTION_SIZE 32UL
#define SECTIONS_PER_ROOT (4096UL / MEM_SECTION_SIZE)
#define USAGE_PAGEBLOCK_FLAGS 24UL

/* KPF_DIRTY LRU ACTIVE SLAB WRITEBACK BUDDY MMAP ANON SWAPCACHE SWAPBACKED COMPOUND_HEAD COMPOUND_TAIL HUGE
 * UNEVICTABLE NOPAGE KSM THP OFFLINE ZERO_PAGE PGTABLE, and the kernel-internal RESERVED (32) MLOCKED (33) */
#define KPF_MASK 0x305f7fdf0ULL

static int page_state_on;
static int alloc_trace_on;
static int drain_trace_on;   /* --drain-trace: kmem:mm_page_pcpu_drain too (stepN.drains) */

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return errno;
	int rc = write(fd, s, strlen(s)) < 0 ? errno : 0;
	close(fd);
	return rc;
}

/* the allocation trace: an instance of its own, so that the main buffer's summarised counts lose nothing */
static void page_state_init(void)
{
	page_state_on = access("/zl/page-state", F_OK) == 0;
	if (!page_state_on)
		return;
	/*
	 * /zl/no-alloc-trace (oracle run --no-alloc-trace): the step-0 state only. The instance's ring buffer is
	 * allocated here, before step 0, one order-0 GFP_KERNEL page at a time (__rb_allocate_pages, 6.1
	 * kernel/trace/ring_buffer.c: 4096 pages for 16 MiB, plus the default trace_buf_size at mkdir), and
	 * __rmqueue_smallest serves those from the smallest Unmovable free blocks first: the boot's low-order holes
	 * the workload's final buddyinfo still shows would be gone from the guest before step 0.
	 */
	alloc_trace_on = access("/zl/no-alloc-trace", F_OK) != 0;
	if (!alloc_trace_on)
		return;
	drain_trace_on = access("/zl/drain-trace", F_OK) == 0;
	mkdir(ZL_INSTANCE, 0755);
	if (write_str(ZL_INSTANCE "/buffer_size_kb", "16384") || write_str(ZL_INSTANCE "/events/kmem/mm_page_alloc/enable", "1") ||
	    (drain_trace_on && write_str(ZL_INSTANCE "/events/kmem/mm_page_pcpu_drain/enable", "1")) ||
	    write_str(ZL_INSTANCE "/trace", "") || write_str(ZL_INSTANCE "/tracing_on", "1")) {
		fprintf(stderr, "zlguest: cannot set up the trace instance %s\n", ZL_INSTANCE);
		exit(2);
	}
}

/* ---- step 0 captured as one moment ------------------------------------------------------------------- */

#define PS_TRIES 20
#define PS_WAIT_MS 50           /* try N waits N * PS_WAIT_MS before the next: 9.5 s in all */
#define KPF_BUDDY_BIT 0x400ULL

/* a growing text buffer in ps_arena: its pages are faulted in by the warm-up read, not during a try */
struct cap {
	char *buf;
	size_t len, cap;
};

/*
 * The buffers are an anonymous mapping of their own, madvised MADV_NOHUGEPAGE before anything touches them: on a
 * machine of 768 MiB or more THP is on ("always"; hugepage_init turns it off below 512 MiB), and a 12 MiB BSS array
 * had its 2 MiB-aligned parts faulted as transparent huge pages (do_huge_pmd_anonymous_page), 3 of them, 1536 pages
 * the suite's runs do not have. 6.1's hugepage_madvise sets VM_NOHUGEPAGE on this VMA only, which
 * hugepage_vma_check refuses for the fault and for khugepaged; the workload's own anon mappings keep THP (unlike
 * prctl(PR_SET_THP_DISABLE), which sets MMF_DISABLE_THP for the whole process). Pages the texts do not reach are
 * never faulted, so the footprint is the data's size, as with 4 KiB pages of the old BSS array.
 */
static char *ps_arena;
static size_t ps_arena_size, ps_arena_used;

static void ps_arena_init(size_t size)
{
	void *a = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED) {
		printf("@@ZL-FAILED zlguest could not map %zu bytes for the step-0 page state@@\n", size);
		fflush(stdout);
		exit(3);
	}
	if (madvise(a, size, MADV_NOHUGEPAGE) != 0)
		fprintf(stderr, "zlguest: madvise(MADV_NOHUGEPAGE) on the page-state buffers failed\n");
	ps_arena = a;
	ps_arena_size = size;
	ps_arena_used = 0;
}

static void cap_init(struct cap *c, size_t size)
{
	if (ps_arena_used + size > ps_arena_size) {
		fprintf(stderr, "zlguest: page-state buffers exceed %zu bytes\n", ps_arena_size);
		exit(2);
	}
	c->buf = ps_arena + ps_arena_used;
	c->cap = size;
	c->len = 0;
	ps_arena_used += size;
}

static void cap_overflow(const char *what)
{
	printf("@@ZL-FAILED the step-0 page state does not fit in zlguest's buffer (%s)@@\n", what);
	fflush(stdout);
	exit(3);
}

static void cap_printf(struct cap *c, const char *what, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void cap_printf(struct cap *c, const char *what, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(c->buf + c->len, c->cap - c->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= c->cap - c->len)
		cap_overflow(what);
	c->len += (size_t)n;
}

/* a /proc file into c with read(2) only (no stdio buffer to allocate) */
static void cap_file(struct cap *c, const char *path)
{
	c->len = 0;
	c->buf[0] = 0;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	ssize_t n;
	while ((n = read(fd, c->buf + c->len, c->cap - 1 - c->len)) > 0) {
		c->len += (size_t)n;
		if (c->len == c->cap - 1)
			cap_overflow(path);
	}
	c->buf[c->len] = 0; /* for buddyinfo_pages' strtoul */
	close(fd);
}

static void cap_section(int step, const char *name, const struct cap *c)
{
	printf("@@ZL-BEGIN step%d.%s@@\n", step, name);
	fwrite(c->buf, 1, c->len, stdout);
	printf("@@ZL-END step%d.%s@@\n", step, name);
}

static int cap_equal(const struct cap *a, const struct cap *b)
{
	return a->len == b->len && memcmp(a->buf, b->buf, a->len) == 0;
}

/* /proc/kpageflags as masked runs into c; returns the pages with KPF_BUDDY */
static unsigned long cap_kpageflags(struct cap *c)
{
	static unsigned long long buf[4096];
	unsigned long pfn = 0, start = 0, buddy = 0;
	unsigned long long cur = ~0ULL;
	ssize_t n;
	c->len = 0;
	int fd = open("/proc/kpageflags", O_RDONLY);
	if (fd < 0)
		return 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n / 8; i++, pfn++) {
			unsigned long long f = buf[i] & KPF_MASK;
			buddy += (f & KPF_BUDDY_BIT) != 0;
			if (f != cur) {
				if (cur != ~0ULL)
					cap_printf(c, "kpageflags", "%lx %lx %llx\n", start, pfn - start, cur);
				cur = f;
				start = pfn;
			}
		}
	}
	if (cur != ~0ULL)
		cap_printf(c, "kpageflags", "%lx %lx %llx\n", start, pfn - start, cur);
	close(fd);
	return buddy;
}

/* buddyinfo's free pages: sum of count << order over every "Node N, zone NAME c0 c1 ..." line */
static unsigned long buddyinfo_pages(const struct cap *c)
{
	unsigned long pages = 0;
	const char *p = c->buf, *end = c->buf + c->len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		const char *z = memmem(p, (size_t)(e - p), "zone", 4);
		if (z) {
			char *q = (char *)z + 4;
			while (q < e && *q == ' ')
				q++;
			while (q < e && *q != ' ')
				q++; /* the zone name */
			for (int order = 0; q < e; order++) {
				char *next;
				unsigned long v = strtoul(q, &next, 10);
				if (next == q || next > e)
					break;
				pages += v << order;
				q = next;
			}
		}
		p = e + 1;
	}
	return pages;
}

/* /proc/kcore: virtual address -> file offset through its PT_LOAD headers */
static Elf64_Phdr kcore_ph[256];
static int kcore_nph, kcore_fd = -1;

static int kcore_open(void)
{
	Elf64_Ehdr eh;
	kcore_fd = open("/proc/kcore", O_RDONLY);
	if (kcore_fd < 0 || pread(kcore_fd, &eh, sizeof(eh), 0) != sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
		return -1;
	kcore_nph = eh.e_phnum < 256 ? eh.e_phnum : 256;
	if (pread(kcore_fd, kcore_ph, sizeof(Elf64_Phdr) * (size_t)kcore_nph, (off_t)eh.e_phoff) != (ssize_t)(sizeof(Elf64_Phdr) * (size_t)kcore_nph))
		return -1;
	return 0;
}

static int kread(unsigned long va, void *out, size_t n)
{
	for (int i = 0; i < kcore_nph; i++) {
		Elf64_Phdr *p = &kcore_ph[i];
		if (p->p_type == PT_LOAD && va >= p->p_vaddr && va + n <= p->p_vaddr + p->p_memsz)
			return pread(kcore_fd, out, n, (off_t)(p->p_offset + (va - p->p_vaddr))) == (ssize_t)n ? 0 : -1;
	}
	return -1;
}

static unsigned long ksym(const char *name)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char l[256], sym[200], type;
	unsigned long addr = 0, a;
	while (f && fgets(l, sizeof(l), f))
		if (sscanf(l, "%lx %c %199s", &a, &type, sym) == 3 && strcmp(sym, name) == 0) {
			addr = a;
			break;
		}
	if (f)
		fclose(f);
	return addr;
}

/* a physical address through kcore's RAM headers (fs/proc/kcore.c sets p_paddr = __pa(addr) for KCORE_RAM) */
static int kread_phys(unsigned long pa, void *out, size_t n)
{
	for (int i = 0; i < kcore_nph; i++) {
		Elf64_Phdr *p = &kcore_ph[i];
		if (p->p_type == PT_LOAD && p->p_paddr != (Elf64_Addr)-1 && pa >= p->p_paddr && pa + n <= p->p_paddr + p->p_memsz)
			return pread(kcore_fd, out, n, (off_t)(p->p_offset + (pa - p->p_paddr))) == (ssize_t)n ? 0 : -1;
	}
	return -1;
}

/*
 * A data symbol where kallsyms lists functions only (Debian's arm64 6.1: no CONFIG_KALLSYMS_ALL): the vmcoreinfo
 * note (CONFIG_CRASH_CORE) has "SYMBOL(mem_section)=ADDR"; /sys/kernel/vmcoreinfo gives its physical address and size.
 */
static unsigned long vmcoreinfo_symbol(const char *name)
{
	FILE *f = fopen("/sys/kernel/vmcoreinfo", "r");
	unsigned long pa = 0, addr = 0;
	unsigned int size = 0;
	int ok = f && fscanf(f, "%lx %x", &pa, &size) == 2 && size > 0 && size < sizeof(linebuf);
	if (f)
		fclose(f);
	if (!ok || kread_phys(pa, linebuf, size) != 0)
		return 0;
	char key[96];
	snprintf(key, sizeof(key), "SYMBOL(%s)=", name);
	for (unsigned int i = 0; i + strlen(key) < size; i++)
		if (memcmp(linebuf + i, key, strlen(key)) == 0) {
			addr = strtoul(linebuf + i + strlen(key), NULL, 16);
			break;
		}
	return addr;
}

/* found once, before the tries: max_pfn and the mem_section root (kallsyms is slow to read under TCG) */
static unsigned long pb_maxpfn, pb_ms, pb_root;

static void pageblocks_prepare(void)
{
	/* kpageflags reads up to round_up(max_pfn, PAGES_PER_SECTION) (get_max_dump_pfn): its length gives max_pfn */
	int fd = open("/proc/kpageflags", O_RDONLY);
	if (fd >= 0) {
		off_t end = lseek(fd, 0, SEEK_END);
		static unsigned long long buf[4096];
		if (end <= 0) {
			/* a proc file has no size: read it through */
			ssize_t n;
			while ((n = read(fd, buf, sizeof(buf))) > 0)
				pb_maxpfn += (unsigned long)n / 8;
		} else
			pb_maxpfn = (unsigned long)end / 8;
		close(fd);
	}
	/* kallsyms gives the address of the pointer mem_section; vmcoreinfo (VMCOREINFO_SYMBOL_ARRAY) its value */
	if (kcore_open() == 0 && (pb_ms = ksym("mem_section")) != 0 && kread(pb_ms, &pb_root, 8) != 0)
		pb_root = 0;
	if (pb_ms == 0)
		pb_root = vmcoreinfo_symbol("mem_section");
}

static void cap_pageblocks(struct cap *c)
{
	c->len = 0;
	if (pb_maxpfn == 0 || pb_root == 0) {
		cap_printf(c, "pageblocks", "# unreadable: max_pfn %lu mem_section %lx root %lx\n", pb_maxpfn, pb_ms, pb_root);
		return;
	}
	unsigned long start = 0, count = 0, cur = ~0UL;
	for (unsigned long nr = 0; nr * PAGES_PER_SECTION < pb_maxpfn; nr++) {
		unsigned long sec = 0, usage = 0, words[PAGES_PER_SECTION / PAGEBLOCK_PAGES * 4 / 64];
		int ok = kread(pb_root + (nr / SECTIONS_PER_ROOT) * 8, &sec, 8) == 0 && sec != 0 &&
			 kread(sec + (nr % SECTIONS_PER_ROOT) * MEM_SECTION_SIZE + 8, &usage, 8) == 0 && usage != 0 &&
			 kread(usage + USAGE_PAGEBLOCK_FLAGS, words, sizeof(words)) == 0;
		for (unsigned long b = 0; b < PAGES_PER_SECTION / PAGEBLOCK_PAGES; b++) {
			unsigned long v = ok ? (words[b * 4 / 64] >> (b * 4 % 64)) & 0xf : 0x10; /* 0x10: no section */
			unsigned long pfn = nr * PAGES_PER_SECTION + b * PAGEBLOCK_PAGES;
			if (v != cur) {
				if (count)
					cap_printf(c, "pageblocks", "%lx %lx %lx\n", start, count, cur);
				cur = v;
				start = pfn;
				count = 0;
			}
			count++;
		}
	}
	if (count)
		cap_printf(c, "pageblocks", "%lx %lx %lx\n", start, count, cur);
}

/* the step-0 files, read in this order inside one try */
enum { PS_BUDDY, PS_PTI, PS_SLAB, PS_VMSTAT, PS_MEMINFO, PS_ZONEINFO, PS_KPF, PS_PB, PS_BUDDY2, PS_PTI2, PS_NCAP };
static struct cap ps_cap[PS_NCAP];

static int ps_try(unsigned long *kpf_free, unsigned long *bi_free)
{
	cap_file(&ps_cap[PS_BUDDY], "/proc/buddyinfo");
	cap_file(&ps_cap[PS_PTI], "/proc/pagetypeinfo");
	cap_file(&ps_cap[PS_SLAB], "/proc/slabinfo");
	cap_file(&ps_cap[PS_VMSTAT], "/proc/vmstat");
	cap_file(&ps_cap[PS_MEMINFO], "/proc/meminfo");
	cap_file(&ps_cap[PS_ZONEINFO], "/proc/zoneinfo");
	*kpf_free = cap_kpageflags(&ps_cap[PS_KPF]);
	cap_pageblocks(&ps_cap[PS_PB]);
	cap_file(&ps_cap[PS_BUDDY2], "/proc/buddyinfo");
	cap_file(&ps_cap[PS_PTI2], "/proc/pagetypeinfo");
	*bi_free = buddyinfo_pages(&ps_cap[PS_BUDDY]);
	return cap_equal(&ps_cap[PS_BUDDY], &ps_cap[PS_BUDDY2]) && cap_equal(&ps_cap[PS_PTI], &ps_cap[PS_PTI2]) &&
	       *kpf_free == *bi_free;
}

/* snapshot(0) with the page state: every step-0 file of one still moment, or the run fails */
static void page_state_step0(void)
{
	/* room for the largest texts seen (buddyinfo 300 bytes, pagetypeinfo 2.6 KB, slabinfo 17 KB, zoneinfo 6.5 KB,
	 * kpageflags 52 KB, pageblocks 177 bytes on 1 GiB) with a wide margin; only the pages written are faulted in */
	static const size_t sizes[PS_NCAP] = { 16 << 10, 64 << 10, 256 << 10, 16 << 10, 16 << 10, 128 << 10, 4 << 20, 256 << 10, 16 << 10, 64 << 10 };
	size_t total = 0;
	for (int i = 0; i < PS_NCAP; i++)
		total += sizes[i];
	ps_arena_init(total);
	for (int i = 0; i < PS_NCAP; i++)
		cap_init(&ps_cap[i], sizes[i]);
	pageblocks_prepare();
	unsigned long kpf_free = 0, bi_free = 0;
	long waited_ms = 0;
	ps_try(&kpf_free, &bi_free); /* the warm-up: faults in the buffers, the kernel's seq_file and slab objects */
	int tries = 1;
	while (!ps_try(&kpf_free, &bi_free)) {
		fprintf(stderr, "zlguest: step-0 page state try %d: moved (buddyinfo %s, pagetypeinfo %s, kpageflags free %lu, buddyinfo free %lu)\n",
			tries, cap_equal(&ps_cap[PS_BUDDY], &ps_cap[PS_BUDDY2]) ? "same" : "changed",
			cap_equal(&ps_cap[PS_PTI], &ps_cap[PS_PTI2]) ? "same" : "changed", kpf_free, bi_free);
		if (tries == PS_TRIES) {
			printf("@@ZL-FAILED the step-0 page state moved in all %d tries (%ld ms waited): buddyinfo or pagetypeinfo "
			       "changed between the reads before and after kpageflags, or kpageflags' free pages (%lu) are not "
			       "buddyinfo's (%lu)@@\n", PS_TRIES, waited_ms, kpf_free, bi_free);
			fflush(stdout);
			exit(3);
		}
		struct timespec t = { 0, (long)tries * PS_WAIT_MS * 1000000L };
		nanosleep(&t, NULL);
		waited_ms += (long)tries * PS_WAIT_MS;
		tries++;
	}
	if (kcore_fd >= 0)
		close(kcore_fd);
	printf("@@ZL-PAGESTATE tries=%d waited_ms=%ld free=%lu@@\n", tries, waited_ms, kpf_free);
	cap_section(0, "slabinfo", &ps_cap[PS_SLAB]);
	cap_section(0, "buddyinfo", &ps_cap[PS_BUDDY]);
	cap_section(0, "pagetypeinfo", &ps_cap[PS_PTI]);
	cap_section(0, "vmstat", &ps_cap[PS_VMSTAT]);
	cap_section(0, "meminfo", &ps_cap[PS_MEMINFO]);
	cap_section(0, "zoneinfo", &ps_cap[PS_ZONEINFO]);
	trace_counts(0);
	cap_section(0, "kpageflags", &ps_cap[PS_KPF]);
	cap_section(0, "pageblocks", &ps_cap[PS_PB]);
	if (alloc_trace_on)
		write_str(ZL_INSTANCE "/trace", ""); /* the steps' allocations only */
	fflush(stdout);
}

/* one run of the allocation summary */
static struct {
	long order, mt;
	unsigned long pb;
	char gfp[160];
	long n;
} run;

static void flush_run(void)
{
	if (run.n)
		printf("%ld %ld %lx %ld %s\n", run.order, run.mt, run.pb, run.n, run.gfp);
	run.n = 0;
}

static void dump_allocs(int step)
{
	printf("@@ZL-BEGIN step%d.allocs@@\n", step);
	FILE *f = fopen(ZL_INSTANCE "/trace", "r");
	run.n = 0;
	while (f && fgets(linebuf, sizeof(linebuf), f)) {
		const char *p = strstr(linebuf, "mm_page_alloc: ");
		const char *pfn = p ? strstr(p, "pfn=") : NULL, *g = p ? strstr(p, "gfp_flags=") : NULL;
		if (!pfn || !g)
			continue;
		unsigned long pb = strtoul(pfn + 4, NULL, 0) & ~(PAGEBLOCK_PAGES - 1);
		long order = field(p, "order="), mt = field(p, "migratetype=");
		char gfp[160];
		snprintf(gfp, sizeof(gfp), "%.*s", (int)strcspn(g + 10, " \n"), g + 10);
		if (run.n && (run.order != order || run.mt != mt || run.pb != pb || strcmp(run.gfp, gfp) != 0))
			flush_run();
		if (!run.n) {
			run.order = order;
			run.mt = mt;
			run.pb = pb;
			snprintf(run.gfp, sizeof(run.gfp), "%s", gfp);
		}
		run.n++;
	}
	flush_run();
	if (f)
		fclose(f);
	long long overrun = 0;
	for (int cpu = 0; cpu < 64; cpu++) {
		char path[128], l[128];
		snprintf(path, sizeof(path), ZL_INSTANCE "/per_cpu/cpu%d/stats", cpu);
		FILE *s = fopen(path, "r");
		if (!s)
			break;
		while (fgets(l, sizeof(l), s))
			if (strncmp(l, "overrun: ", 9) == 0)
				overrun += atoll(l + 9);
		fclose(s);
	}
	printf("overrun %lld\n", overrun);
	printf("@@ZL-END step%d.allocs@@\n", step);
	write_str(ZL_INSTANCE "/trace", "");
}

/*
 * stepN.drains (--drain-trace): the pages free_pcppages_bulk moved from a per-cpu list to the buddy allocator during
 * the step (kmem:mm_page_pcpu_drain, 6.1 mm/page_alloc.c), as runs "ORDER MIGRATETYPE PFN COUNT" (pfn in hex) of
 * events with the same order and migratetype whose pfns follow one another by 1 << order, in trace order.
 */
static void dump_drains(int step)
{
	printf("@@ZL-BEGIN step%d.drains@@\n", step);
	FILE *f = fopen(ZL_INSTANCE "/trace", "r");
	long order = -1, mt = -1, n = 0;
	unsigned long start = 0, next = 0;
	while (f && fgets(linebuf, sizeof(linebuf), f)) {
		const char *p = strstr(linebuf, "mm_page_pcpu_drain: ");
		const char *pfn = p ? strstr(p, "pfn=") : NULL;
		if (!pfn)
			continue;
		unsigned long v = strtoul(pfn + 4, NULL, 0);
		long o = field(p, "order="), m = field(p, "migratetype=");
		if (n && (o != order || m != mt || v != next)) {
			printf("%ld %ld %lx %ld\n", order, mt, start, n);
			n = 0;
		}
		if (!n) {
			order = o;
			mt = m;
			start = v;
		}
		n++;
		next = v + (1UL << o);
	}
	if (n)
		printf("%ld %ld %lx %ld\n", order, mt, start, n);
	if (f)
		fclose(f);
	printf("@@ZL-END step%d.drains@@\n", step);
}

/* called by snapshot() */
static void page_state(int step)
{
	if (!page_state_on)
		return;
	if (step > 0 && alloc_trace_on && drain_trace_on)
		dump_drains(step); /* before dump_allocs, which empties the instance's buffer */
	if (step > 0 && alloc_trace_on)
		dump_allocs(step);
}
