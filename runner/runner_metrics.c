/* --metrics=ADDR:PORT: a small HTTP/1.1 server inside the runner's event
 * loop. GET /metrics answers with every global of the script in the
 * Prometheus text format (runner_prom.c), or with the script's own
 * `probe prometheus`; GET /NAME runs procfs("NAME").read and PUT or POST
 * /NAME procfs("NAME").write (runner_procfs.c). A script with procfs
 * probes and no --metrics is served on a loopback port of its own, said
 * on stderr. Anything else is 404 or 405.
 * Everything is non-blocking and each connection answers one request
 * and closes, so a slow or idle client costs a slot (at most
 * METRICS_MAX_CONNS, each closed after METRICS_IDLE_SEC) and never stalls
 * the loop that drains the probes' output. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "runner_internal.h"
#include "translator/session.h"
#include "translator/util.h"

#define METRICS_MAX_CONNS 16
#define METRICS_MAX_REQUEST 8192
#define METRICS_IDLE_SEC 10

struct metrics_conn {
	int fd;                 /* -1: a free slot */
	time_t since;
	char req[METRICS_MAX_REQUEST];
	size_t reqlen;
	char *resp;             /* the answer, once the request is in */
	size_t resplen, sent;
};

struct runner_metrics {
	int listen_fd;
	int ep;                 /* the listening socket and the connections */
	struct metrics_conn conns[METRICS_MAX_CONNS];
};

/* "HOST:PORT", "[V6]:PORT" or ":PORT" into host (NULL: every address)
 * and port. */
static bool split_address(const char *addr, char *host, size_t hostsz, const char **port)
{
	const char *colon = strrchr(addr, ':');
	if (!colon || !colon[1])
		return false;
	*port = colon + 1;
	const char *h = addr;
	size_t n = (size_t)(colon - addr);
	if (n >= 2 && h[0] == '[' && h[n - 1] == ']')
		h++, n -= 2;
	if (n >= hostsz)
		return false;
	memcpy(host, h, n);
	host[n] = '\0';
	return true;
}

static int listen_on(const char *host, const char *port, char *why, size_t whysz)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(*host ? host : NULL, port, &hints, &res);
	if (rc != 0) {
		snprintf(why, whysz, "%s", gai_strerror(rc));
		return -1;
	}
	int fd = -1;
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 64) != 0) {
			snprintf(why, whysz, "%s", strerror(errno));
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd;
}

/* The address really bound (port 0 picks one), for -v. */
static void say_where(int fd, const char *what)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);
	char host[NI_MAXHOST], port[NI_MAXSERV];
	if (getsockname(fd, (struct sockaddr *)&sa, &len) == 0 &&
	    getnameinfo((struct sockaddr *)&sa, len, host, sizeof(host), port, sizeof(port),
			NI_NUMERICHOST | NI_NUMERICSERV) == 0)
		fprintf(stderr, "btap: %s at http://%s%s%s:%s/%s\n", what[0] == 'm' ? "metrics" : "procfs files",
			strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", port, what);
}

bool runner_metrics_start(struct runner *r)
{
	bool procfs = runner_procfs_any(r);
	if (!r->s->metrics_addr && !procfs)
		return true;
	/* procfs probes without --metrics: a port of their own, on loopback */
	const char *addr = r->s->metrics_addr ? r->s->metrics_addr : "127.0.0.1:0";
	char host[256], why[256] = "invalid address";
	const char *port = NULL;
	int fd = -1;
	if (split_address(addr, host, sizeof(host), &port))
		fd = listen_on(host, port, why, sizeof(why));
	if (fd < 0) {
		runner_fail(r, "cannot serve %s on '%s': %s", r->s->metrics_addr ? "metrics" : "procfs files", addr, why);
		return false;
	}
	struct runner_metrics *m = xcalloc(1, sizeof(*m));
	m->listen_fd = fd;
	for (int i = 0; i < METRICS_MAX_CONNS; i++)
		m->conns[i].fd = -1;
	m->ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = METRICS_MAX_CONNS};
	r->metrics = m;
	if (m->ep < 0 || epoll_ctl(m->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
		runner_fail(r, "cannot serve metrics: %m");
		return false;
	}
	if (r->s->verbose || !r->s->metrics_addr)
		say_where(fd, procfs && !r->s->metrics_addr ? "NAME" : "metrics");
	return true;
}

int runner_metrics_fd(struct runner *r)
{
	return r->metrics ? r->metrics->ep : -1;
}

static void drop(struct runner_metrics *m, struct metrics_conn *c)
{
	if (c->fd >= 0)
		close(c->fd); /* closing removes it from the epoll set */
	free(c->resp);
	c->fd = -1;
	c->resp = NULL;
	c->reqlen = c->resplen = c->sent = 0;
}

static void reap_idle(struct runner_metrics *m, time_t now)
{
	for (int i = 0; i < METRICS_MAX_CONNS; i++)
		if (m->conns[i].fd >= 0 && now - m->conns[i].since >= METRICS_IDLE_SEC)
			drop(m, &m->conns[i]);
}

static void accept_all(struct runner_metrics *m)
{
	for (;;) {
		int fd = accept4(m->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		time_t now = time(NULL);
		int slot = -1;
		for (int pass = 0; pass < 2 && slot < 0; pass++) {
			for (int i = 0; i < METRICS_MAX_CONNS && slot < 0; i++)
				if (m->conns[i].fd < 0)
					slot = i;
			if (slot < 0)
				reap_idle(m, now);
		}
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)slot};
		if (slot < 0 || epoll_ctl(m->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
			close(fd); /* busy: the client retries at its next scrape */
			continue;
		}
		m->conns[slot].fd = fd;
		m->conns[slot].since = now;
	}
}

