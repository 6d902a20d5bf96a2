/* sd_notify(3) for the integration tests: sends its argument (default
 * "READY=1") as one datagram to $NOTIFY_SOCKET. Static, so that it runs in
 * a busybox rootfs, which has no systemd-notify and whose nc cannot speak
 * unix datagrams. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char** argv) {
    const char* msg = argc > 1 ? argv[1] : "READY=1";
    const char* path = getenv("NOTIFY_SOCKET");
    if (!path || !*path) {
        fprintf(stderr, "sdnotify: NOTIFY_SOCKET is not set\n");
        return 1;
    }
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    size_t n = strlen(path);
    if (n >= sizeof a.sun_path) {
        fprintf(stderr, "sdnotify: socket path too long\n");
        return 1;
    }
    memcpy(a.sun_path, path, n);
    socklen_t len = sizeof a;
    if (path[0] == '@') {
        a.sun_path[0] = '\0';
        len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
    }
    int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0 || sendto(s, msg, strlen(msg), 0, (struct sockaddr*)&a, len) < 0) {
        perror("sdnotify");
        return 1;
    }
    close(s);
    return 0;
}
