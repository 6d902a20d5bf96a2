#include <fcntl.h>
#include <unistd.h>

#include "cli/command.hpp"
#include "oci/default_spec.hpp"
#include "sys/error.hpp"
#include "sys/fd.hpp"
#include "sys/io.hpp"

namespace ucrun::cli {

namespace {
int run(Context&, const Parsed& p) {
    require_args(p, 0, "spec");
    std::string dir = p.get("bundle", ".");
    std::string path = dir + "/config.json";
    bool rootless = p.has("rootless");
    auto doc = oci::default_spec_ordered(rootless, ::getuid(), ::getgid());
    // runc refuses to overwrite an existing config.json.
    Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
    if (!fd) {
        if (errno == EEXIST) throw Error("File " + path + " exists. Remove it first");
        throw_errno("create " + path);
    }
    if (!sys::write_all(fd.get(), doc.dump(4) + "\n")) throw_errno("write " + path);
    return 0;
}
}  // namespace

const Command& spec_command() {
    static constexpr FlagSpec kFlags[] = {
        {"bundle", "b", true, "path to the root of the bundle directory"},
        {"rootless", "", false, "generate a configuration for a rootless container"},
    };
    static constexpr Command kCommand{"spec", "spec [options]", "create a new specification file (config.json)",
                                      kFlags, run};
    return kCommand;
}

}  // namespace ucrun::cli
