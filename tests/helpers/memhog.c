/* Allocates and touches memory until told amount is reached, for the cgroup
 * memory limit tests: `memhog MiB` writes to every page of MiB mebibytes,
 * 1 MiB at a time, printing "allocated N" after each 16 MiB, then "done".
 * Past the container's memory limit the kernel's OOM killer ends it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(int argc, char** argv) {
    long mib = argc > 1 ? strtol(argv[1], NULL, 10) : 256;
    if (mib <= 0) {
        fprintf(stderr, "usage: memhog MiB\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    for (long i = 1; i <= mib; ++i) {
        char* p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            perror("memhog: mmap");
            return 1;
        }
        memset(p, 0x5a, 1 << 20);
        if (i % 16 == 0) printf("allocated %ld\n", i);
    }
    printf("done\n");
    return 0;
}
