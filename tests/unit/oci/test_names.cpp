// Name tables: capabilities, rlimits, namespaces, mount options.
#include <doctest/doctest.h>

#include <sys/resource.h>

#include "oci/mount_options.hpp"
#include "oci/validate.hpp"

TEST_CASE("names: capabilities 0..40") {
    CHECK(oci::capability_number("CAP_CHOWN") == 0);
    CHECK(oci::capability_number("CAP_SYS_ADMIN") == 21);
    CHECK(oci::capability_number("CAP_AUDIT_READ") == 37);
    CHECK(oci::capability_number("CAP_CHECKPOINT_RESTORE") == 40);
    CHECK(oci::capability_number("CAP_NOPE") == -1);
    CHECK(oci::capability_number("chown") == -1);
    for (int n = 0; n <= oci::last_capability; ++n) {
        CAPTURE(n);
        CHECK(oci::capability_number(oci::capability_name(n)) == n);
        CHECK(oci::is_known_capability(oci::capability_name(n)));
    }
    CHECK(std::string(oci::capability_name(41)) == "");
    CHECK(std::string(oci::capability_name(-1)) == "");
}

TEST_CASE("names: rlimits map to <sys/resource.h>") {
    CHECK(oci::rlimit_resource("RLIMIT_NOFILE") == RLIMIT_NOFILE);
    CHECK(oci::rlimit_resource("RLIMIT_CORE") == RLIMIT_CORE);
    CHECK(oci::rlimit_resource("RLIMIT_MSGQUEUE") == RLIMIT_MSGQUEUE);
    CHECK(oci::rlimit_resource("RLIMIT_RTTIME") == RLIMIT_RTTIME);
    CHECK(oci::rlimit_resource("RLIMIT_STACK") == RLIMIT_STACK);
    CHECK(oci::rlimit_resource("NOFILE") == -1);
    CHECK(oci::rlimit_resource("") == -1);
}

TEST_CASE("names: namespaces") {
    for (const char* t : {"pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"})
        CHECK(oci::is_known_namespace(t));
    CHECK_FALSE(oci::is_known_namespace("net"));
    CHECK_FALSE(oci::is_known_namespace(""));
}

TEST_CASE("names: mount option table") {
    for (const char* o : {"async", "bind", "rbind", "ro", "rw", "nosuid", "rrelatime", "idmap", "ridmap", "tmpcopyup",
                          "rprivate", "unbindable", "nosymfollow"})
        CHECK(oci::is_spec_mount_option(o));
    for (const char* o : {"", "mode=755", "size=1k", "newinstance", "rrelatime  "}) CHECK_FALSE(oci::is_spec_mount_option(o));
}
