#include "proc/cgroup_join.hpp"

#include "sys/error.hpp"
#include "sys/io.hpp"

namespace ucrun::proc {

void join_own_cgroup(const sys::Kernel& kernel, const CgroupJoin& join, const char* who) {
    for (const auto& [fd, path] : join.files) {
        if (!sys::write_all(kernel, fd, "0")) throw_errno("write " + *path + " = 0 (" + who + ")");
        kernel.close(fd);
    }
    if (join.clone_dir >= 0) kernel.close(join.clone_dir);
}

}  // namespace ucrun::proc
