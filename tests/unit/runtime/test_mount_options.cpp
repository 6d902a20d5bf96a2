#include <doctest/doctest.h>
#include <linux/mount.h>
#include <sys/mount.h>

#include <algorithm>

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

// The one table (oci/mount_options.cpp) seen from every side: what
// `ucrun features` lists, what validation calls an option, what parses.
TEST_CASE("every listed option is an option, parses on a bind mount and is no file system data") {
    const auto names = oci::spec_mount_option_names(true);
    CHECK(names.size() == 30 + 8 + 18 + 4 + 2);  // flags, propagation, recursive, bind/rbind/tmpcopyup/remount, idmap
    for (const auto& n : names) {
        CAPTURE(n);
        CHECK(oci::is_spec_mount_option(n));
        auto o = parse_options(mnt({n}, "bind"), "mounts[0]");
        CHECK(o.data.empty());
    }
    const auto without = oci::spec_mount_option_names(false);
    CHECK(without.size() == names.size() - 2);
    CHECK(std::find(without.begin(), without.end(), "idmap") == without.end());
    CHECK_FALSE(oci::is_spec_mount_option("mode=755"));
    CHECK_FALSE(oci::is_spec_mount_option("nosiud"));
}

TEST_CASE("an unknown option on a bind mount is refused, on a new file system it is data") {
    try {
        parse_options(mnt({"ro", "nosiud"}, "bind"), "mounts[2]");
        FAIL("no error");
    } catch (const oci::SpecError& e) {
        CHECK(std::string(e.what()) ==
              "config.json: mounts[2].options[1]: unknown mount option \"nosiud\" for a bind mount");
    }
    CHECK(parse_options(mnt({"nosiud"}, "tmpfs"), "m").data == std::vector<std::string>{"nosiud"});
    CHECK_THROWS_AS(parse_options(mnt({std::string(300, 'k') + "=v"}), "m"), oci::SpecError);
}

TEST_CASE("super block flags a new file system takes by name") {
    auto o = parse_options(mnt({"sync", "dirsync", "lazytime", "mand", "nodev", "ro"}), "m");
    CHECK(o.fs_flag_names() == std::vector<std::string>{"dirsync", "lazytime", "mand", "sync"});
    // A later negation clears it: "async" after "sync".
    o = parse_options(mnt({"sync", "lazytime", "async", "nolazytime"}), "m");
    CHECK(o.fs_flag_names().empty());
    CHECK((o.clear & (MS_SYNCHRONOUS | MS_LAZYTIME)) == (MS_SYNCHRONOUS | MS_LAZYTIME));
}

TEST_CASE("idmap options found without parsing the rest") {
    CHECK(oci::has_idmap_option(mnt({"rbind", "ridmap"}, "none")));
    CHECK(oci::has_idmap_option(mnt({"idmap", ""}, "bind")));  // an empty option is validation's to refuse
    CHECK_FALSE(oci::has_idmap_option(mnt({"rbind", "idmapped"}, "none")));
    CHECK_FALSE(oci::has_idmap_option(mnt({})));
}
