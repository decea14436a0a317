/* The compile cache: see cache.h. */
#include "cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/* ---- SHA-256 (FIPS 180-4) ------------------------------------------ */

static const uint32_t sha_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

static void sha_block(uint32_t h[8], const unsigned char *p)
{
	uint32_t w[64];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) +
			      sha_k[i] + w[i];
		uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		hh = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	h[0] += a; h[1] += b; h[2] += c; h[3] += d;
	h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

void cache_hash_init(struct cache_hash *c)
{
	static const uint32_t init[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	memcpy(c->h, init, sizeof(init));
	c->total = 0;
	c->used = 0;
}

void cache_hash_put(struct cache_hash *c, const void *data, size_t len)
{
	const unsigned char *p = data;
	c->total += len;
	while (len) {
		size_t n = 64 - c->used < len ? 64 - c->used : len;
		memcpy(c->block + c->used, p, n);
		c->used += n;
		p += n;
		len -= n;
		if (c->used == 64) {
			sha_block(c->h, c->block);
			c->used = 0;
		}
	}
}

void cache_hash_str(struct cache_hash *c, const char *s)
{
	if (!s)
		s = "";
	cache_hash_put(c, s, strlen(s) + 1);
}

void cache_hash_hex(struct cache_hash *c, char out[65])
{
	uint64_t bits = c->total * 8;
	unsigned char pad = 0x80, zero = 0, len[8];
	cache_hash_put(c, &pad, 1);
	while (c->used != 56)
		cache_hash_put(c, &zero, 1);
	for (int i = 0; i < 8; i++)
		len[i] = (unsigned char)(bits >> (56 - 8 * i));
	cache_hash_put(c, len, 8);
	for (int i = 0; i < 8; i++)
		snprintf(out + 8 * i, 9, "%08x", c->h[i]);
}

/* ---- identities ---------------------------------------------------- */

static void hash_file_if_small(struct cache_hash *c, const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t r = read(fd, buf, sizeof(buf));
	if (r > 0)
		cache_hash_put(c, buf, (size_t)r);
	close(fd);
}

const char *cache_kernel_identity(void)
{
	static char id[65 + 256];
	if (id[0])
		return id;
	struct cache_hash c;
	cache_hash_init(&c);
	struct utsname u;
	if (uname(&u) == 0) {
		cache_hash_str(&c, u.release);
		cache_hash_str(&c, u.version);
		cache_hash_str(&c, u.machine);
	}
	/* The build-id note changes with every kernel build. (Not the BTF
	 * file's mtime: sysfs gives the boot's time, and the cache would miss
	 * after every reboot of the same kernel.) */
	hash_file_if_small(&c, "/sys/kernel/notes");
	struct stat st;
	if (stat("/sys/kernel/btf/vmlinux", &st) == 0) {
		long long size = (long long)st.st_size;
		cache_hash_put(&c, &size, sizeof(size));
	}
	char hex[65];
	cache_hash_hex(&c, hex);
	snprintf(id, sizeof(id), "%s:%s", u.release, hex);
	return id;
}

const char *cache_kernel_build(void)
{
	static char hex[65];
	static bool done;
	if (done)
		return hex;
	done = true;
	char buf[4096];
	int fd = open("/sys/kernel/notes", O_RDONLY | O_CLOEXEC);
	ssize_t r = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
	if (fd >= 0)
		close(fd);
	if (r > 0) {
		struct cache_hash c;
		cache_hash_init(&c);
		cache_hash_put(&c, buf, (size_t)r);
		cache_hash_hex(&c, hex);
	}
	return hex;
}

/* ---- directories --------------------------------------------------- */

static bool make_dirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		int rc = mkdir(path, 0755);
		*p = '/';
		if (rc != 0 && errno != EEXIST)
			return false;
	}
	return mkdir(path, 0755) == 0 || errno == EEXIST;
}

static bool usable_dir(char *path)
{
	return make_dirs(path) && access(path, W_OK | X_OK) == 0;
}

