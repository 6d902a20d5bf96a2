/* Shared by ucrun (C++) and ucrun-dmz (freestanding C): argv[0] that marks
 * a call from ucrun (src/proc/dmz/dmz.c has the protocol). */
#pragma once
#define UCRUN_DMZ_MAGIC "ucrun-dmz\x01"
/* The same, released by ucrun: argv[1] is the sync socket's fd, in decimal;
 * the program is executed once the Start message comes on it. */
#define UCRUN_DMZ_MAGIC_ON_START "ucrun-dmz\x02"
/* The Start message's type byte (src/proc/messages.cpp). */
#define UCRUN_DMZ_START 's'
/* `create`'s init on ucrun's memory (src/proc/init.cpp): argv[1] the sync
 * socket, argv[2] an O_PATH fd of the host's /proc, argv[3] the exec FIFO's
 * path under it ("thread-self/fd/N"), argv[4] the FIFO's O_PATH fd. It
 * waits for Recorded, says Detached, then waits on the FIFO for `start`. */
#define UCRUN_DMZ_MAGIC_ON_FIFO "ucrun-dmz\x03"
#define UCRUN_DMZ_RECORDED 'R'
#define UCRUN_DMZ_DETACHED 'd'