static void respond(struct metrics_conn *c, const char *status, const char *type,
		    const char *body, size_t bodylen, bool head)
{
	struct strbuf b;
	sb_init(&b);
	sb_printf(&b, "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		      "Connection: close\r\n\r\n", status, type, bodylen);
	if (!head && bodylen)
		sb_putn(&b, body, bodylen);
	c->resplen = b.len;
	c->resp = sb_steal(&b);
	c->sent = 0;
}

/* The body of a request whose headers are in (NULL: not all of it yet),
 * by its Content-Length. */
static const char *request_body(struct metrics_conn *c, size_t *len)
{
	char *end = strstr(c->req, "\r\n\r\n");
	size_t skip = 4;
	if (!end) {
		end = strstr(c->req, "\n\n");
		skip = 2;
	}
	if (!end)
		return NULL;
	const char *body = end + skip;
	size_t want = 0;
	for (const char *h = c->req; h && h < end; h = strchr(h, '\n'), h = h ? h + 1 : NULL)
		if (strncasecmp(h, "content-length:", 15) == 0)
			want = strtoul(h + 15, NULL, 10);
	size_t have = c->reqlen - (size_t)(body - c->req);
	if (have < want)
		return NULL;
	*len = want;
	return body;
}

static void answer_procfs(struct runner *r, struct metrics_conn *c, const char *name, bool write, bool head)
{
	size_t len = 0;
	const char *body = write ? request_body(c, &len) : NULL;
	struct strbuf out;
	sb_init(&out);
	runner_procfs_run(r, name, write, body ? body : "", len, &out);
	respond(c, write ? "204 No Content" : "200 OK", "text/plain; charset=utf-8", out.s ? out.s : "",
		out.len, head || write);
	sb_free(&out);
}

/* The request line of a complete request: GET or HEAD of /metrics or of
 * a procfs file, PUT or POST of a procfs file. */
static void answer(struct runner *r, struct metrics_conn *c)
{
	char method[16] = "", path[256] = "";
	c->req[c->reqlen < sizeof(c->req) ? c->reqlen : sizeof(c->req) - 1] = '\0';
	if (sscanf(c->req, "%15s %255s", method, path) != 2) {
		respond(c, "400 Bad Request", "text/plain", "bad request\n", 12, false);
		return;
	}
	bool head = strcmp(method, "HEAD") == 0;
	bool write = strcmp(method, "PUT") == 0 || strcmp(method, "POST") == 0;
	char *query = strchr(path, '?');
	if (query)
		*query = '\0';
	const char *name = path[0] == '/' ? path + 1 : path;
	if (*name && runner_procfs_has(r, name, write)) {
		answer_procfs(r, c, name, write, head);
		return;
	}
	if (!head && strcmp(method, "GET") != 0) {
		respond(c, "405 Method Not Allowed", "text/plain", "GET /metrics\n", 13, false);
		return;
	}
	if (strcmp(path, "/metrics") != 0) {
		respond(c, "404 Not Found", "text/plain", "GET /metrics\n", 13, head);
		return;
	}
	struct strbuf body;
	sb_init(&body);
	runner_prom_render(r, &body);
	respond(c, "200 OK", "text/plain; version=0.0.4; charset=utf-8", body.s ? body.s : "",
		body.len, head);
	sb_free(&body);
}

static void on_readable(struct runner *r, struct runner_metrics *m, struct metrics_conn *c)
{
	for (;;) {
		size_t room = sizeof(c->req) - 1 - c->reqlen;
		if (room == 0) {
			drop(m, c); /* a request larger than any scrape sends */
			return;
		}
		ssize_t n = read(c->fd, c->req + c->reqlen, room);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			drop(m, c);
			return;
		}
		if (n < 0)
			break;
		c->reqlen += (size_t)n;
	}
	c->req[c->reqlen] = '\0';
	size_t bodylen;
	if (!request_body(c, &bodylen))
		return; /* the headers (or the body they announce) are not all in yet */
	answer(r, c);
	struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = (uint32_t)(c - m->conns)};
	epoll_ctl(m->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void on_writable(struct runner_metrics *m, struct metrics_conn *c)
{
	while (c->sent < c->resplen) {
		ssize_t n = send(c->fd, c->resp + c->sent, c->resplen - c->sent, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0)
			break;
		c->sent += (size_t)n;
	}
	drop(m, c);
}

void runner_metrics_serve(struct runner *r)
{
	struct runner_metrics *m = r->metrics;
	if (!m)
		return;
	struct epoll_event ev[METRICS_MAX_CONNS + 1];
	int n = epoll_wait(m->ep, ev, METRICS_MAX_CONNS + 1, 0);
	for (int i = 0; i < n; i++) {
		uint32_t slot = ev[i].data.u32;
		if (slot == METRICS_MAX_CONNS) {
			accept_all(m);
			continue;
		}
		struct metrics_conn *c = &m->conns[slot];
		if (c->fd < 0)
			continue;
		if (c->resp)
			on_writable(m, c);
		else if (ev[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			on_readable(r, m, c);
	}
	reap_idle(m, time(NULL));
}

void runner_metrics_stop(struct runner *r)
{
	struct runner_metrics *m = r->metrics;
	if (!m)
		return;
	for (int i = 0; i < METRICS_MAX_CONNS; i++)
		drop(m, &m->conns[i]);
	close(m->listen_fd);
	if (m->ep >= 0)
		close(m->ep);
	free(m);
	r->metrics = NULL;
}
