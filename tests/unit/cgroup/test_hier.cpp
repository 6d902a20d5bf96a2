#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "cgroup/hier.hpp"
#include "cgroup/impl.hpp"
#include "sys/error.hpp"
#include "sys/mountinfo.hpp"

using namespace ucrun::cgroup;

static const char* kMountinfo =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
    "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime shared:5 - cgroup cgroup rw,cpuset,clone_children\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "36 31 0:33 /inner /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,release_agent=/x,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
    "42 23 0:32 / /elsewhere/memory rw,relatime - cgroup cgroup rw,memory\n";

static const char* kProcCgroup =
    "9:name=systemd:/user.slice\n"
    "5:devices:/inner/ctr\n"
    "4:memory:/a/b\n"
    "3:cpuset:/\n"
    "2:cpu,cpuacct:/c\n"
    "0::/u/v\n";

TEST_CASE("v1 hierarchies from mountinfo") {
    auto hs = parse_v1_hierarchies(kMountinfo, kProcCgroup, "/sys/fs/cgroup");
    REQUIRE(hs.size() == 5);
    CHECK(hs[0].controllers == std::vector<std::string>{"cpu", "cpuacct"});
    CHECK(hs[0].mount_dir == "/sys/fs/cgroup/cpu,cpuacct");
    CHECK(hs[0].own == "/c");
    CHECK(hs[1].controllers == std::vector<std::string>{"cpuset"});
    CHECK(hs[2].own == "/a/b");
    CHECK(hs[3].mount_root == "/inner");
    CHECK(hs[3].own == "/ctr");  // relative to the mount's root
    CHECK(hs[4].controllers == std::vector<std::string>{"name=systemd"});
    CHECK(hs[4].own == "/user.slice");
    CHECK(own_v2_path(kProcCgroup) == "/u/v");
    CHECK(own_v2_path("1:memory:/x\n") == "/");
}

TEST_CASE("hugepage size names") {
    CHECK(hugepage_size_name("hugepages-2048kB") == "2MB");
    CHECK(hugepage_size_name("hugepages-1048576kB") == "1GB");
    CHECK(hugepage_size_name("hugepages-64kB") == "64KB");
    CHECK(hugepage_size_name("other") == "");
}

namespace {
// The layout as /proc/self/mountinfo tells it (the last mount on a path is
// the visible one), independent of detect()'s statfs(2).
Layout layout_from_mountinfo(const std::string& mountpoint) {
    std::ifstream f("/proc/self/mountinfo");
    std::stringstream ss;
    ss << f.rdbuf();
    std::string top, unified;
    for (const auto& m : ucrun::sys::parse_mountinfo(ss.str())) {
        if (m.mount_point == mountpoint) top = m.fstype;
        if (m.mount_point == mountpoint + "/unified") unified = m.fstype;
    }
    if (top == "cgroup2") return Layout::V2;
    return unified == "cgroup2" ? Layout::Hybrid : Layout::V1;
}
}  // namespace

TEST_CASE("layout detection on this host") {
    CHECK(std::string(to_string(detect("/sys/fs/cgroup"))) ==
          std::string(to_string(layout_from_mountinfo("/sys/fs/cgroup"))));
    // No cgroup2 file system at or under a plain directory: v1 (the caller
    // then finds no hierarchy there).
    CHECK(detect("/") == Layout::V1);
    CHECK_THROWS_AS(detect("/nonexistent-ucrun-test"), ucrun::SysError);
}
