/* Shared by ucrun (C++) and ucrun-dmz (freestanding C): argv[0] that marks
 * a call from ucrun (src/proc/dmz/dmz.c has the protocol). */
#pragma once
#define UCRUN_DMZ_MAGIC "ucrun-dmz\x01"
/* The same, released by ucrun: argv[1] is the sync socket's fd, in decimal;
 * the program is executed once the Start message comes on it. */
#define UCRUN_DMZ_MAGIC_ON_START "ucrun-dmz\x02"
/* The Start message's type byte (src/proc/messages.cpp). */
#define UCRUN_DMZ_START 's'
