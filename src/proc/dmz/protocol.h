/* Shared by ucrun (C++) and ucrun-dmz (freestanding C): argv[0] that marks
 * a call from ucrun (src/proc/dmz/dmz.c has the protocol). */
#pragma once
#define UCRUN_DMZ_MAGIC "ucrun-dmz\x01"