const char *cache_root(void)
{
	static char root[4096];
	if (root[0])
		return root;
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	if (xdg && *xdg == '/') {
		snprintf(root, sizeof(root), "%s/btap", xdg);
		if (usable_dir(root))
			return root;
	}
	if (home && *home == '/') {
		snprintf(root, sizeof(root), "%s/.cache/btap", home);
		if (usable_dir(root))
			return root;
	}
	snprintf(root, sizeof(root), "/tmp/btap-cache-%u", (unsigned)getuid());
	if (usable_dir(root))
		return root;
	root[0] = '\0';
	return NULL;
}

/* The temporary directories of compiles that never finished (btap killed
 * meanwhile): an hour without a change is long past any compile. */
#define STALE_TMPDIR_SECONDS 3600

static void sweep_stale_tmpdirs(const char *root)
{
	DIR *d = opendir(root);
	if (!d)
		return;
	time_t now = time(NULL);
	struct dirent *e;
	char path[4200];
	while ((e = readdir(d)) != NULL) {
		struct stat st;
		if (strncmp(e->d_name, ".tmp-", 5) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", root, e->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && now - st.st_mtime > STALE_TMPDIR_SECONDS)
			cache_remove_dir(path);
	}
	closedir(d);
}

bool cache_make_tmpdir(char *buf, size_t n)
{
	const char *root = cache_root();
	if (!root)
		return false;
	sweep_stale_tmpdirs(root);
	int len = snprintf(buf, n, "%s/.tmp-XXXXXX", root);
	return len > 0 && (size_t)len < n && mkdtemp(buf) != NULL;
}

void cache_remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		char path[4096];
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
}

bool cache_publish(const char *tmpdir, const char *name, char *out, size_t n)
{
	const char *root = cache_root();
	if (!root)
		return false;
	int len = snprintf(out, n, "%s/%s", root, name);
	if (len <= 0 || (size_t)len >= n)
		return false;
	if (rename(tmpdir, out) == 0)
		return true;
	/* Someone published the same artifact meanwhile: theirs is as good. */
	if (errno == EEXIST || errno == ENOTEMPTY) {
		cache_remove_dir(tmpdir);
		return true;
	}
	return false;
}

bool cache_write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return false;
	const char *p = data;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return false;
		}
		p += w;
		len -= (size_t)w;
	}
	return close(fd) == 0;
}

bool cache_has_file(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool name_has_suffix(const char *name, const char *const *suffixes)
{
	size_t n = strlen(name);
	for (int i = 0; suffixes[i]; i++) {
		size_t m = strlen(suffixes[i]);
		if (n >= m && strcmp(name + n - m, suffixes[i]) == 0)
			return true;
	}
	return false;
}

static void sum_tree(const char *dir, const char *const *suffixes, int depth, int max_depth, uint64_t sum[2],
		     long long *count)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	char path[4096];
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		struct stat st;
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (depth < max_depth)
				sum_tree(path, suffixes, depth + 1, max_depth, sum, count);
			continue;
		}
		if (!S_ISREG(st.st_mode) || !name_has_suffix(e->d_name, suffixes))
			continue;
		struct cache_hash one;
		char hex[65];
		cache_hash_init(&one);
		cache_hash_str(&one, path);
		long long facts[4] = {(long long)st.st_size, (long long)st.st_mtim.tv_sec,
				      (long long)st.st_mtim.tv_nsec, (long long)st.st_ino};
		cache_hash_put(&one, facts, sizeof(facts));
		cache_hash_hex(&one, hex);
		sum[0] += strtoull(hex + 48, NULL, 16);
		hex[48] = '\0';
		sum[1] += strtoull(hex + 32, NULL, 16);
		(*count)++;
	}
	closedir(d);
}

void cache_hash_tree(struct cache_hash *c, const char *dir, const char *const *suffixes, int max_depth)
{
	uint64_t sum[2] = {0, 0};
	long long count = 0;
	cache_hash_str(c, dir);
	sum_tree(dir, suffixes, 0, max_depth, sum, &count);
	cache_hash_put(c, sum, sizeof(sum));
	cache_hash_put(c, &count, sizeof(count));
}
