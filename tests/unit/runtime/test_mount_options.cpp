#include <doctest/doctest.h>
#include <linux/mount.h>
#include <sys/mount.h>

#include "mount/options.hpp"
#include "oci/error.hpp"

using ucrun::mount::parse_options;

namespace {
oci::Mount mnt(std::vector<std::string> opts, std::string type = "tmpfs") {
    oci::Mount m;
    m.destination = "/x";
    m.type = type;
    m.options = std::move(opts);
    return m;
}
}  // namespace

TEST_CASE("flags and their negations; last one wins") {
    auto o = parse_options(mnt({"ro", "nosuid", "nodev", "noexec"}), "mounts[0]");
    CHECK((o.flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)) == (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC));
    CHECK((o.attr_set & MOUNT_ATTR_RDONLY) != 0);
    o = parse_options(mnt({"ro", "rw"}), "mounts[0]");
    CHECK((o.flags & MS_RDONLY) == 0);
    CHECK((o.attr_clr & MOUNT_ATTR_RDONLY) != 0);
    CHECK((o.attr_set & MOUNT_ATTR_RDONLY) == 0);
}

TEST_CASE("filesystem data passes through, in order") {
    auto o = parse_options(mnt({"nosuid", "mode=755", "size=65536k", "newinstance"}), "mounts[0]");
    CHECK(o.data_string() == "mode=755,size=65536k,newinstance");
}

TEST_CASE("bind, rbind, propagation, recursive attributes, idmap") {
    auto o = parse_options(mnt({"rbind", "rprivate", "rro", "ridmap"}, "none"), "mounts[1]");
    CHECK(o.bind);
    CHECK(o.recursive);
    CHECK(o.idmap);
    CHECK(o.ridmap);
    REQUIRE(o.propagation.size() == 1);
    CHECK(o.propagation[0] == (MS_PRIVATE | MS_REC));
    CHECK((o.rattr_set & MOUNT_ATTR_RDONLY) != 0);
    CHECK(parse_options(mnt({}, "bind"), "m").bind);
    CHECK(ucrun::mount::is_bind(mnt({"bind"}, "none")));
    CHECK_FALSE(ucrun::mount::is_bind(mnt({"nosuid"})));
}

TEST_CASE("atime family") {
    auto o = parse_options(mnt({"noatime"}), "m");
    CHECK((o.attr_set & MOUNT_ATTR_NOATIME) == MOUNT_ATTR_NOATIME);
    o = parse_options(mnt({"strictatime"}), "m");
    CHECK((o.attr_set & MOUNT_ATTR_STRICTATIME) == MOUNT_ATTR_STRICTATIME);
}

TEST_CASE("an empty option names its path") {
    try {
        parse_options(mnt({"ro", ""}), "mounts[3]");
        FAIL("no error");
    } catch (const oci::SpecError& e) {
        CHECK(std::string(e.what()) == "config.json: mounts[3].options[1]: must not be empty");
    }
}

TEST_CASE("remount is a flag, not file system data") {
    auto o = parse_options(mnt({"remount", "ro", "size=2m"}), "m");
    CHECK(o.remount);
    CHECK((o.attr_set & MOUNT_ATTR_RDONLY) != 0);
    CHECK(o.data_string() == "size=2m");
}

TEST_CASE("recursive clears and rnodev") {
    auto o = parse_options(mnt({"rbind", "rnodev", "rrw", "rsuid"}, "none"), "m");
    CHECK((o.rattr_set & MOUNT_ATTR_NODEV) != 0);
    CHECK((o.rattr_clr & (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID)) == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID));
    CHECK(o.data.empty());
}

TEST_CASE("propagation keeps each option, in order") {
    auto o = parse_options(mnt({"shared", "runbindable"}, "none"), "m");
    REQUIRE(o.propagation.size() == 2);
    CHECK(o.propagation[0] == MS_SHARED);
    CHECK(o.propagation[1] == (MS_UNBINDABLE | MS_REC));
}
